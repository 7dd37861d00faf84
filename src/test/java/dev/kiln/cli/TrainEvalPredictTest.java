package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.Tolerance;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kiln train} writes a run directory whose model {@code kiln eval} and {@code kiln predict} read back. */
class TrainEvalPredictTest {
    @TempDir
    static Path tmp;
    static Path trainCsv, testCsv, run;
    static JsonNode summary;

    @BeforeAll
    static void train() {
        trainCsv = Cli.argmaxCsv(tmp.resolve("train.csv"), 300, 1);
        testCsv = Cli.argmaxCsv(tmp.resolve("test.csv"), 70, 2);
        run = tmp.resolve("run");
        summary = Cli.run("train", "--data", trainCsv.toString(), "--test", testCsv.toString(), "--label", "label", "--standardize",
                "--layers", "8:relu,3:softmax", "--optimizer", "sgd:lr=0.1,momentum=0.9", "--schedule", "step:every=2ep,gamma=0.5",
                "--epochs", "4", "--batch-size", "32", "--seed", "3", "--backend", "cpu", "--out", run.toString(), "--json").ok().json();
    }

    @Test
    void theRunDirectoryHoldsEveryFile() throws IOException {
        for (String f : List.of("config.json", "metrics.csv", "lr.csv", "provenance.json", "model.safetensors", "loss.png",
                "accuracy.png", "lr.png"))
            assertTrue(Files.isRegularFile(run.resolve(f)), f);
        try (var s = Files.list(tmp)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".")), "no hidden partial directory or temp file is left");
        }
        List<String[]> metrics = Cli.csv(run.resolve("metrics.csv"));
        assertEquals(5, metrics.size(), "header + 4 epochs");
        // 300 rows / 32 = 10 steps per epoch (the last partial batch is kept)
        assertEquals("39", metrics.get(4)[1]);
        List<String[]> lr = Cli.csv(run.resolve("lr.csv"));
        assertEquals(41, lr.size());
        for (int s = 0; s < 40; s++)
            Tolerance.SCHEDULE.assertClose("lr of step " + s, 0.1 * Math.pow(0.5, Math.floor(s / 20.0)), Double.parseDouble(lr.get(s + 1)[2]));

        JsonNode prov = Cli.json(run.resolve("provenance.json"));
        assertEquals("cpu", prov.get("backend").asText());
        for (String k : List.of("device", "driver", "gemm", "kiln_version", "java", "os", "time", "seed", "command_line"))
            assertTrue(prov.has(k), "provenance has " + k);
        assertEquals(3, prov.get("seed").asLong());
        assertEquals("train", prov.get("command_line").get(1).asText());

        JsonNode cfg = Cli.json(run.resolve("config.json"));
        assertEquals(trainCsv.toAbsolutePath().toString(), cfg.get("data").asText());
        assertEquals("8:relu,3:softmax", cfg.get("layers").asText());
        assertEquals("softmax_cross_entropy", cfg.get("loss").asText());
        assertEquals("sgd:lr=0.1,momentum=0.9", cfg.get("optimizer").asText());
        assertEquals("cpu", cfg.get("backend").asText());
        assertFalse(cfg.has("out"), "config.json does not pin the output directory, so it can be replayed");

        assertEquals("ok", summary.get("status").asText());
        assertEquals(4, summary.get("epochs").size());
        assertEquals(run.toString(), summary.get("run_dir").asText());
    }

    @Test
    void evalGivesExactlyTheAccuracyTrainReported() {
        JsonNode last = summary.get("final");
        double valAcc = last.get("val_accuracy").asDouble(), valLoss = last.get("val_loss").asDouble();
        assertTrue(valAcc > 0.5, "a trained model beats chance on the argmax task: " + valAcc);
        JsonNode e = Cli.run("eval", "--model", run.toString(), "--data", testCsv.toString(), "--backend", "cpu", "--json").ok().json();
        assertEquals(valAcc, e.get("accuracy").asDouble(), 0.0);
        assertEquals(valLoss, e.get("loss").asDouble(), 0.0, "the same evaluation pass over the same batches");
        assertEquals(70, e.get("rows").asInt());
        // the model file alone (config.json beside it) and the default data (the run's --test) agree
        JsonNode again = Cli.run("eval", "--model", run.resolve("model.safetensors").toString(), "--backend", "cpu", "--json").ok().json();
        assertEquals(valAcc, again.get("accuracy").asDouble(), 0.0);
        // and the human form shows it too
        String text = Cli.run("eval", "--model", run.toString(), "--backend", "cpu").ok().out();
        assertTrue(text.startsWith(String.format(java.util.Locale.ROOT, "accuracy %.4f", valAcc)), text);
    }

    @Test
    void predictWritesOneRowPerDataRow() throws IOException {
        Path preds = tmp.resolve("preds.csv");
        Cli.run("predict", "--model", run.toString(), "--data", testCsv.toString(), "--out", preds.toString(), "--backend", "cpu").ok();
        List<String[]> rows = Cli.csv(preds);
        assertEquals("p0,p1,p2,predicted", String.join(",", rows.get(0)));
        assertEquals(71, rows.size(), "header + one row per test row");
        List<String[]> data = Cli.csv(testCsv);
        int correct = 0;
        for (int i = 1; i < rows.size(); i++) {
            double sum = 0;
            int best = 0;
            for (int j = 0; j < 3; j++) {
                double p = Double.parseDouble(rows.get(i)[j]);
                sum += p;
                if (p > Double.parseDouble(rows.get(i)[best])) best = j;
            }
            new Tolerance(1e-6, 0).assertClose("probabilities of row " + i + " sum to 1", 1.0, sum);
            assertEquals(Integer.toString(best), rows.get(i)[3], "predicted = argmax, row " + i);
            if (rows.get(i)[3].equals(data.get(i)[3])) correct++;
        }
        assertEquals(summary.get("final").get("val_accuracy").asDouble(), correct / 70.0, 1e-12, "predictions agree with eval's accuracy");

        // the same rows without their label column give the same predictions
        StringBuilder features = new StringBuilder("a,b,c\n");
        for (int i = 1; i < data.size(); i++) features.append(String.join(",", java.util.Arrays.copyOf(data.get(i), 3))).append('\n');
        Path unlabelled = Files.writeString(tmp.resolve("features.csv"), features);
        Path preds2 = tmp.resolve("preds2.csv");
        Cli.run("predict", "--model", run.toString(), "--data", unlabelled.toString(), "--out", preds2.toString(), "--backend", "cpu").ok();
        assertEquals(Files.readString(preds), Files.readString(preds2));
    }
}
