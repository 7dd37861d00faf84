package dev.kiln.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Reads the IDX format of MNIST and Fashion-MNIST (LeCun et al.): a big-endian header {@code 0x00 0x00
 * type ndims}, then ndims 32-bit big-endian sizes, then the data. Kiln reads unsigned-byte files (type
 * 0x08): images of ndims >= 2 (each item flattened, pixels scaled by 1/255 to [0, 1]) and labels of
 * ndims 1. Files may be gzipped (detected by the gzip magic 0x1f8b, not by the name).
 *
 * <p>Errors name the file: wrong magic or type, truncated data, and image/label counts that differ.
 *
 * <pre>{@code Dataset train = IdxReader.read(Path.of("train-images-idx3-ubyte.gz"), Path.of("train-labels-idx1-ubyte.gz"));}</pre>
 */
public final class IdxReader {
    private IdxReader() {}

    /** The IDX type byte of unsigned bytes. */
    static final int UBYTE = 0x08;

    /** Images and labels as a classification set; classes = largest label + 1. */
    public static Dataset read(Path images, Path labels) {
        return read(images, labels, 0);
    }

    /** Images and labels as a classification set with {@code classes} classes (0: largest label + 1). */
    public static Dataset read(Path images, Path labels, int classes) {
        Idx img = load(images, 2);
        Idx lab = load(labels, 1);
        if (img.dims[0] != lab.dims[0])
            throw new IllegalArgumentException(images + " holds " + img.dims[0] + " images but " + labels + " holds "
                    + lab.dims[0] + " labels");
        int n = img.dims[0];
        if (n == 0) throw new IllegalArgumentException(images + ": holds no images (the first dimension is 0): empty data");
        int cols = img.data.length / n;
        if (cols == 0) throw new IllegalArgumentException(images + ": each image has 0 pixels (a dimension is 0)");
        float[] x = new float[img.data.length];
        for (int i = 0; i < x.length; i++) x[i] = (img.data[i] & 0xff) / 255f;
        int max = 0, at = 0;
        for (int i = 0; i < lab.data.length; i++) {
            if ((lab.data[i] & 0xff) > max) {
                max = lab.data[i] & 0xff;
                at = i;
            }
        }
        int k = classes > 0 ? classes : max + 1;
        if (max >= k)
            throw new IllegalArgumentException(labels + ": item " + at + " has label " + max + ", which is not below the " + k + " classes");
        int[] y = new int[n];
        for (int r = 0; r < n; r++) y[r] = lab.data[r] & 0xff;
        String name = images.getFileName() + "+" + labels.getFileName();
        return Dataset.ofLabels(name, x, cols, y, k, List.of(), List.of());
    }

    /** One decoded IDX file: sizes and raw unsigned bytes. */
    record Idx(int[] dims, byte[] data) {}

    /** Reads an unsigned-byte IDX file, requiring ndims == 1 ({@code minDims} 1) or >= 2. */
    static Idx load(Path file, int minDims) {
        if (Files.isDirectory(file)) throw new IllegalArgumentException(file + ": is a directory, not an IDX file");
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            raw.mark(2);
            int b0 = raw.read(), b1 = raw.read();
            raw.reset();
            InputStream in = b0 == 0x1f && b1 == 0x8b ? new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16) : raw;
            return parse(file.toString(), in, minDims);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such file");
        } catch (java.nio.file.AccessDeniedException e) {
            throw new IllegalArgumentException(file + ": cannot read (permission denied)");
        } catch (java.util.zip.ZipException e) {
            throw new IllegalArgumentException(file + ": corrupt gzip data (" + e.getMessage() + ")");
        } catch (EOFException e) {
            throw new IllegalArgumentException(file + ": truncated gzip stream");
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }

    static Idx parse(String name, InputStream in, int minDims) throws IOException {
        DataInputStream d = new DataInputStream(in);
        byte[] head = d.readNBytes(4);
        if (head.length < 4) throw new IllegalArgumentException(name + ": truncated: " + head.length + " bytes, too short for an IDX header");
        int magic = ((head[0] & 0xff) << 24) | ((head[1] & 0xff) << 16) | ((head[2] & 0xff) << 8) | (head[3] & 0xff);
        int ndims = head[3] & 0xff;
        String expected = minDims == 1 ? "0x00000801 (labels)" : "0x00000803 (images)";
        if (head[0] != 0 || head[1] != 0 || ndims == 0)
            throw new IllegalArgumentException(name + ": not an IDX file: magic 0x" + hex(magic) + ", expected " + expected
                    + FileKinds.hint(head));
        if ((head[2] & 0xff) != UBYTE)
            throw new IllegalArgumentException(name + ": IDX type 0x" + Integer.toHexString(head[2] & 0xff)
                    + " is not supported (only unsigned bytes, 0x08): magic 0x" + hex(magic) + ", expected " + expected);
        if (minDims == 1 ? ndims != 1 : ndims < 2)
            throw new IllegalArgumentException(name + ": magic 0x" + hex(magic) + " has " + ndims + " dimensions, expected " + expected);
        byte[] dimBytes = d.readNBytes(4 * ndims);
        if (dimBytes.length < 4 * ndims)
            throw new IllegalArgumentException(name + ": truncated: the header declares " + ndims + " dimensions but ends early");
        int[] dims = new int[ndims];
        long total = 1;
        for (int i = 0; i < ndims; i++) {
            dims[i] = ((dimBytes[4 * i] & 0xff) << 24) | ((dimBytes[4 * i + 1] & 0xff) << 16)
                    | ((dimBytes[4 * i + 2] & 0xff) << 8) | (dimBytes[4 * i + 3] & 0xff);
            if (dims[i] < 0) throw new IllegalArgumentException(name + ": dimension " + i + " is negative (" + dims[i] + ")");
            total *= dims[i];
            if (total > Integer.MAX_VALUE)   // checked per factor, so the product cannot wrap around
                throw new IllegalArgumentException(name + ": the header declares " + shape(java.util.Arrays.copyOf(dims, i + 1))
                        + "... = more than " + Integer.MAX_VALUE + " bytes of data, more than Kiln reads into one array");
        }
        if (total > Integer.MAX_VALUE - 8)
            throw new IllegalArgumentException(name + ": " + total + " bytes of data is more than Kiln reads into one array");
        byte[] data = d.readNBytes((int) total);
        if (data.length < total)
            throw new IllegalArgumentException(name + ": truncated: the header promises " + shape(dims) + " = " + total
                    + " bytes of data, but the file holds " + data.length);
        // more data than the header declares: a wrong dimension in the header, and every row would be misaligned
        long extra = 0;
        for (byte[] rest; (rest = d.readNBytes(1 << 16)).length > 0; ) extra += rest.length;
        if (extra > 0)
            throw new IllegalArgumentException(name + ": the header declares " + shape(dims) + " = " + total + " bytes of data, but the file"
                    + " holds " + (total + extra) + " (" + extra + " more): a dimension in the header is wrong");
        return new Idx(dims, data);
    }

    private static String hex(int v) { return String.format("%08x", v); }

    private static String shape(int[] dims) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < dims.length; i++) s.append(i == 0 ? "" : "x").append(dims[i]);
        return s.toString();
    }
}
