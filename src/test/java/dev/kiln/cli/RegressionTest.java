package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keras's Dense(1) with loss='mse' from the command line: one output under MSE reads the CSV label column as
 * target values (it used to be read as class indices, so real-valued targets were refused).
 */
class RegressionTest {
    @Test
    void oneOutputUnderMseLearnsRealTargetsAndEvaluatesThem(@TempDir Path tmp) throws Exception {
        Random rnd = new Random(3);
        StringBuilder csv = new StringBuilder("a,b,y\n");
        for (int i = 0; i < 200; i++) {
            double a = rnd.nextDouble(), b = rnd.nextDouble();
            csv.append(String.format(Locale.ROOT, "%.6f,%.6f,%.6f%n", a, b, 3 * a - 2 * b + 0.5));
        }
        Path data = tmp.resolve("line.csv"), run = tmp.resolve("run");
        Files.writeString(data, csv);
        Cli.run("train", "--data", data.toString(), "--layers", "16:tanh,1:linear", "--optimizer", "adam:lr=0.02",
                "--epochs", "40", "--batch-size", "20", "--seed", "1", "--backend", "cpu", "--out", run.toString(), "--quiet").ok();
        assertEquals("mse", Cli.json(run.resolve("config.json")).get("loss").asText());
        List<String[]> metrics = Cli.csv(run.resolve("metrics.csv"));
        String[] header = metrics.get(0), first = metrics.get(1), last = metrics.get(metrics.size() - 1);
        double firstLoss = Double.parseDouble(first[Cli.column(header, "loss")]), lastLoss = Double.parseDouble(last[Cli.column(header, "loss")]);
        assertTrue(lastLoss < 0.01 && lastLoss < firstLoss / 10, "the plane is learnt: " + firstLoss + " -> " + lastLoss);
        assertEquals("", last[Cli.column(header, "accuracy")], "no accuracy for regression");

        // eval's loss is the mean squared error of predict's outputs against the file's targets
        Path pred = tmp.resolve("pred.csv");
        Cli.run("predict", "--model", run.toString(), "--data", data.toString(), "--backend", "cpu", "--out", pred.toString()).ok();
        List<String[]> p = Cli.csv(pred);
        assertArrayEquals(new String[] {"y0"}, p.get(0));
        List<String[]> rows = Cli.csv(data);
        double sse = 0;
        for (int r = 1; r < rows.size(); r++) {
            double d = Double.parseDouble(p.get(r)[0]) - Double.parseDouble(rows.get(r)[2]);
            sse += d * d;
        }
        double evalLoss = Cli.run("eval", "--model", run.toString(), "--data", data.toString(), "--backend", "cpu", "--json")
                .ok().json().get("loss").asDouble();
        assertEquals(sse / 200, evalLoss, 1e-6 + 1e-4 * evalLoss);

        // predictions cannot go to a directory or over the data file
        String err = Cli.run("predict", "--model", run.toString(), "--data", data.toString(), "--backend", "cpu", "--out", tmp.toString())
                .failsWith(2).err();
        assertTrue(err.contains("--out: " + tmp + " is a directory; give a file name"), err);
        byte[] before = Files.readAllBytes(data);
        err = Cli.run("predict", "--model", run.toString(), "--data", data.toString(), "--backend", "cpu", "--out", data.toString())
                .failsWith(2).err();
        assertTrue(err.contains("--out: " + data + " is the --data file"), err);
        assertArrayEquals(before, Files.readAllBytes(data), "the data file is untouched");

        // a NaN cell: eval and predict have no --nan-policy, so the error does not suggest it
        Path nan = tmp.resolve("nan.csv");
        Files.writeString(nan, "a,b,y\n0.1,0.2,0.4\n0.3,NaN,0.5\n");
        for (List<String> command : List.of(List.of("eval"), List.of("predict", "--out", tmp.resolve("p2.csv").toString()))) {
            List<String> args = new java.util.ArrayList<>(command);
            args.addAll(List.of("--model", run.toString(), "--data", nan.toString(), "--backend", "cpu"));
            String e = Cli.run(args.toArray(String[]::new)).failsWith(2).err();
            assertTrue(e.contains(nan + ":3: non-numeric cell 'NaN' in column 2 (b)") && !e.contains("--nan-policy")
                    && e.contains("(eval and predict read every row: fill or remove them)"), command + ": " + e);
        }
    }
}
