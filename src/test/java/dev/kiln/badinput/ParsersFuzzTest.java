package dev.kiln.badinput;

import static org.junit.jupiter.api.Assertions.*;

import dev.kiln.data.CsvReader;
import dev.kiln.data.Dataset;
import dev.kiln.data.IdxReader;
import dev.kiln.data.NanPolicy;
import dev.kiln.nn.Model;
import dev.kiln.nn.Safetensors;
import dev.kiln.optim.Optimizers;
import dev.kiln.schedule.RunPlan;
import dev.kiln.schedule.ScheduleSpec;
import dev.kiln.train.DivergencePolicy;
import dev.kiln.train.Interval;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Every parser given arbitrary input returns a result or throws Kiln's own clear exception: an
 * {@link IllegalArgumentException} (or one of Kiln's subclasses) with a one-line message; never an
 * ArrayIndexOutOfBounds, NullPointer, NumberFormat or other exception leaking out. 300 tries each.
 */
class ParsersFuzzTest {
    private static Path dir;

    private static synchronized Path dir() {
        try {
            if (dir == null) dir = Files.createTempDirectory("kiln-fuzz");
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterContainer
    static void cleanUp() throws IOException {
        if (dir == null) return;
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    /** Runs {@code r}; an exception is acceptable only as Kiln's clear kind, with a one-line message. */
    static void cleanly(String input, Runnable r) {
        cleanly(input, r, true);
    }

    /**
     * As {@link #cleanly(String, Runnable)}; without {@code oneLine} a message may quote a line break of the input
     * (the grammars echo the text they were given, and the CLI folds any message onto one line).
     */
    static void cleanly(String input, Runnable r, boolean oneLine) {
        try {
            r.run();
        } catch (IllegalArgumentException e) {
            boolean ours = e.getClass() == IllegalArgumentException.class || e.getClass().getName().startsWith("dev.kiln.");
            assertTrue(ours, () -> "leaked " + e + " for input: " + input);
            assertNotNull(e.getMessage(), () -> "no message for input: " + input);
            assertFalse(e.getMessage().isBlank(), () -> "blank message for input: " + input);
            if (oneLine) assertFalse(e.getMessage().contains("\n"), () -> "message on several lines: " + e.getMessage());
        }
    }

    // ---- CSV ----

    @Provide
    Arbitrary<String> csvTexts() {
        Arbitrary<String> cell = Arbitraries.oneOf(Arbitraries.of("0", "1", "2", "-1", "0.5", "1e3", "1e39", "NaN", "inf", "-Infinity", "",
                "abc", "\"3\"", "12", "1.5e-2", "+7", "a", "label", "3", "10", "x y"), Arbitraries.strings().withChars("0123456789.-+eE").ofMaxLength(6));
        Arbitrary<String> line = cell.list().ofMinSize(0).ofMaxSize(5).map(cells -> String.join(",", cells));
        return line.list().ofMaxSize(8).map(lines -> String.join("\n", lines) + "\n");
    }

    @Property(tries = 300)
    void csvReader(@ForAll("csvTexts") String text, @ForAll("csvOptions") int options) {
        CsvReader r = new CsvReader();
        if ((options & 1) != 0) r.nanPolicy(NanPolicy.DROP);
        if ((options & 2) != 0) r.classes(3);
        if ((options & 4) != 0) r.oneHotLabels(2);
        if ((options & 8) != 0) r.valueLabels();
        if ((options & 16) != 0) r.labelColumn("label");
        if ((options & 32) != 0) r.header(CsvReader.Header.PRESENT);
        cleanly(text, () -> {
            Dataset d = r.read("f.csv", new StringReader(text));
            assertTrue(d.rows() > 0);
            for (float v : d.features()) assertTrue(Float.isFinite(v), "no NaN/Inf gets through: " + text);
        });
    }

    @Provide
    Arbitrary<Integer> csvOptions() { return Arbitraries.integers().between(0, 63); }

    // ---- IDX ----

    @Provide
    Arbitrary<byte[]> idxBytes() {
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(64);
        Arbitrary<byte[]> mutated = Arbitraries.longs().map(seed -> {
            Random r = new Random(seed);
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(16 + 12);
            b.putInt(0x00000803).putInt(3).putInt(2).putInt(2);
            for (int i = 0; i < 12; i++) b.put((byte) r.nextInt(256));
            byte[] a = b.array();
            int edits = 1 + r.nextInt(3);
            for (int i = 0; i < edits; i++) a[r.nextInt(16)] = (byte) r.nextInt(256);
            return java.util.Arrays.copyOf(a, r.nextInt(a.length + 1));
        });
        return Arbitraries.oneOf(random, mutated);
    }

    @Property(tries = 300)
    void idxReader(@ForAll("idxBytes") byte[] images, @ForAll("idxBytes") byte[] labels) throws IOException {
        Path img = Files.write(Files.createTempFile(dir(), "img", ".idx"), images);
        Path lab = Files.write(Files.createTempFile(dir(), "lab", ".idx"), labels);
        Path goodLabels = BadDataFilesTest.idxLabels(Files.createTempFile(dir(), "ok", ".idx"), 0, 1, 2);
        cleanly(java.util.Arrays.toString(images), () -> IdxReader.read(img, goodLabels, 3));
        cleanly(java.util.Arrays.toString(images) + " / " + java.util.Arrays.toString(labels), () -> IdxReader.read(img, lab));
    }

    // ---- safetensors ----

    @Provide
    Arbitrary<byte[]> safetensorsBytes() {
        byte[] valid = Safetensors.encode(List.of(new Safetensors.Tensor("layers.0.weight", new int[] {2, 3}, new float[6]),
                new Safetensors.Tensor("layers.0.bias", new int[] {2}, new float[] {1, 2})), java.util.Map.of("kiln.model", "2:softmax"));
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(80);
        Arbitrary<byte[]> mutated = Arbitraries.longs().map(seed -> {
            Random r = new Random(seed);
            byte[] a = valid.clone();
            int edits = 1 + r.nextInt(4);
            String alphabet = "0123456789-,[]{}\":ABFIU ";
            for (int i = 0; i < edits; i++) {
                int at = r.nextInt(a.length);
                a[at] = at < 8 ? (byte) r.nextInt(256) : (byte) alphabet.charAt(r.nextInt(alphabet.length()));
            }
            return r.nextBoolean() ? a : java.util.Arrays.copyOf(a, r.nextInt(a.length));
        });
        return Arbitraries.oneOf(random, mutated);
    }

    @Property(tries = 300)
    void safetensorsReader(@ForAll("safetensorsBytes") byte[] bytes) {
        cleanly(new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1), () -> Safetensors.decode("w.safetensors", bytes));
    }

    // ---- grammars ----

    private static Arbitrary<String> tokens(String... vocabulary) {
        Arbitrary<String> token = Arbitraries.oneOf(Arbitraries.of(vocabulary), Arbitraries.strings().ofMaxLength(3));
        return token.list().ofMaxSize(12).map(ts -> String.join("", ts));
    }

    @Provide
    Arbitrary<String> scheduleTexts() {
        return tokens("constant", "step", "multistep", "exp", "cosine", "restarts", "cyclic", "onecycle", "warmup", "wsd", "plateau",
                "linear", "poly", "clamp", ":", "=", ",", ">", "*", "|", "(", ")", " ", "every", "gamma", "min", "max", "at", "0.5", "2",
                "ep", "%", "1e400", "-1", "nan", "inf", "3ep", "50%", "/", "..", "0", "1e-308", "99999999999999999999", "patience", "pct",
                "momentum", "none", "mode", "t_mult");
    }

    @Property(tries = 300)
    void scheduleGrammar(@ForAll("scheduleTexts") String text) {
        cleanly(text, () -> {
            ScheduleSpec s = ScheduleSpec.parse(text);
            RunPlan plan = new RunPlan(10, 100);
            var bound = s.bind(plan);
            for (long t = 0; t < 100; t += 7) bound.factor(t);
            s.lint(plan);
            assertEquals(s, ScheduleSpec.parse(s.toString()), "canonical text parses back");
        }, false);
    }

    @Provide
    Arbitrary<String> optimizerTexts() {
        return tokens("sgd", "adam", "adamw", "nadam", "radam", "rmsprop", "adagrad", "adadelta", "lion", ":", "=", ",", "/", "lr",
                "momentum", "betas", "eps", "weight_decay", "nesterov", "amsgrad", "centered", "true", "false", "0.9", "0.999", "1e-3", "-1",
                "nan", "inf", "1e400", "0x10", " ", "2", "dampening", "rho", "alpha", "momentum_decay", "lr_decay");
    }

    @Property(tries = 300)
    void optimizerGrammar(@ForAll("optimizerTexts") String text) {
        cleanly(text, () -> assertEquals(Optimizers.parse(text), Optimizers.parse(Optimizers.parse(text).spec())), false);
    }

    @Provide
    Arbitrary<String> modelTexts() {
        return tokens("16", "3", "0", "-1", "1e9", "99999999999", ":", ",", "relu", "tanh", "softmax", "sigmoid", "linear", "gelu",
                "leaky_relu", "dropout", "0.2", "1.5", "nan", " ", "=", "(", ")", "he", "xavier", "init");
    }

    @Property(tries = 300)
    void modelGrammar(@ForAll("modelTexts") String text) {
        cleanly(text, () -> {
            Model m = Model.parse(text, 3);
            assertEquals(m.spec(), Model.parse(m.spec(), 3).spec());
        }, false);
    }

    @Property(tries = 300)
    void flagGrammars(@ForAll("flagTexts") String text) {
        cleanly(text, () -> DivergencePolicy.parse(text));
        cleanly(text, () -> Interval.parse(text));
        cleanly(text, () -> NanPolicy.parse(text));
    }

    @Provide
    Arbitrary<String> flagTexts() {
        return tokens("stop", "skip", "rollback", "off", ":", "0.5", "2", "-1", "nan", "1e400", "ep", "500", "0", "99999999999999999999",
                "reject", "drop", " ", "x");
    }
}
