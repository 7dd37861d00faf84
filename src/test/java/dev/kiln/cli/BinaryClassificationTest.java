package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keras's most common model, {@code Dense(1, activation='sigmoid')} with binary cross-entropy on labels 0/1,
 * through train, eval and predict: a two-class CSV meets a one-unit sigmoid output.
 */
class BinaryClassificationTest {
    @Test
    void oneSigmoidOutputTrainsEvaluatesAndPredictsOnZeroOneLabels(@TempDir Path tmp) throws Exception {
        StringBuilder csv = new StringBuilder("a,b,label\n");
        java.util.Random rnd = new java.util.Random(5);
        for (int i = 0; i < 200; i++) {
            double a = rnd.nextDouble(), b = rnd.nextDouble();
            csv.append(String.format(java.util.Locale.ROOT, "%.6f,%.6f,%d%n", a, b, a + b > 1 ? 1 : 0));
        }
        Path data = tmp.resolve("sum.csv");
        Files.writeString(data, csv);
        Path run = tmp.resolve("run");
        Cli.run("train", "--data", data.toString(), "--layers", "8:relu,1:sigmoid", "--optimizer", "adam:lr=0.02",
                "--epochs", "40", "--batch-size", "20", "--seed", "1", "--backend", "cpu", "--out", run.toString(), "--quiet").ok();
        List<String[]> metrics = Cli.csv(run.resolve("metrics.csv"));
        String[] last = metrics.get(metrics.size() - 1);
        double accuracy = Double.parseDouble(last[Cli.column(metrics.get(0), "accuracy")]);
        assertTrue(accuracy > 0.9, "a + b > 1 is learnt: training accuracy " + accuracy);
        assertEquals("bce", Cli.json(run.resolve("config.json")).get("loss").asText());

        Path pred = tmp.resolve("pred.csv");
        Cli.run("predict", "--model", run.toString(), "--data", data.toString(), "--backend", "cpu", "--out", pred.toString()).ok();
        List<String[]> p = Cli.csv(pred);
        assertArrayEquals(new String[] {"p", "predicted"}, p.get(0));
        List<String> labels = Files.readAllLines(data).stream().skip(1).map(l -> l.substring(l.lastIndexOf(',') + 1)).toList();
        int agree = 0;
        for (int r = 0; r < labels.size(); r++) if (p.get(r + 1)[1].equals(labels.get(r))) agree++;

        double evalAccuracy = Cli.run("eval", "--model", run.toString(), "--data", data.toString(), "--backend", "cpu", "--json")
                .ok().json().get("accuracy").asDouble();
        assertEquals(agree / 200.0, evalAccuracy, 1e-12, "eval's accuracy is predict's p >= 0.5 against the labels");
    }

    @Test
    void namedBinaryLabelsPredictByName(@TempDir Path tmp) throws Exception {
        // "no" < "yes": class 1 is yes, so p is P(yes)
        Path data = tmp.resolve("buy.csv");
        Files.writeString(data, "a,b,buy\n0.9,0.8,yes\n0.1,0.2,no\n0.7,0.9,yes\n0.2,0.1,no\n0.8,0.6,yes\n0.3,0.2,no\n");
        Path run = tmp.resolve("run");
        Cli.run("train", "--data", data.toString(), "--layers", "4:tanh,1:sigmoid", "--optimizer", "adam:lr=0.05",
                "--epochs", "60", "--batch-size", "6", "--seed", "1", "--backend", "cpu", "--out", run.toString(), "--quiet").ok();
        Path pred = tmp.resolve("pred.csv");
        Cli.run("predict", "--model", run.toString(), "--data", data.toString(), "--backend", "cpu", "--out", pred.toString()).ok();
        List<String[]> p = Cli.csv(pred);
        for (int r = 1; r < p.size(); r++)
            assertEquals(Float.parseFloat(p.get(r)[0]) >= 0.5f ? "yes" : "no", p.get(r)[1], "row " + r);
        assertEquals(List.of("yes", "no", "yes", "no", "yes", "no"), p.stream().skip(1).map(row -> row[1]).toList());
    }

    @Test
    void oneOutputForTenClassesIsRefusedWithTheReason() {
        String err = Cli.run("train", "--data", "digits", "--layers", "8:relu,1:sigmoid", "--epochs", "1", "--backend", "cpu")
                .failsWith(2).err();
        assertTrue(err.contains("--layers: the output layer has 1 units, but digits has 10 classes (one output fits two classes only)"), err);
    }
}
