package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.*;

import dev.kiln.nn.Model;
import dev.kiln.nn.Weights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A config file, the equivalent flags and a run's own config.json give bit-identical weights. */
class ConfigReplayTest {
    static final Model MODEL = Model.parse("6:tanh,dropout:0.1,3:softmax", 3);

    static float[] weights(Path run) {
        return Weights.load(MODEL, run.resolve("model.safetensors"));
    }

    @Test
    void fileFlagsAndReplayAgreeBitForBit(@TempDir Path tmp) throws IOException {
        Path flags = tmp.resolve("flags");
        Cli.run("train", "--data", "synthetic", "--test", "synthetic", "--layers", "6:tanh,dropout:0.1,3:softmax",
                "--optimizer", "adam:lr=3e-3", "--schedule", "warmup:1ep > cosine", "--epochs", "3", "--batch-size", "64",
                "--seed", "11", "--clip-norm", "1.5", "--backend", "cpu", "--out", flags.toString(), "--quiet").ok();

        // the same settings as a YAML file in a sub-directory (relative paths resolve against the file)
        Path dir = Files.createDirectories(tmp.resolve("configs"));
        Path yaml = Files.writeString(dir.resolve("run.yaml"), String.join("\n",
                "# the flags above, as a file",
                "data: synthetic",
                "test: synthetic",
                "layers: 6:tanh,dropout:0.1,3:softmax",
                "optimizer: adam:lr=3e-3",
                "schedule: warmup:1ep > cosine",
                "epochs: 3",
                "batch-size: 64",
                "seed: 11",
                "clip-norm: 1.5",
                "backend: cpu",
                "out: ../from-yaml",
                ""));
        Cli.run("train", "--config", yaml.toString(), "--quiet").ok();
        Path fromYaml = tmp.resolve("from-yaml");
        assertArrayEquals(weights(flags), weights(fromYaml), "YAML file = flags");

        // the run's config.json replays it
        Path replay = tmp.resolve("replay");
        Cli.run("train", "--config", flags.resolve("config.json").toString(), "--out", replay.toString(), "--quiet").ok();
        assertArrayEquals(weights(flags), weights(replay), "config.json replays the run");
        assertEquals(Files.readString(flags.resolve("metrics.csv")).lines().map(ConfigReplayTest::withoutSeconds).toList(),
                Files.readString(replay.resolve("metrics.csv")).lines().map(ConfigReplayTest::withoutSeconds).toList(),
                "the same metrics, all but the wall time");
        assertEquals(Files.readString(flags.resolve("config.json")), Files.readString(replay.resolve("config.json")));

        // a flag overrides the file: another seed, other weights (so the equalities above are not vacuous)
        Path reseeded = tmp.resolve("reseeded");
        Cli.run("train", "--config", flags.resolve("config.json").toString(), "--seed", "12", "--out", reseeded.toString(), "--quiet").ok();
        assertFalse(Arrays.equals(weights(flags), weights(reseeded)));
        assertEquals(12, Cli.json(reseeded.resolve("config.json")).get("seed").asInt());
    }

    @Test
    void aJsonConfigWorksForCompareToo(@TempDir Path tmp) throws IOException {
        Path json = Files.writeString(tmp.resolve("race.json"), """
                {"epochs": 2, "batch-size": 100, "backend": "cpu",
                 "variants": [{"name": "flat", "schedule": "constant"},
                              {"name": "decay", "schedule": "exp:gamma=0.99"}]}
                """);
        Path out = tmp.resolve("race");
        Cli.run("compare", "--config", json.toString(), "--out", out.toString(), "--quiet").ok();
        assertTrue(Files.isRegularFile(out.resolve("decay/metrics.csv")));
        assertEquals(3, Cli.csv(out.resolve("flat/metrics.csv")).size());
        // the resolved config.json of a compare run replays it
        Path again = tmp.resolve("again");
        Cli.run("compare", "--config", out.resolve("config.json").toString(), "--out", again.toString(), "--quiet").ok();
        assertArrayEquals(Files.readAllBytes(out.resolve("init.safetensors")), Files.readAllBytes(again.resolve("init.safetensors")));
        Model seedModel = Model.parse("9:relu,9:relu,9:relu,3:softmax", 3);
        assertArrayEquals(Weights.load(seedModel, out.resolve("decay/model.safetensors")), Weights.load(seedModel, again.resolve("decay/model.safetensors")));
    }

    /** A metrics.csv line without its seconds cell (the last but one: skipped_steps follows it). */
    private static String withoutSeconds(String line) {
        int end = line.lastIndexOf(','), start = line.lastIndexOf(',', end - 1);
        return line.substring(0, start) + line.substring(end);
    }
}
