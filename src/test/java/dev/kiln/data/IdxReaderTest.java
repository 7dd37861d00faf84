package dev.kiln.data;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
    @TempDir Path dir;

    /** An IDX file: 0, 0, type 0x08, ndims, then big-endian sizes, then the bytes. */
    static byte[] idx(int[] dims, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {0, 0, 0x08, (byte) dims.length});
        for (int d : dims) out.writeBytes(new byte[] {(byte) (d >>> 24), (byte) (d >>> 16), (byte) (d >>> 8), (byte) d});
        out.writeBytes(data);
        return out.toByteArray();
    }

    static byte[] gzip(byte[] b) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(out)) {
            g.write(b);
        }
        return out.toByteArray();
    }

    // three 2x2 images; pixel bytes 0, 51, 255 (unsigned) scale to 0, 0.2, 1
    static final byte[] PIXELS = {0, 51, (byte) 255, 102, 1, 2, 3, 4, (byte) 128, 0, 0, 0};
    static final byte[] LABELS = {3, 0, 9};

    @Test
    void readsPlainAndGzippedFilesAndScalesPixels() throws IOException {
        Path img = Files.write(dir.resolve("img"), idx(new int[] {3, 2, 2}, PIXELS));
        Path lab = Files.write(dir.resolve("lab.gz"), gzip(idx(new int[] {3}, LABELS)));
        Dataset d = IdxReader.read(img, lab);
        assertEquals(3, d.rows());
        assertEquals(4, d.cols());
        assertEquals(10, d.classes());               // largest label 9 + 1
        assertArrayEquals(new int[] {3, 0, 9}, d.labels());
        assertArrayEquals(new int[] {3, 0, 9}, d.integerLabels(), "held as one int per image");
        assertEquals(0f, d.features()[0]);
        assertEquals(0.2f, d.features()[1], 1e-7f);
        assertEquals(1f, d.features()[2]);
        assertEquals(128 / 255f, d.features()[8]);
        Path imgGz = Files.write(dir.resolve("img.gz"), gzip(idx(new int[] {3, 2, 2}, PIXELS)));
        assertArrayEquals(d.features(), IdxReader.read(imgGz, lab).features());
    }

    @Test
    void wrongMagicIsNamed() throws IOException {
        Path lab = Files.write(dir.resolve("lab"), idx(new int[] {3}, LABELS));
        Path img = Files.write(dir.resolve("img"), idx(new int[] {3, 2, 2}, PIXELS));
        // labels given where images are expected: magic 0x00000801 has 1 dimension
        assertMessage(lab + ": magic 0x00000801 has 1 dimensions, expected 0x00000803 (images)", () -> IdxReader.read(lab, img));
        Path text = Files.writeString(dir.resolve("text"), "hello world");
        assertMessage(text + ": not an IDX file: magic 0x68656c6c, expected 0x00000803 (images)", () -> IdxReader.read(text, lab));
        byte[] floats = idx(new int[] {3}, LABELS);
        floats[2] = 0x0D;
        Path f = Files.write(dir.resolve("floats"), floats);
        assertMessage(f + ": IDX type 0xd is not supported", () -> IdxReader.read(img, f));
    }

    @Test
    void truncatedFilesAreNamed() throws IOException {
        Path lab = Files.write(dir.resolve("lab"), idx(new int[] {3}, LABELS));
        Path img = Files.write(dir.resolve("img"), Arrays.copyOf(idx(new int[] {3, 2, 2}, PIXELS), 16 + 10));
        assertMessage(img + ": truncated: the header promises 3x2x2 = 12 bytes of data, but the file holds 10", () -> IdxReader.read(img, lab));
        Path imgGz = Files.write(dir.resolve("img.gz"), gzip(Arrays.copyOf(idx(new int[] {3, 2, 2}, PIXELS), 20)));
        assertMessage(imgGz + ": truncated: the header promises 3x2x2 = 12 bytes of data, but the file holds 4", () -> IdxReader.read(imgGz, lab));
        Path head = Files.write(dir.resolve("head"), new byte[] {0, 0, 8});
        assertMessage(head + ": truncated", () -> IdxReader.read(head, lab));
        byte[] gz = gzip(idx(new int[] {3, 2, 2}, PIXELS));
        Path cutGz = Files.write(dir.resolve("cut.gz"), Arrays.copyOf(gz, gz.length - 12));
        assertMessage(cutGz.toString(), () -> IdxReader.read(cutGz, lab));
    }

    /** A header that declares less than the file holds (3x2x2 over 3x2x3 pixels) misaligned every row, silently. */
    @Test
    void moreDataThanTheHeaderDeclaresIsNamed() throws IOException {
        Path lab = Files.write(dir.resolve("lab"), idx(new int[] {3}, LABELS));
        byte[] longer = Arrays.copyOf(idx(new int[] {3, 2, 2}, PIXELS), 16 + 18);
        Path img = Files.write(dir.resolve("img"), longer);
        assertMessage(img + ": the header declares 3x2x2 = 12 bytes of data, but the file holds 18 (6 more): a dimension in the header is wrong",
                () -> IdxReader.read(img, lab));
        Path imgGz = Files.write(dir.resolve("img.gz"), gzip(longer));
        assertMessage(imgGz + ": the header declares 3x2x2 = 12 bytes of data, but the file holds 18", () -> IdxReader.read(imgGz, lab));
    }

    @Test
    void countMismatchIsNamed() throws IOException {
        Path img = Files.write(dir.resolve("img"), idx(new int[] {3, 2, 2}, PIXELS));
        Path lab = Files.write(dir.resolve("lab"), idx(new int[] {2}, new byte[] {1, 2}));
        assertMessage(img + " holds 3 images but " + lab + " holds 2 labels", () -> IdxReader.read(img, lab));
    }

    static void assertMessage(String part, org.junit.jupiter.api.function.Executable e) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        assertTrue(ex.getMessage().contains(part), "message '" + ex.getMessage() + "' lacks '" + part + "'");
    }
}
