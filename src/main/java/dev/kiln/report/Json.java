package dev.kiln.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Path;

/**
 * The JSON side of Kiln's files and of {@code --json} output: one shared Jackson mapper that indents,
 * keeps map order, and writes every double in the shortest form that parses back to the same double.
 * Callers turn NaN into null before writing (JSON has no NaN).
 */
public final class Json {
    private Json() {}

    /** The shared mapper (thread-safe once configured). */
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    /** {@code value} as indented JSON text with a final newline. */
    public static String text(Object value) {
        try {
            return MAPPER.writeValueAsString(value) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Writes {@code value} to {@code file} atomically ({@link AtomicFiles}). */
    public static void write(Path file, Object value) {
        AtomicFiles.writeString(file, text(value));
    }

    /** A double for JSON: NaN and infinities become null. */
    public static Double number(double v) {
        return Double.isFinite(v) ? v : null;
    }
}
