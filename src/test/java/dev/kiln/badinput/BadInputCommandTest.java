package dev.kiln.badinput;

import static org.junit.jupiter.api.Assertions.*;

import dev.kiln.cli.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Bad input through {@code kiln train}, end to end: every case exits 2 with one line on stderr that names the
 * file and line, column, item or token, and no run directory (nor anything else) is left behind.
 */
class BadInputCommandTest {
    /** Runs {@code kiln train} with the given data and flags into {@code dir/run}; returns stderr after checking the rest. */
    private static String trainFails(Path dir, String... args) throws IOException {
        List<String> before = listing(dir);
        List<String> all = new ArrayList<>(List.of("train", "--backend", "cpu", "--out", dir.resolve("run").toString(), "--quiet"));
        all.addAll(List.of(args));
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(all.toArray(new String[0]));
        String e = err.toString();
        assertEquals(2, code, () -> "exit code, stderr: " + e);
        List<String> lines = e.lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), () -> "one line on stderr: " + e);
        assertTrue(e.startsWith("kiln: "), e);
        assertFalse(e.contains("\tat "), e);
        assertEquals(before, listing(dir), "no output left in " + dir);
        return lines.get(0);
    }

    private static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }

    private static Path csv(Path dir, String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    private static final String LAYERS = "4:relu,3:softmax";

    @Test
    void raggedRow(@TempDir Path tmp) throws IOException {
        Path f = csv(tmp, "r.csv", "a,b,label\n1,2,0\n3,1\n");
        assertTrue(trainFails(tmp, "--data", f.toString(), "--layers", LAYERS).contains(f + ":3: ragged row: 2 cells, expected 3"));
    }

    @Test
    void nonNumericCell(@TempDir Path tmp) throws IOException {
        Path f = csv(tmp, "n.csv", "a,b,label\n1,2,0\n3,x7,1\n");
        assertTrue(trainFails(tmp, "--data", f.toString(), "--layers", LAYERS).contains(f + ":3: non-numeric cell 'x7' in column 2 (b)"));
    }

    @Test
    void nanInData(@TempDir Path tmp) throws IOException {
        Path f = csv(tmp, "nan.csv", "a,b,label\n1,2,0\n3,NaN,1\n4,5,2\n");
        assertTrue(trainFails(tmp, "--data", f.toString(), "--layers", LAYERS).contains(f + ":3: non-numeric cell 'NaN' in column 2 (b) ("
                + f + ":3:2): NaN and infinite values are rejected"));
    }

    @Test
    void labelOutOfRangeOfTheTrainingClasses(@TempDir Path tmp) throws IOException {
        Path train = csv(tmp, "train.csv", "a,b,label\n1,2,0\n3,4,1\n5,6,2\n");
        Path test = csv(tmp, "test.csv", "a,b,label\n1,2,0\n3,4,12\n");
        assertTrue(trainFails(tmp, "--data", train.toString(), "--test", test.toString(), "--layers", LAYERS, "--batch-size", "1")
                .contains(test + ":3: label 12 in column 3 (label) is not below the 3 classes"));
    }

    @Test
    void negativeAndNonIntegerLabels(@TempDir Path tmp) throws IOException {
        Path neg = csv(tmp, "neg.csv", "a,b,label\n1,2,0\n3,4,-2\n");
        assertTrue(trainFails(tmp, "--data", neg.toString(), "--layers", LAYERS).contains(neg + ":3: label '-2' in column 3 (label) is not a class index"));
        Path frac = csv(tmp, "frac.csv", "a,b,label\n1,2,0.5\n");
        assertTrue(trainFails(tmp, "--data", frac.toString(), "--layers", LAYERS).contains(frac + ":2: label '0.5' in column 3 (label) is not a class index"));
    }

    @Test
    void emptyData(@TempDir Path tmp) throws IOException {
        Path f = csv(tmp, "empty.csv", "a,b,label\n");
        assertTrue(trainFails(tmp, "--data", f.toString(), "--layers", LAYERS).contains(f + ": no data rows"));
    }

    @Test
    void aBatchLargerThanTheDataTrainsOnAllOfIt(@TempDir Path tmp) throws IOException {
        // the default batch of 32 on a 3-row file: one step per epoch, as PyTorch and Keras run it
        Path f = csv(tmp, "small.csv", "a,b,label\n1,2,0\n3,4,1\n5,6,2\n");
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute("train", "--data", f.toString(), "--layers", LAYERS, "--epochs", "2", "--backend", "cpu",
                "--out", tmp.resolve("run").toString(), "--quiet");
        assertEquals(0, code, err::toString);
        assertEquals("1", Files.readAllLines(tmp.resolve("run/metrics.csv")).get(2).split(",")[1], "epoch 1 ends at step 1");
    }

    @Test
    void aPngGivenAsIdx(@TempDir Path tmp) throws IOException {
        Path png = Files.write(tmp.resolve("images.png"), BadDataFilesTest.PNG);
        Path lab = BadDataFilesTest.idxLabels(tmp.resolve("labels.idx"), 1, 2);
        assertTrue(trainFails(tmp, "--data", png + ":" + lab, "--layers", LAYERS)
                .contains(png + ": not an IDX file: magic 0x89504e47, expected 0x00000803 (images) (it looks like a PNG image)"));
    }

    @Test
    void aTruncatedIdx(@TempDir Path tmp) throws IOException {
        Path img = BadDataFilesTest.idxImages(tmp.resolve("img.idx"), 3, 2, 2);
        byte[] b = Files.readAllBytes(img);
        Files.write(img, java.util.Arrays.copyOf(b, b.length - 3));
        Path lab = BadDataFilesTest.idxLabels(tmp.resolve("labels.idx"), 0, 1, 2);
        assertTrue(trainFails(tmp, "--data", img + ":" + lab, "--layers", LAYERS)
                .contains(img + ": truncated: the header promises 3x2x2 = 12 bytes of data, but the file holds 9"));
    }

    @Test
    void aPngGivenAsSafetensorsAndAShapeMismatch(@TempDir Path tmp) throws IOException {
        Path f = csv(tmp, "ok.csv", "a,b,label\n1,2,0\n3,4,1\n5,6,2\n");
        Path png = Files.write(tmp.resolve("init.safetensors"), BadDataFilesTest.PNG);
        assertTrue(trainFails(tmp, "--data", f.toString(), "--layers", LAYERS, "--batch-size", "1", "--init", png.toString())
                .contains(png + ": not a safetensors file"));
        assertTrue(trainFails(tmp, "--data", f.toString(), "--layers", LAYERS, "--batch-size", "1", "--init", png.toString())
                .endsWith("(it looks like a PNG image)"));
        Path other = tmp.resolve("other.safetensors");
        dev.kiln.nn.Model m = dev.kiln.nn.Model.parse("5:relu,3:softmax", 2);
        dev.kiln.nn.Weights.save(m, m.initialParameters(1), other);
        assertTrue(trainFails(tmp, "--data", f.toString(), "--layers", LAYERS, "--batch-size", "1", "--init", other.toString())
                .contains(other + ": tensor layers.0.weight has shape [5, 2] but the model 2 -> 4:relu,3:softmax needs [4, 2]"));
    }

    @Test
    void grammarErrors(@TempDir Path tmp) throws IOException {
        Path f = csv(tmp, "ok.csv", "a,b,label\n1,2,0\n3,4,1\n5,6,2\n");
        assertTrue(trainFails(tmp, "--data", f.toString(), "--layers", "4:relu,3:softmx").contains("softmx"));
        assertTrue(trainFails(tmp, "--data", f.toString(), "--layers", LAYERS, "--optimizer", "adam:lr=fast").contains("'fast'"));
        assertTrue(trainFails(tmp, "--data", f.toString(), "--layers", LAYERS, "--schedule", "cosine:warm=3").contains("'warm'"));
    }

    @Test
    void filesThatAreNotCsvTextAreNamedWithWhatTheyAre(@TempDir Path tmp) throws IOException {
        Path latin1 = tmp.resolve("latin1.csv");
        Files.write(latin1, "a,b,label\n1,2,0\n3,4,caf\u00e9\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        assertTrue(trainFails(tmp, "--data", latin1.toString(), "--layers", LAYERS)
                .contains("--data: " + latin1 + ": not UTF-8 text (a byte sequence is not UTF-8, e.g. a Latin-1 accent): save the file as UTF-8"));
        Path idx = tmp.resolve("images.idx");
        Files.write(idx, new byte[] {0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4});
        assertTrue(trainFails(tmp, "--data", idx.toString(), "--layers", LAYERS)
                .contains("--data: " + idx + ": not a CSV file: it looks like an IDX file (IDX data is given as IMAGES:LABELS)"));
        assertTrue(trainFails(tmp, "--data", idx + ":", "--layers", LAYERS).contains("IDX data is two files, IMAGES:LABELS"));
        Path dir = Files.createDirectory(tmp.resolve("data.csv"));
        assertTrue(trainFails(tmp, "--data", dir.toString(), "--layers", LAYERS).contains(dir + ": is a directory, not a CSV file"));
        assertTrue(trainFails(tmp, "--data", idx + ":" + dir, "--layers", LAYERS).contains(dir + ": is a directory, not an IDX file"));
    }

    @Test
    void aSemicolonFileAHugeLabelAndADuplicateConfigKeyAreNamed(@TempDir Path tmp) throws IOException {
        Path semi = csv(tmp, "semi.csv", "a;b;label\n1;2;0\n3;4;1\n");
        assertTrue(trainFails(tmp, "--data", semi.toString(), "--layers", LAYERS)
                .contains("(each row of " + semi + " is one cell: is it separated by ';' or tabs rather than ','?)"));
        Path huge = csv(tmp, "huge.csv", "a,b,label\n1,2,0\n3,4,3000000000\n");
        assertTrue(trainFails(tmp, "--data", huge.toString(), "--layers", LAYERS)
                .contains(huge + ":3: label '3000000000' in column 3 (label) is too large for a class index (at most 16777216"));
        Path dup = csv(tmp, "dup.yaml", "data: digits\nepochs: 2\nepochs: 3\n");
        assertTrue(trainFails(tmp, "--config", dup.toString(), "--layers", "8:relu,10:softmax").contains(dup + ": line 3, column 7: Duplicate field 'epochs'"));
    }
}
