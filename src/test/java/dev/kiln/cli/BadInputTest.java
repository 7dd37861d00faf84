package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.*;

import dev.kiln.backend.Backends;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad flags, values and files: exit 2, one line on stderr that names the flag and the value, no stack trace,
 * and no run directory (nor a hidden partial one) left behind.
 */
class BadInputTest {
    static final String[] GOOD = {"--data", "synthetic", "--layers", "4:relu,3:softmax", "--epochs", "1", "--backend", "cpu"};

    static Stream<Arguments> badTrainRuns() {
        return Stream.of(
                Arguments.of("unknown layer kind", List.of("--layers", "4:relu,3:sofmax"), List.of("--layers", "'sofmax'")),
                Arguments.of("negative epochs", List.of("--epochs", "-3"), List.of("kiln: --epochs: must be >= 1, got -3")),
                Arguments.of("epochs not a number", List.of("--epochs", "ten"), List.of("--epochs", "'ten'")),
                Arguments.of("missing data file", List.of("--data", "nope.csv"), List.of("--data", "nope.csv", "no such file")),
                Arguments.of("missing test file", List.of("--test", "gone.csv"), List.of("--test", "gone.csv")),
                Arguments.of("bad schedule token", List.of("--schedule", "step:every=2ep,gama=0.8"), List.of("--schedule", "'gama'")),
                Arguments.of("schedule too fine for the run", List.of("--schedule", "step:every=0.1%"), List.of("--schedule")),
                Arguments.of("bad optimizer option", List.of("--optimizer", "adam:lr=1e-3,foo=1"), List.of("--optimizer", "'foo'")),
                Arguments.of("unknown loss", List.of("--loss", "hinge"), List.of("--loss", "'hinge'")),
                // narrower than the classes (a wider softmax trains over its width, with a warning: WiderSoftmaxTest)
                Arguments.of("output width", List.of("--layers", "4:relu,2:softmax"), List.of("--layers", "2 units", "3 classes")),
                Arguments.of("unknown option", List.of("--epoch", "3"), List.of("Unknown option", "'--epoch'")),
                Arguments.of("validation split", List.of("--validation-split", "1.5"), List.of("--validation-split", "1.5")),
                Arguments.of("negative clip norm", List.of("--clip-norm", "-1"), List.of("--clip-norm", "-1")),
                Arguments.of("divergence policy", List.of("--on-divergence", "retry"), List.of("--on-divergence", "'retry'")),
                Arguments.of("unknown backend", List.of("--backend", "tpu"), List.of("--backend", "'tpu'")),
                Arguments.of("batch of zero", List.of("--batch-size", "0"), List.of("--batch-size", "0")),
                Arguments.of("missing init", List.of("--init", "w.safetensors"), List.of("--init", "w.safetensors")),
                Arguments.of("missing config", List.of("--config", "nothere.yaml"), List.of("--config", "nothere.yaml")),
                // found before training, not at the first checkpoint (that lost the epochs before it)
                Arguments.of("checkpoint dir under a file", List.of("--checkpoint-every", "1", "--checkpoint-dir", "pom.xml/ck"),
                        List.of("--checkpoint-dir: pom.xml/ck:", "pom.xml is not a directory")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badTrainRuns")
    void badTrainRunsFailInOneLineAndLeaveNothing(String what, List<String> change, List<String> mentions, @TempDir Path tmp) throws IOException {
        List<String> args = new ArrayList<>(List.of("train"));
        args.addAll(List.of(GOOD));
        args.addAll(change);
        args.addAll(List.of("--out", tmp.resolve("runs/bad").toString()));
        Cli.Result r = Cli.run(args.toArray(new String[0])).failsWith(2);
        for (String m : mentions) assertTrue(r.err().contains(m), () -> what + ": stderr should mention " + m + ": " + r.err());
        assertTrue(r.err().startsWith("kiln: "), r.err());
        assertEmpty(tmp);
    }

    @Test
    void configFileErrorsNameTheFileAndKey(@TempDir Path tmp) throws IOException {
        Path unknown = Files.writeString(tmp.resolve("a.yaml"), "data: synthetic\nlayers: 4:relu,3:softmax\nepoch: 3\n");
        assertTrue(Cli.run("train", "--config", unknown.toString()).failsWith(2).err().contains("a.yaml: unknown key 'epoch'"));
        Path type = Files.writeString(tmp.resolve("b.json"), "{\"data\": \"synthetic\", \"layers\": \"4:relu,3:softmax\", \"epochs\": \"ten\"}");
        assertTrue(Cli.run("train", "--config", type.toString()).failsWith(2).err().contains("b.json: epochs: expected an integer, got 'ten'"));
        Path range = Files.writeString(tmp.resolve("c.yaml"), "data: synthetic\nlayers: 4:relu,3:softmax\nepochs: 0\n");
        assertTrue(Cli.run("train", "--config", range.toString()).failsWith(2).err().contains("c.yaml: epochs: must be >= 1, got 0"));
        Path syntax = Files.writeString(tmp.resolve("d.json"), "{\"epochs\": 3,,}");
        assertTrue(Cli.run("train", "--config", syntax.toString()).failsWith(2).err().contains("d.json: line 1"));
        Path variants = Files.writeString(tmp.resolve("e.yaml"), "variants:\n  - name: a\n    schedule: constant\n");
        assertTrue(Cli.run("train", "--config", variants.toString()).failsWith(2).err().contains("kiln train does not take it"));
        // a second object or document was ignored (its settings silently lost)
        Path twoJson = Files.writeString(tmp.resolve("f.json"), "{\"data\": \"synthetic\", \"epochs\": 1} {\"epochs\": 5}");
        assertTrue(Cli.run("train", "--config", twoJson.toString()).failsWith(2).err()
                .contains("f.json: line 1, column 36: more after the settings (a second JSON object or YAML document)"));
        Path empty = Files.writeString(tmp.resolve("e.json"), "");
        assertTrue(Cli.run("train", "--config", empty.toString(), "--data", "synthetic").failsWith(2).err()
                .contains("--layers is required (neither a flag nor a key 'layers' of " + empty + ")"));
        Path twoYaml = Files.writeString(tmp.resolve("g.yaml"), "data: synthetic\nepochs: 1\n---\nepochs: 5\n");
        assertTrue(Cli.run("train", "--config", twoYaml.toString()).failsWith(2).err().contains("g.yaml: line 4, column 1: more after"));
        try (var s = Files.list(tmp)) {
            assertTrue(s.allMatch(p -> p.getFileName().toString().matches("[a-g]\\.(yaml|json)")), "only the config files remain");
        }
    }

    @Test
    void badCompareVariantsAndEvalInputs(@TempDir Path tmp) throws IOException {
        String out = tmp.resolve("c").toString();
        assertTrue(Cli.run("compare", "--backend", "cpu", "--out", out, "--variant", "novalue").failsWith(2).err().contains("--variant 'novalue'"));
        assertTrue(Cli.run("compare", "--backend", "cpu", "--out", out, "--variant", "a=cosine:foo=1").failsWith(2).err().contains("'foo'"));
        assertTrue(Cli.run("compare", "--backend", "cpu", "--out", out, "--variant", "a=constant", "--variant", "a=cosine")
                .failsWith(2).err().contains("used twice"));
        assertTrue(Cli.run("compare", "--backend", "cpu", "--out", out, "--variant", "a b=constant").failsWith(2).err().contains("'a b'"));
        assertTrue(Cli.run("eval", "--model", tmp.resolve("none").toString(), "--data", "iris").failsWith(2).err().contains("--model"));
        assertTrue(Cli.run("eval").failsWith(2).err().contains("--model"));
        assertTrue(Cli.run("bench", "--workload", "huge").failsWith(2).err().contains("'huge'"));
        assertTrue(Cli.run("lr-find", "--data", "synthetic", "--layers", "3:softmax", "--steps", "1").failsWith(2).err().contains("--steps"));
        assertEmpty(tmp);
        // an existing, non-empty --out is refused before anything runs
        Files.writeString(Files.createDirectories(tmp.resolve("full")).resolve("x"), "x");
        assertTrue(Cli.run("train", GOOD[0], GOOD[1], GOOD[2], GOOD[3], "--out", tmp.resolve("full").toString())
                .failsWith(2).err().contains("not empty"));
    }

    @Test
    void anUnavailableBackendIsARuntimeFailureWithItsCause(@TempDir Path tmp) throws IOException {
        Assumptions.assumeFalse(Backends.provider("cuda").isAvailable(), "CUDA is available here");
        Cli.Result r = Cli.run("train", "--data", "synthetic", "--layers", "4:relu,3:softmax", "--epochs", "1", "--backend", "cuda",
                "--out", tmp.resolve("r").toString()).failsWith(1);
        assertTrue(r.err().contains("backend 'cuda' is unavailable: "), r.err());
        assertEmpty(tmp);
    }

    @Test
    void aDivergedRunExits1AndKeepsWhatItDid(@TempDir Path tmp) {
        Path out = tmp.resolve("boom");
        Cli.Result r = Cli.run("train", "--data", "synthetic", "--layers", "9:relu,3:softmax", "--optimizer", "sgd:lr=1e30",
                "--epochs", "3", "--backend", "cpu", "--out", out.toString(), "--quiet").failsWith(1);
        assertTrue(r.err().contains("diverged") && r.err().contains(out.toString()), r.err());
        List<String[]> metrics = Cli.csv(out.resolve("metrics.csv"));
        assertEquals(2, metrics.size(), "the epoch in which it diverged is recorded");
        assertEquals("NaN", metrics.get(1)[Cli.column(metrics.get(0), "loss")], "its loss was measured and is NaN (an empty cell means does not apply)");
        assertTrue(Files.isRegularFile(out.resolve("model.safetensors")));
        // skipping the bad steps instead finishes the run
        Path skipped = tmp.resolve("skipped");
        Cli.run("train", "--data", "synthetic", "--layers", "9:relu,3:softmax", "--optimizer", "sgd:lr=1e30", "--on-divergence", "skip",
                "--epochs", "2", "--backend", "cpu", "--out", skipped.toString(), "--quiet").ok();
        assertEquals(3, Cli.csv(skipped.resolve("metrics.csv")).size());
        assertEquals("skip", Cli.json(skipped.resolve("config.json")).get("on-divergence").asText());
    }

    @Test
    void noSubcommandPrintsUsageAndExits2() {
        Cli.Result r = Cli.run();
        assertEquals(2, r.code());
        assertTrue(r.err().contains("Usage: kiln"), r.err());
        Cli.Result v = Cli.run("--version").ok();
        assertTrue(v.out().startsWith("kiln "), v.out());
        Cli.Result h = Cli.run("train", "--help").ok();
        assertTrue(h.out().contains("Examples:") && h.out().contains("--layers"), h.out());
    }

    static void assertEmpty(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            List<Path> left = s.toList();
            assertTrue(left.isEmpty(), "left behind: " + left);
        }
    }
}
