package dev.kiln.badinput;

import static org.junit.jupiter.api.Assertions.*;

import dev.kiln.backend.Backend;
import dev.kiln.backend.cpu.CpuBackendProvider;
import dev.kiln.data.CsvReader;
import dev.kiln.data.Dataset;
import dev.kiln.data.IdxReader;
import dev.kiln.data.NanPolicy;
import dev.kiln.nn.Model;
import dev.kiln.nn.Safetensors;
import dev.kiln.nn.Weights;
import dev.kiln.train.TrainConfig;
import dev.kiln.train.Trainer;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * One test per kind of bad input, at the library level: each fails with an {@link IllegalArgumentException}
 * whose one-line message names the file and the line, column, item or tensor, and leaves nothing behind.
 */
class BadDataFilesTest {
    /** A PNG file's first bytes (signature and IHDR chunk of a 1x1 image). */
    static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0,
        1, 8, 6, 0, 0, 0, 0x1F, 0x15, (byte) 0xC4, (byte) 0x89};

    static String fails(Executable e) {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
        assertNotNull(x.getMessage());
        assertFalse(x.getMessage().contains("\n"), "one line: " + x.getMessage());
        return x.getMessage();
    }

    static Dataset csv(String text) {
        return new CsvReader().read("x.csv", new StringReader(text));
    }

    static void assertOnly(Path dir, String... names) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(names), s.map(p -> p.getFileName().toString()).sorted().toList(), "nothing else written in " + dir);
        }
    }

    @Test
    void raggedRows() {
        assertEquals("x.csv:3: ragged row: 2 cells, expected 3 (as on line 1)", fails(() -> csv("1,2,0\n3,4,1\n5,0\n")));
        assertEquals("x.csv:2: ragged row: 4 cells, but the header has 3", fails(() -> csv("a,b,label\n1,2,3,0\n")));
    }

    @Test
    void nonNumericCells() {
        assertEquals("x.csv:2: non-numeric cell '0x1f' in column 2", fails(() -> csv("1,2,0\n3,0x1f,1\n")));
        assertEquals("x.csv:2: non-numeric cell 'abc' in column 1 (a)", fails(() -> csv("a,b,label\nabc,2,0\n")));
        assertEquals("x.csv:2: empty cell in column 2", fails(() -> csv("1,2,0\n3,,1\n")));
        assertEquals("x.csv:1: empty cell in column 2", fails(() -> csv("1,,0\n")));
    }

    @Test
    void nanAndInfinityAreRejectedWithFileLineAndColumn() {
        assertEquals("x.csv:3: non-numeric cell 'NaN' in column 2 (x.csv:3:2): NaN and infinite values are rejected;"
                + " the drop policy (--nan-policy drop, CsvReader.nanPolicy(DROP)) drops such rows", fails(() -> csv("1,2,0\n3,4,1\n5,NaN,1\n")));
        assertTrue(fails(() -> csv("1,-inf,0\n")).startsWith("x.csv:1: non-numeric cell '-inf' in column 2 (x.csv:1:2): "));
        assertEquals("x.csv:2: cell '1e39' in column 1 is out of float range (x.csv:2:1): infinite values are rejected;"
                + " the drop policy (--nan-policy drop, CsvReader.nanPolicy(DROP)) drops such rows", fails(() -> csv("1,2,0\n1e39,4,1\n")));
        assertTrue(fails(() -> csv("1,2,Infinity\n")).startsWith("x.csv:1: non-numeric cell 'Infinity' in column 3 (x.csv:1:3)"));
    }

    @Test
    void nanPolicyDropDropsTheRowsAndSaysHowMany() {
        CsvReader r = new CsvReader().nanPolicy(NanPolicy.DROP);
        Dataset d = r.read("x.csv", new StringReader("a,b,label\n1,2,0\nNaN,4,1\n5,6,1\n7,inf,0\n9,10,nan\n11,12,1\n"));
        assertEquals(3, d.rows());
        assertArrayEquals(new float[] {1, 2, 5, 6, 11, 12}, d.features());
        assertArrayEquals(new int[] {0, 1, 1}, d.labels());
        assertEquals(3, r.droppedRows());
        assertEquals("x.csv: dropped 3 of 6 rows holding NaN or infinite values (lines 3, 5, 6)", r.dropNote());
        // a later clean read resets the count
        r.read("y.csv", new StringReader("1,0\n2,1\n"));
        assertEquals(0, r.droppedRows());
        assertNull(r.dropNote());
        assertEquals("x.csv: no data rows left after dropping 2 rows holding NaN or infinite values",
                fails(() -> new CsvReader().nanPolicy(NanPolicy.DROP).read("x.csv", new StringReader("nan,0\n1,inf\n"))));
        // dropping is for NaN/Inf only: other bad cells are still errors
        assertEquals("x.csv:2: non-numeric cell 'x' in column 1",
                fails(() -> new CsvReader().nanPolicy(NanPolicy.DROP).read("x.csv", new StringReader("1,0\nx,1\n"))));
        assertEquals(NanPolicy.DROP, NanPolicy.parse(" Drop "));
        assertEquals("NaN policy 'keep': expected reject or drop", fails(() -> NanPolicy.parse("keep")));
    }

    @Test
    void labelsOutOfRange() {
        CsvReader ten = new CsvReader().classes(10);
        assertEquals("x.csv:3: label 12 in column 3 is not below the 10 classes",
                fails(() -> ten.read("x.csv", new StringReader("1,2,3\n1,2,9\n1,2,12\n"))));
        assertEquals("x.csv:2: label '-1' in column 3 is not a class index (a whole number >= 0)",
                fails(() -> csv("1,2,0\n1,2,-1\n")));
        assertEquals("x.csv:1: label '2.5' in column 3 is not a class index (a whole number >= 0)", fails(() -> csv("1,2,2.5\n")));
    }

    @Test
    void idxLabelsOutOfRangeNameTheItem(@TempDir Path tmp) throws IOException {
        Path img = idxImages(tmp.resolve("img.idx"), 3, 2, 2), lab = idxLabels(tmp.resolve("lab.idx"), 4, 12, 7);
        assertEquals(lab + ": item 1 has label 12, which is not below the 10 classes", fails(() -> IdxReader.read(img, lab, 10)));
        Path lab2 = idxLabels(tmp.resolve("lab2.idx"), 1, 2);
        assertEquals(img + " holds 3 images but " + lab2 + " holds 2 labels", fails(() -> IdxReader.read(img, lab2)));
    }

    @Test
    void emptyData(@TempDir Path tmp) throws IOException {
        assertEquals("x.csv: no data rows", fails(() -> csv("")));
        assertEquals("x.csv: no data rows", fails(() -> csv("a,b,label\n\n")));
        Path img = idxImages(tmp.resolve("img.idx"), 0, 28, 28), lab = idxLabels(tmp.resolve("lab.idx"));
        assertEquals(img + ": holds no images (the first dimension is 0): empty data", fails(() -> IdxReader.read(img, lab)));
    }

    @Test
    void aBatchLargerThanTheDataIsOneBatchOfAllOfIt() {
        // as PyTorch's DataLoader(batch_size=8) over 3 rows: one step per epoch, on all three
        Dataset d = csv("1,2,0\n3,4,1\n5,6,1\n");
        TrainConfig.Builder config = TrainConfig.builder().epochs(3).shuffle(false).optimizer(dev.kiln.optim.Sgd.plain(0.1));
        float[] big, exact;
        try (Backend b = new CpuBackendProvider().create(-1);
             Trainer t = new Trainer(b, Model.parse("4:relu,2:softmax", 2), config.batchSize(8).build())) {
            assertEquals(3, t.fit(d).steps());
            big = t.parameters();
        }
        try (Backend b = new CpuBackendProvider().create(-1);
             Trainer t = new Trainer(b, Model.parse("4:relu,2:softmax", 2), config.batchSize(3).build())) {
            t.fit(d);
            exact = t.parameters();
        }
        assertArrayEquals(exact, big, 0f, "the same steps as batches of exactly 3");
    }

    @Test
    void foreignAndTruncatedIdxFiles(@TempDir Path tmp) throws IOException {
        Path png = Files.write(tmp.resolve("digits.png"), PNG), lab = idxLabels(tmp.resolve("lab.idx"), 1, 2);
        assertEquals(png + ": not an IDX file: magic 0x89504e47, expected 0x00000803 (images) (it looks like a PNG image)",
                fails(() -> IdxReader.read(png, lab)));
        byte[] whole = Files.readAllBytes(idxImages(tmp.resolve("img.idx"), 2, 3, 3));
        Path cut = Files.write(tmp.resolve("cut.idx"), Arrays.copyOf(whole, whole.length - 5));
        assertEquals(cut + ": truncated: the header promises 2x3x3 = 18 bytes of data, but the file holds 13",
                fails(() -> IdxReader.read(cut, lab)));
        Path header = Files.write(tmp.resolve("head.idx"), Arrays.copyOf(whole, 9));
        assertEquals(header + ": truncated: the header declares 3 dimensions but ends early", fails(() -> IdxReader.read(header, lab)));
        Path csv = Files.writeString(tmp.resolve("labels.csv"), "1,2,3\n");
        assertTrue(fails(() -> IdxReader.read(csv, lab)).endsWith("(it looks like text (CSV?))"));
        Path huge = Files.write(tmp.resolve("huge.idx"), new byte[] {0, 0, 8, 3, 0x7f, 0, 0, 0, 0x7f, 0, 0, 0, 0x7f, 0, 0, 0});
        assertTrue(fails(() -> IdxReader.read(huge, lab)).startsWith(huge + ": the header declares 2130706432x2130706432... = more than"));
    }

    @Test
    void foreignAndTruncatedSafetensors(@TempDir Path tmp) throws IOException {
        Model m = Model.parse("4:relu,2:softmax", 2);
        Path png = Files.write(tmp.resolve("weights.safetensors"), PNG);
        assertTrue(fails(() -> Weights.load(m, png)).matches(
                java.util.regex.Pattern.quote(png.toString()) + ": not a safetensors file: header length \\d+ is implausible \\(it looks like a PNG image\\)"));
        Path good = tmp.resolve("good.safetensors");
        Weights.save(m, m.initialParameters(1), good);
        byte[] whole = Files.readAllBytes(good);
        Path cut = Files.write(tmp.resolve("cut.safetensors"), Arrays.copyOf(whole, whole.length - 4));
        assertTrue(fails(() -> Weights.load(m, cut)).startsWith(cut + ": truncated: tensor layers.1.bias ends at byte"));
        Path tiny = Files.write(tmp.resolve("tiny.safetensors"), new byte[] {1, 2, 3});
        assertEquals(tiny + ": not a safetensors file: 3 bytes, shorter than the 8-byte header length", fails(() -> Weights.load(m, tiny)));
        assertOnly(tmp, "cut.safetensors", "good.safetensors", "tiny.safetensors", "weights.safetensors");
    }

    @Test
    void shapeMismatches(@TempDir Path tmp) {
        Model small = Model.parse("4:relu,2:softmax", 2), other = Model.parse("5:relu,2:softmax", 2);
        Path f = tmp.resolve("w.safetensors");
        Weights.save(small, small.initialParameters(1), f);
        assertEquals(f + ": tensor layers.0.weight has shape [4, 2] but the model 2 -> 5:relu,2:softmax needs [5, 2]",
                fails(() -> Weights.load(other, f)));
        assertEquals("x.csv has 2 features, but the model's input is 3", fails(() -> {
            try (Backend b = new CpuBackendProvider().create(-1);
                 Trainer t = new Trainer(b, Model.parse("4:relu,2:softmax", 3), TrainConfig.builder().batchSize(1).build())) {
                t.fit(csv("1,2,0\n3,4,1\n"));
            }
        }));
        // a header whose offsets claim more data than a tensor's shape holds
        byte[] bad = Safetensors.encode(List.of(new Safetensors.Tensor("t", new int[] {2}, new float[] {1, 2})), null);
        String json = new String(bad, 8, bad.length - 16, java.nio.charset.StandardCharsets.UTF_8).replace("[2]", "[3]");
        byte[] edited = Arrays.copyOf(bad, bad.length);
        System.arraycopy(json.getBytes(java.nio.charset.StandardCharsets.UTF_8), 0, edited, 8, json.length());
        assertEquals("e.safetensors: tensor t has data_offsets [0, 8] that do not fit its shape [3] of F32",
                fails(() -> Safetensors.decode("e.safetensors", edited)));
    }

    @Test
    void grammarErrorsNameTheToken() {
        assertTrue(fails(() -> dev.kiln.schedule.ScheduleSpec.parse("cosine:min=oops")).contains("'oops'"));
        assertTrue(fails(() -> dev.kiln.optim.Optimizers.parse("adam:lr=1e-3,betaz=0.9")).contains("'betaz'"));
        assertTrue(fails(() -> Model.parse("16:relu,3:sofmax", 3)).contains("sofmax"));
        assertEquals("interval '10 steps': expected a whole number of steps (e.g. 500) or of epochs (e.g. 2ep)",
                fails(() -> dev.kiln.train.Interval.parse("10 steps")));
        assertEquals("interval '0ep': must be >= 1", fails(() -> dev.kiln.train.Interval.parse("0ep")));
    }

    // ---- IDX writers ----

    static Path idxImages(Path file, int n, int rows, int cols) throws IOException {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(16 + n * rows * cols);
        b.putInt(0x00000803).putInt(n).putInt(rows).putInt(cols);
        for (int i = 0; i < n * rows * cols; i++) b.put((byte) (i * 37));
        return Files.write(file, b.array());
    }

    static Path idxLabels(Path file, int... labels) throws IOException {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 + labels.length);
        b.putInt(0x00000801).putInt(labels.length);
        for (int l : labels) b.put((byte) l);
        return Files.write(file, b.array());
    }
}
