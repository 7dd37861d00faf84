package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.*;

import dev.kiln.nn.Safetensors;
import dev.kiln.report.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A CSV label column of class names (as most published data sets write it) through train, eval and predict:
 * the classes are the sorted names of the training file, a test file is read with them even when it lacks a
 * class, the model file keeps them, and predictions name them.
 */
class ClassNamesTest {
    /** Three blobs in the plane, named out of sorted order in the file. */
    static String rows(Random rnd, int n, List<String> classes) {
        double[][] centre = {{0, 3}, {3, 0}, {-3, -3}};
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int c = i % classes.size();
            int k = List.of("zebra", "ant", "moth").indexOf(classes.get(c));
            s.append(String.format(Locale.ROOT, "%.5f,%.5f,%s%n", centre[k][0] + rnd.nextGaussian() * 0.5,
                    centre[k][1] + rnd.nextGaussian() * 0.5, classes.get(c)));
        }
        return s.toString();
    }

    @Test
    void namedClassesTrainEvaluateAndPredictByName(@TempDir Path tmp) throws Exception {
        Random rnd = new Random(7);
        Path train = tmp.resolve("train.csv"), test = tmp.resolve("test.csv");
        Files.writeString(train, "x,y,animal\n" + rows(rnd, 150, List.of("zebra", "ant", "moth")));
        Files.writeString(test, "x,y,animal\n" + rows(rnd, 40, List.of("moth", "zebra")));   // no ant
        Path run = tmp.resolve("run");
        Cli.run("train", "--data", train.toString(), "--test", test.toString(), "--layers", "8:relu,3:softmax",
                "--optimizer", "adam:lr=0.05", "--epochs", "30", "--batch-size", "16", "--seed", "2", "--backend", "cpu",
                "--out", run.toString(), "--quiet").ok();

        // the classes in sorted order, kept in the model file
        String classes = Safetensors.read(run.resolve("model.safetensors")).metadata().get("kiln.classes");
        assertEquals(List.of("ant", "moth", "zebra"), List.of(Json.MAPPER.readValue(classes, String[].class)));
        List<String[]> metrics = Cli.csv(run.resolve("metrics.csv"));
        double valAccuracy = Double.parseDouble(metrics.get(metrics.size() - 1)[Cli.column(metrics.get(0), "val_accuracy")]);
        assertEquals(1.0, valAccuracy, 1e-12, "three far-apart blobs are separated, so the test file's names mapped right");

        double evalAccuracy = Cli.run("eval", "--model", run.toString(), "--data", test.toString(), "--backend", "cpu", "--json")
                .ok().json().get("accuracy").asDouble();
        assertEquals(valAccuracy, evalAccuracy, 1e-12);

        Path pred = tmp.resolve("pred.csv");
        Cli.run("predict", "--model", run.toString(), "--data", test.toString(), "--backend", "cpu", "--out", pred.toString()).ok();
        List<String[]> p = Cli.csv(pred);
        assertArrayEquals(new String[] {"p0", "p1", "p2", "predicted"}, p.get(0));
        List<String> labels = Files.readAllLines(test).stream().skip(1).map(l -> l.substring(l.lastIndexOf(',') + 1)).toList();
        for (int r = 0; r < labels.size(); r++) assertEquals(labels.get(r), p.get(r + 1)[3], "row " + r);

        // a name the training data did not have is an error naming the file and line
        Path bad = tmp.resolve("bad.csv");
        Files.writeString(bad, "x,y,animal\n0,3,zebra\n3,0,cow\n");
        String err = Cli.run("eval", "--model", run.toString(), "--data", bad.toString(), "--backend", "cpu").failsWith(2).err();
        assertTrue(err.contains(bad + ":3: label 'cow' in column 3 (animal) is not one of the 3 classes ant, moth, zebra"), err);
    }

    @Test
    void classNamesThatDoNotFitTheModelAreRefused(@TempDir Path tmp) {
        dev.kiln.nn.Model model = dev.kiln.nn.Model.parse("4:relu,3:softmax", 2);
        Path file = tmp.resolve("m.safetensors");
        dev.kiln.nn.Weights.save(model, model.initialParameters(1), file, java.util.Map.of("kiln.classes", "[\"a\",\"b\"]"));
        String err = Cli.run("predict", "--model", file.toString(), "--data", "synthetic", "--backend", "cpu", "--out",
                tmp.resolve("p.csv").toString()).failsWith(2).err();
        assertTrue(err.contains("metadata kiln.classes names 2 classes, but the model outputs 3"), err);
        dev.kiln.nn.Weights.save(model, model.initialParameters(1), file, java.util.Map.of("kiln.classes", "{\"a\": 1}"));
        err = Cli.run("predict", "--model", file.toString(), "--data", "synthetic", "--backend", "cpu", "--out",
                tmp.resolve("p.csv").toString()).failsWith(2).err();
        assertTrue(err.contains("metadata kiln.classes is not a JSON list of names"), err);
        assertFalse(Files.exists(tmp.resolve("p.csv")), "no output written");
    }

    @Test
    void aPredictedNameWithACommaOrQuoteIsQuoted() throws Exception {
        String csv = PredictCommand.csv(new float[][] {{0.9f, 0.1f}, {0.2f, 0.8f}}, dev.kiln.backend.Activation.SOFTMAX,
                List.of("setosa, var. 1", "the \"big\" one"));
        var records = org.apache.commons.csv.CSVParser.parse(csv, org.apache.commons.csv.CSVFormat.DEFAULT).getRecords();
        assertEquals("setosa, var. 1", records.get(1).get(2));
        assertEquals("the \"big\" one", records.get(2).get(2));
        assertEquals(3, records.get(2).size());
    }
}
