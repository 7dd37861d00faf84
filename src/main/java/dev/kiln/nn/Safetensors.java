package dev.kiln.nn;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors file format (Hugging Face), float32 only: an 8-byte little-endian unsigned header length
 * N, then N bytes of UTF-8 JSON (padded with spaces to a multiple of 8), then the raw little-endian data.
 * The JSON maps each tensor name to {@code {"dtype":"F32","shape":[..],"data_offsets":[begin,end]}}
 * (byte offsets into the data part) and may hold a {@code "__metadata__"} object of string values. Files
 * written here load in PyTorch with {@code safetensors.torch.load_file}.
 *
 * <p>Writes go to a temporary file in the same directory, then an atomic rename, so a crash never leaves
 * a half-written file under the final name.
 */
public final class Safetensors {
    private Safetensors() {}

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Largest header accepted (the reference implementation's limit is 100 MB). */
    static final long MAX_HEADER = 100_000_000L;

    /**
     * One float32 tensor.
     *
     * @param name  the tensor's name
     * @param shape its dimensions
     * @param data  product(shape) values, row-major
     */
    public record Tensor(String name, int[] shape, float[] data) {
        /**
         * Checks that no dimension is negative and that {@code data} holds product(shape) values; the arrays are not
         * copied.
         */
        public Tensor {
            long n = 1;
            for (int d : shape) {
                if (d < 0) throw new IllegalArgumentException("tensor " + name + ": negative dimension " + d);
                n *= d;
            }
            if (n != data.length)
                throw new IllegalArgumentException("tensor " + name + ": shape " + shapeText(shape) + " needs " + n + " values, got " + data.length);
        }
    }

    /**
     * The decoded contents of a file.
     *
     * @param tensors  tensors by name, in file order
     * @param metadata the {@code __metadata__} strings (empty if none)
     */
    public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {}

    /** Writes tensors (in the given order) and metadata to {@code file}, atomically. */
    public static void write(Path file, List<Tensor> tensors, Map<String, String> metadata) {
        byte[] bytes = encode(tensors, metadata);
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            // a new name beside the target (same file system, so the rename is atomic); CREATE_NEW with the
            // default permissions (createTempFile would make the weights readable by their owner only)
            tmp = dir.resolve("." + file.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(tmp, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) ch.write(buf);
                ch.force(true);    // the bytes reach the disk before the rename makes them visible
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write: " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the write already failed; that error is the one to report
                }
            }
        }
    }

    /** The bytes of a safetensors file holding these tensors. */
    public static byte[] encode(List<Tensor> tensors, Map<String, String> metadata) {
        Map<String, Object> header = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) header.put("__metadata__", metadata);
        long off = 0;
        for (Tensor t : tensors) {
            if (t.name().equals("__metadata__") || header.containsKey(t.name()))
                throw new IllegalArgumentException("tensor name '" + t.name() + "' is reserved or repeated");
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("dtype", "F32");
            e.put("shape", t.shape());
            e.put("data_offsets", new long[] {off, off + 4L * t.data().length});
            header.put(t.name(), e);
            off += 4L * t.data().length;
        }
        byte[] json;
        try {
            json = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode a safetensors header: " + e.getMessage(), e);
        }
        int padded = (json.length + 7) / 8 * 8;
        if (8L + padded + off > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("tensors too large for one file: " + off + " bytes");
        ByteBuffer b = ByteBuffer.allocate((int) (8 + padded + off)).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(padded);
        b.put(json);
        for (int i = json.length; i < padded; i++) b.put((byte) ' ');
        // a float view does not advance b, so each tensor is written at its explicit position
        int pos = 8 + padded;
        for (Tensor t : tensors) {
            b.position(pos);
            b.asFloatBuffer().put(t.data());
            pos += 4 * t.data().length;
        }
        return b.array();
    }

    /** Reads a file. Errors name the file and say what is wrong (truncated, foreign, unsupported dtype). */
    public static Contents read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such file");
        } catch (java.nio.file.AccessDeniedException e) {
            throw new IllegalArgumentException(file + ": cannot read (permission denied)");
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
        return decode(file.toString(), bytes);
    }

    /** Decodes the bytes of a file; {@code name} is used in messages. */
    public static Contents decode(String name, byte[] bytes) {
        String kind = dev.kiln.data.FileKinds.hint(java.util.Arrays.copyOf(bytes, Math.min(bytes.length, 512)));
        if (bytes.length < 8)
            throw new IllegalArgumentException(name + ": not a safetensors file: " + bytes.length + " bytes, shorter than the 8-byte header length"
                    + kind);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long n = b.getLong(0);
        if (n < 2 || n > MAX_HEADER)
            throw new IllegalArgumentException(name + ": not a safetensors file: header length " + Long.toUnsignedString(n) + " is implausible"
                    + kind);
        if (8 + n > bytes.length)
            throw new IllegalArgumentException(name + ": truncated: header of " + n + " bytes but the file has only " + (bytes.length - 8) + " after the length");
        if (bytes[8] != '{')
            throw new IllegalArgumentException(name + ": not a safetensors file: the header does not start with '{'" + kind);
        JsonNode header;
        try {
            header = JSON.readTree(new String(bytes, 8, (int) n, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(name + ": not a safetensors file: bad JSON header (" + e.getOriginalMessage() + ")");
        }
        if (header == null || !header.isObject())
            throw new IllegalArgumentException(name + ": not a safetensors file: the header is not a JSON object");
        long dataStart = 8 + n, dataLen = bytes.length - dataStart;
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Map<String, String> meta = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            JsonNode v = e.getValue();
            if (!v.isObject())
                throw new IllegalArgumentException(name + ": entry " + key + " of the header is not an object");
            if (key.equals("__metadata__")) {
                if (!v.isObject()) throw new IllegalArgumentException(name + ": __metadata__ is not an object");
                v.fields().forEachRemaining(m -> meta.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            String dtype = v.path("dtype").asText("");
            if (!dtype.equals("F32"))
                throw new IllegalArgumentException(name + ": tensor " + key + " has dtype " + (dtype.isEmpty() ? "(none)" : dtype)
                        + "; Kiln reads F32 only");
            JsonNode shapeNode = v.path("shape"), offs = v.path("data_offsets");
            if (!shapeNode.isArray() || !offs.isArray() || offs.size() != 2)
                throw new IllegalArgumentException(name + ": tensor " + key + " lacks a shape or data_offsets");
            int[] shape = new int[shapeNode.size()];
            long count = 1;
            for (int i = 0; i < shape.length; i++) {
                long d = shapeNode.get(i).asLong(-1);
                if (!shapeNode.get(i).isIntegralNumber() || d < 0 || d > Integer.MAX_VALUE)
                    throw new IllegalArgumentException(name + ": tensor " + key + " has a bad dimension " + shapeNode.get(i));
                shape[i] = (int) d;
                count *= d;
                // checked per factor (each < 2^31), so the product never wraps around
                if (count > Integer.MAX_VALUE - 8)
                    throw new IllegalArgumentException(name + ": tensor " + key + " of shape " + shapeNode
                            + " has more elements than Kiln reads into one array");
            }
            if (!offs.get(0).isIntegralNumber() || !offs.get(1).isIntegralNumber())
                throw new IllegalArgumentException(name + ": tensor " + key + " has data_offsets " + offs + " that are not whole numbers");
            long begin = offs.get(0).asLong(-1), end = offs.get(1).asLong(-1);
            if (begin < 0 || end < begin || end - begin != 4 * count)
                throw new IllegalArgumentException(name + ": tensor " + key + " has data_offsets [" + begin + ", " + end
                        + "] that do not fit its shape " + shapeText(shape) + " of F32");
            if (end > dataLen)
                throw new IllegalArgumentException(name + ": truncated: tensor " + key + " ends at byte " + end
                        + " of the data, but the file holds only " + dataLen + " data bytes");
            float[] data = new float[(int) count];
            b.position((int) (dataStart + begin));
            b.asFloatBuffer().get(data);
            tensors.put(key, new Tensor(key, shape, data));
        }
        return new Contents(tensors, meta);
    }

    static String shapeText(int[] shape) {
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) s.append(i == 0 ? "" : ", ").append(shape[i]);
        return s.append(']').toString();
    }
}
