package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.*;

import dev.kiln.data.Dataset;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The forms of {@code --data}: CSV, an IDX pair (gzipped or not), the built-in sets. */
class DataSourceTest {
    /** An unsigned-byte IDX file: magic 0x0000080N, N big-endian sizes, then the bytes. */
    static byte[] idx(int[] dims, byte[] data) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[] {0, 0, 8, (byte) dims.length});
        for (int d : dims) b.writeBytes(new byte[] {(byte) (d >>> 24), (byte) (d >>> 16), (byte) (d >>> 8), (byte) d});
        b.writeBytes(data);
        return b.toByteArray();
    }

    @Test
    void idxPairsTrainAndResolveToAbsolutePaths(@TempDir Path tmp) throws IOException {
        int n = 60;
        byte[] pixels = new byte[n * 4], labels = new byte[n];
        for (int i = 0; i < n; i++) {
            labels[i] = (byte) (i % 2);
            pixels[i * 4 + (i % 2) * 3] = (byte) 255;   // class 0 lights the first pixel, class 1 the last
        }
        Path img = Files.write(tmp.resolve("img.idx"), idx(new int[] {n, 2, 2}, pixels));
        Path lab = tmp.resolve("lab.idx.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(lab))) {
            out.write(idx(new int[] {n}, labels));
        }
        String spec = DataSource.resolve("img.idx:lab.idx.gz", tmp);
        assertEquals(img + ":" + lab, spec);
        Dataset d = DataSource.load(spec, false, null, 0, 0);
        assertEquals(n, d.rows());
        assertEquals(4, d.cols());
        assertEquals(2, d.classes());
        assertEquals(1f, d.features()[0], "pixels scale to [0, 1]");

        Path out = tmp.resolve("run");
        Cli.run("train", "--data", spec, "--layers", "2:softmax", "--epochs", "2", "--batch-size", "10", "--backend", "cpu",
                "--out", out.toString(), "--quiet").ok();
        assertEquals(spec, Cli.json(out.resolve("config.json")).get("data").asText());
        assertTrue(Cli.run("train", "--data", img + ":" + tmp.resolve("missing.idx"), "--layers", "2:softmax", "--backend", "cpu")
                .failsWith(2).err().contains("missing.idx"));
    }

    @Test
    void builtInNamesAndFilesOfTheSameName(@TempDir Path tmp) throws IOException {
        assertEquals("synthetic", DataSource.resolve("synthetic", tmp));
        assertEquals(1000, DataSource.load("synthetic", false, null, 3, 0).rows());
        assertEquals(100, DataSource.load("synthetic", true, null, 3, 0).rows());
        assertEquals(150, DataSource.load("iris", false, null, 0, 0).rows());
        // a file named like a built-in set is that file
        Files.writeString(tmp.resolve("iris"), "1,2,0\n3,4,1\n");
        String spec = DataSource.resolve("iris", tmp);
        assertEquals(tmp.resolve("iris").toString(), spec);
        assertEquals(2, DataSource.load(spec, false, null, 0, 0).rows());
        // the held-out set takes the training set's classes, even when it lacks the last class
        Path csv = Files.writeString(tmp.resolve("t.csv"), "0.5,0\n0.7,1\n");
        assertEquals(3, DataSource.load(csv.toString(), true, null, 0, 3).classes());
    }
}
