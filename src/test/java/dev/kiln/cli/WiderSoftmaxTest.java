package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.*;

import dev.kiln.data.Dataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A softmax wider than the training labels (a subset without the last class) trains over its width, as
 * Keras's sparse categorical cross-entropy and torch's CrossEntropyLoss do: it was refused ("the output layer
 * has 3 units, but train.csv has 2 classes"), and a --test file holding class 2 with it.
 */
class WiderSoftmaxTest {
    @Test
    void aSubsetWithoutTheLastClassTrainsAWiderSoftmax(@TempDir Path tmp) throws Exception {
        Path train = tmp.resolve("train.csv"), test = tmp.resolve("test.csv"), run = tmp.resolve("run");
        Files.writeString(train, "0,0,0\n1,1,1\n0,0.2,0\n1,0.9,1\n0.1,0,0\n0.8,1,1\n");
        Files.writeString(test, "0,0,0\n1,1,1\n0.5,0.5,2\n");
        Cli.Result r = Cli.run("train", "--data", train.toString(), "--test", test.toString(), "--layers", "4:relu,3:softmax",
                "--epochs", "2", "--batch-size", "2", "--backend", "cpu", "--out", run.toString()).ok();
        assertTrue(r.err().contains("train.csv: its labels hold 2 classes (0 to 1), the 3-unit softmax makes it 3"), r.err());
        List<String[]> metrics = Cli.csv(run.resolve("metrics.csv"));
        assertEquals(3, metrics.size(), "two epochs");
        String eval = Cli.run("eval", "--model", run.toString(), "--data", test.toString(), "--backend", "cpu").ok().out();
        assertTrue(eval.contains("(3 rows)"), eval);
        // narrower than the labels is still an error
        Cli.run("train", "--data", train.toString(), "--layers", "4:relu,1:softmax", "--backend", "cpu",
                "--out", tmp.resolve("bad").toString()).failsWith(2);
    }

    @Test
    void withClassesKeepsLabelsAndRefusesWhatItCannotWiden() {
        Dataset d = Dataset.ofClasses("d", new float[][] {{1}, {2}}, new int[] {0, 1}, 2);
        Dataset w = d.withClasses(5);
        assertEquals(5, w.classes());
        assertArrayEquals(new int[] {0, 1}, w.integerLabels());
        assertSame(d, d.withClasses(2));
        assertEquals("d: its labels run to class 1, more than 1 classes",
                assertThrows(IllegalArgumentException.class, () -> d.withClasses(1)).getMessage());
        Dataset named = Dataset.ofLabels("n", new float[] {1, 2}, 1, new int[] {0, 1}, 2, List.of(), List.of("cat", "dog"));
        assertThrows(IllegalArgumentException.class, () -> named.withClasses(3));
    }
}
