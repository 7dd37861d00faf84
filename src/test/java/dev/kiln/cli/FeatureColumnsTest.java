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

    @Test
    void newFilesAreMatchedToTheTrainingColumnsByName(@TempDir Path tmp) throws Exception {
        Path train = tmp.resolve("train.csv"), run = tmp.resolve("run");
        Files.writeString(train, TRAIN);
        Cli.run("train", "--data", train.toString(), "--layers", "4:relu,2:softmax", "--epochs", "2", "--batch-size", "3",
                "--backend", "cpu", "--out", run.toString(), "--quiet").ok();
        assertEquals("[ \"a\", \"b\", \"c\", \"d\" ]".replace(" ", ""),
                Safetensors.read(run.resolve("model.safetensors")).metadata().get("kiln.features").replace(" ", "").replace("\n", ""));

        // features alone, by name; features with the label first, by name
        Path features = tmp.resolve("features.csv"), labelFirst = tmp.resolve("label-first.csv");
        Files.writeString(features, "a,b,c,d\n0,0,1,1\n1,1,0,0\n");
        Files.writeString(labelFirst, "label,a,b,c,d\n0,0,0,1,1\n1,1,1,0,0\n");
        Path p1 = tmp.resolve("p1.csv"), p2 = tmp.resolve("p2.csv");
        Cli.run("predict", "--model", run.toString(), "--data", features.toString(), "--backend", "cpu", "--out", p1.toString()).ok();
        Cli.run("predict", "--model", run.toString(), "--data", labelFirst.toString(), "--backend", "cpu", "--out", p2.toString()).ok();
        assertEquals(Files.readString(p1), Files.readString(p2), "the same rows, found by name");

        // four columns, as many as the model's input, but one of them the label: refused, naming both sides
        Path mixed = tmp.resolve("mixed.csv");
        Files.writeString(mixed, "a,b,c,label\n0,0,1,0\n1,1,0,1\n");
        String err = Cli.run("predict", "--model", run.toString(), "--data", mixed.toString(), "--backend", "cpu",
                "--out", tmp.resolve("p3.csv").toString()).failsWith(2).err();
        assertTrue(err.contains(mixed + ": its columns (a, b, c, label) are not the model's features (a, b, c, d), alone or with a label column"), err);
        assertFalse(Files.exists(tmp.resolve("p3.csv")));

        // eval: the features of a labelled file must be the training's
        Path renamed = tmp.resolve("renamed.csv");
        Files.writeString(renamed, "a,b,x,d,label\n0,0,1,1,0\n1,1,0,0,1\n");
        err = Cli.run("eval", "--model", run.toString(), "--data", renamed.toString(), "--backend", "cpu").failsWith(2).err();
        assertTrue(err.contains("feature columns (a, b, x, d) are not the training's (a, b, c, d)"), err);
    }
}
