package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.*;

import dev.kiln.nn.Safetensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model trained on a CSV with a header keeps its feature column names ({@code kiln.features}); eval and
 * predict check a new file's header against them, so a file with a label in place of a feature is refused
 * instead of predicted from (it has as many columns as the model's input, which alone looked like features).
 */
class FeatureColumnsTest {
    static final String TRAIN = "a,b,c,d,label\n0,0,1,1,0\n1,1,0,0,1\n0,1,1,0,0\n1,0,0,1,1\n0,0,1,0,0\n1,1,0,1,1\n";

    /** Trains two epochs on {@code csv} (written to train.csv) into tmp/run, on the CPU. */
    private static Path train(Path tmp, String csv, String layers, int batch, String... extra) throws Exception {
        Path train = Files.writeString(tmp.resolve("train.csv"), csv), run = tmp.resolve("run");
        java.util.List<String> args = new java.util.ArrayList<>(List.of("train", "--data", train.toString(), "--layers", layers,
                "--epochs", "2", "--batch-size", Integer.toString(batch), "--backend", "cpu", "--out", run.toString(), "--quiet"));
        args.addAll(List.of(extra));
        Cli.run(args.toArray(new String[0])).ok();
        return run;
    }

    /** Predicts both files and checks the predictions are the same, the same rows found in each; returns them. */
    private static String assertSamePredictions(Path run, Path a, Path b) throws Exception {
        Path pa = a.resolveSibling(a.getFileName() + ".pred.csv"), pb = b.resolveSibling(b.getFileName() + ".pred.csv");
        predict(run, a, pa);
        predict(run, b, pb);
        assertEquals(Files.readString(pa), Files.readString(pb), a + " and " + b);
        return Files.readString(pb);
    }

    /** kiln predict of {@code data} into {@code out}. */
    private static void predict(Path run, Path data, Path out) {
        Cli.run("predict", "--model", run.toString(), "--data", data.toString(), "--backend", "cpu", "--out", out.toString()).ok();
    }

    @Test
    void newFilesAreMatchedToTheTrainingColumnsByName(@TempDir Path tmp) throws Exception {
        Path run = train(tmp, TRAIN, "4:relu,2:softmax", 3);
        assertEquals("[ \"a\", \"b\", \"c\", \"d\" ]".replace(" ", ""),
                Safetensors.read(run.resolve("model.safetensors")).metadata().get("kiln.features").replace(" ", "").replace("\n", ""));

        // features alone, by name; features with the label first, by name
        Path features = tmp.resolve("features.csv"), labelFirst = tmp.resolve("label-first.csv");
        Files.writeString(features, "a,b,c,d\n0,0,1,1\n1,1,0,0\n");
        Files.writeString(labelFirst, "label,a,b,c,d\n0,0,0,1,1\n1,1,1,0,0\n");
        assertSamePredictions(run, features, labelFirst);

        // four columns, as many as the model's input, but one of them the label: refused, naming both sides
        Path mixed = tmp.resolve("mixed.csv");
        Files.writeString(mixed, "a,b,c,label\n0,0,1,0\n1,1,0,1\n");
        String err = Cli.run("predict", "--model", run.toString(), "--data", mixed.toString(), "--backend", "cpu",
                "--out", tmp.resolve("p3.csv").toString()).failsWith(2).err();
        assertTrue(err.contains(mixed + ": its columns (a, b, c, label) lack the model's feature d (it takes a, b, c, d)"), err);
        assertFalse(Files.exists(tmp.resolve("p3.csv")));

        // eval: the features of a labelled file must be the training's
        Path renamed = tmp.resolve("renamed.csv");
        Files.writeString(renamed, "a,b,x,d,label\n0,0,1,1,0\n1,1,0,0,1\n");
        err = Cli.run("eval", "--model", run.toString(), "--data", renamed.toString(), "--backend", "cpu").failsWith(2).err();
        assertTrue(err.contains(renamed + ": its columns (a, b, x, d, label) lack the model's feature c (it takes a, b, c, d)"), err);
    }

    /**
     * Columns in another order are found by name, as pandas's df[features] finds them (they were refused), for
     * predict and eval alike; eval finds a label column anywhere without --label (it needed the flag).
     */
    @Test
    void columnsInAnotherOrderAreMatchedByNameForPredictAndEval(@TempDir Path tmp) throws Exception {
        Path run = train(tmp, TRAIN, "4:relu,2:softmax", 3, "--standardize");
        // the training rows themselves: in order, shuffled columns with the label first, and features only shuffled
        Path inOrder = tmp.resolve("in-order.csv"), shuffled = tmp.resolve("shuffled.csv"), featuresShuffled = tmp.resolve("fs.csv");
        Files.writeString(inOrder, TRAIN);
        StringBuilder s = new StringBuilder("label,d,b,a,c\n"), f = new StringBuilder("c,a,d,b\n");
        for (String line : TRAIN.split("\n")) {
            if (line.startsWith("a,")) continue;
            String[] v = line.split(",");
            s.append(String.join(",", v[4], v[3], v[1], v[0], v[2])).append('\n');
            f.append(String.join(",", v[2], v[0], v[3], v[1])).append('\n');
        }
        Files.writeString(shuffled, s.toString());
        Files.writeString(featuresShuffled, f.toString());
        Path p1 = tmp.resolve("p1.csv"), p2 = tmp.resolve("p2.csv"), p3 = tmp.resolve("p3.csv");
        predict(run, inOrder, p1);
        predict(run, shuffled, p2);
        predict(run, featuresShuffled, p3);
        assertEquals(Files.readString(p1), Files.readString(p2));
        assertEquals(Files.readString(p1), Files.readString(p3));
        String e1 = Cli.run("eval", "--model", run.toString(), "--data", inOrder.toString(), "--backend", "cpu", "--json").ok().out();
        String e2 = Cli.run("eval", "--model", run.toString(), "--data", shuffled.toString(), "--backend", "cpu", "--json").ok().out();
        assertEquals(e1.replace(inOrder.toString(), "F"), e2.replace(shuffled.toString(), "F"), "the same loss and accuracy");
        // eval needs a label; two extra columns need --label
        String err = Cli.run("eval", "--model", run.toString(), "--data", featuresShuffled.toString(), "--backend", "cpu").failsWith(2).err();
        assertTrue(err.contains("no label column: its columns are the model's features alone"), err);
        Path two = tmp.resolve("two.csv");
        Files.writeString(two, "id,a,b,c,d,label\n7,0,0,1,1,0\n8,1,1,0,0,1\n");
        err = Cli.run("eval", "--model", run.toString(), "--data", two.toString(), "--backend", "cpu").failsWith(2).err();
        assertTrue(err.contains("besides the model's features it has 2 columns (id, label): name the label column with --label"), err);
        Cli.run("eval", "--model", run.toString(), "--data", two.toString(), "--label", "label", "--backend", "cpu").ok();   // id left out
        Cli.run("eval", "--model", run.toString(), "--data", two.toString(), "--label", "5", "--backend", "cpu").ok();       // by index
        assertTrue(Cli.run("eval", "--model", run.toString(), "--data", two.toString(), "--label", "1", "--backend", "cpu").failsWith(2)
                .err().contains("the label column a is one of the model's features"));
        // predict leaves every other column unread, whatever it holds: an id of text, a label past the classes
        Path ids = tmp.resolve("ids.csv"), p4 = tmp.resolve("p4.csv");
        StringBuilder t = new StringBuilder("id,a,b,c,d,label\n");
        int k = 0;
        for (String line : TRAIN.split("\n")) {
            if (line.startsWith("a,")) continue;
            t.append("row").append(k++).append(',').append(line, 0, line.lastIndexOf(',')).append(",1000\n");
        }
        Files.writeString(ids, t.toString());
        predict(run, ids, p4);
        assertEquals(Files.readString(p1), Files.readString(p4));
    }

    /**
     * A header-less file whose first row holds a class name (5.1,3.5,1.4,0.2,setosa) is data: predict took that
     * row for a header and refused the file, though train and eval read it.
     */
    @Test
    void aHeaderlessFileWithClassNamesIsDataForPredict(@TempDir Path tmp) throws Exception {
        Path run = train(tmp, "a,b,species\n0,1,cat\n1,0,dog\n0.1,0.9,cat\n0.9,0.2,dog\n", "3:relu,2:softmax", 2);
        Path withHeader = tmp.resolve("h.csv"), without = tmp.resolve("n.csv");
        Files.writeString(withHeader, "a,b,species\n0.2,0.7,dog\n0.8,0.1,cat\n");
        Files.writeString(without, "0.2,0.7,dog\n0.8,0.1,cat\n");
        assertEquals(3, assertSamePredictions(run, withHeader, without).lines().count(), "a header and two rows");
        String e1 = Cli.run("eval", "--model", run.toString(), "--data", withHeader.toString(), "--backend", "cpu", "--json").ok().out();
        String e2 = Cli.run("eval", "--model", run.toString(), "--data", without.toString(), "--backend", "cpu", "--json").ok().out();
        assertEquals(e1.replace(withHeader.toString(), "F"), e2.replace(without.toString(), "F"));
    }
}
