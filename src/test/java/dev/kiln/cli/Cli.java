package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.report.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/** Runs {@code kiln} in-process, as {@code new CommandLine(new Main()).execute(args)}, capturing its output. */
final class Cli {
    private Cli() {}

    /** What a run printed and returned. */
    record Result(int code, String out, String err) {
        JsonNode json() {
            try {
                return Json.MAPPER.readTree(out);
            } catch (IOException e) {
                throw new AssertionError("stdout is not JSON: " + out + "\nstderr: " + err, e);
            }
        }

        /** Asserts exit 0, showing stderr otherwise. */
        Result ok() {
            assertEquals(0, code, () -> "exit code; stderr:\n" + err + "\nstdout:\n" + out);
            return this;
        }

        /** Asserts the exit code and that stderr is exactly one line, with no stack trace. */
        Result failsWith(int expected) {
            assertEquals(expected, code, () -> "exit code; stderr:\n" + err + "\nstdout:\n" + out);
            List<String> lines = err.lines().filter(l -> !l.isBlank()).toList();
            assertEquals(1, lines.size(), () -> "stderr should be one line, got:\n" + err);
            assertFalse(err.contains("\tat "), () -> "stack trace on stderr:\n" + err);
            return this;
        }
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    /** A JSON file's tree. */
    static JsonNode json(Path file) {
        try {
            return Json.MAPPER.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The rows of a CSV file, each split on commas (header first). */
    static List<String[]> csv(Path file) {
        try {
            List<String[]> rows = new ArrayList<>();
            for (String line : Files.readAllLines(file)) if (!line.isEmpty()) rows.add(line.split(",", -1));
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The column index of {@code name} in a CSV header. */
    static int column(String[] header, String name) {
        for (int i = 0; i < header.length; i++) if (header[i].equals(name)) return i;
        throw new AssertionError("no column " + name + " in " + String.join(",", header));
    }

    /** Writes the seed experiment's kind of data (label = argmax of 3 uniform features) as CSV with a header. */
    static Path argmaxCsv(Path file, int rows, long seed) {
        java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
        StringBuilder s = new StringBuilder("a,b,c,label\n");
        for (int r = 0; r < rows; r++) {
            double[] x = {rng.nextDouble(), rng.nextDouble(), rng.nextDouble()};
            int best = 0;
            for (int j = 1; j < 3; j++) if (x[j] > x[best]) best = j;
            s.append(String.format(java.util.Locale.ROOT, "%.6f,%.6f,%.6f,%d%n", x[0], x[1], x[2], best));
        }
        try {
            Files.writeString(file, s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }
}
