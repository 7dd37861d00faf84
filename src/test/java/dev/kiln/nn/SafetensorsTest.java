package dev.kiln.nn;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
    @TempDir Path dir;

    /**
     * A file built byte by byte as the format specifies: u64 little-endian header length, JSON header,
     * data. Tensor "a" = [1.5, -2.0] (F32 LE: 00 00 C0 3F, 00 00 00 C0), "b" = [[0.25]], metadata k=v.
     */
    @Test
    void parsesAHandBuiltFile() {
        String json = "{\"__metadata__\":{\"k\":\"v\"},\"b\":{\"dtype\":\"F32\",\"shape\":[1,1],\"data_offsets\":[8,12]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long n = h.length;
        for (int i = 0; i < 8; i++) out.write((int) (n >>> (8 * i)) & 0xff);
        out.writeBytes(h);
        out.writeBytes(new byte[] {0, 0, (byte) 0xC0, 0x3F, 0, 0, 0, (byte) 0xC0});   // 1.5f, -2.0f
        out.writeBytes(new byte[] {0, 0, (byte) 0x80, 0x3E});                        // 0.25f
        Safetensors.Contents c = Safetensors.decode("hand", out.toByteArray());
        assertEquals(Map.of("k", "v"), c.metadata());
        assertArrayEquals(new float[] {1.5f, -2.0f}, c.tensors().get("a").data());
        assertArrayEquals(new int[] {2}, c.tensors().get("a").shape());
        assertArrayEquals(new float[] {0.25f}, c.tensors().get("b").data());
        assertArrayEquals(new int[] {1, 1}, c.tensors().get("b").shape());
    }

    @Test
    void writesTheLayoutTheFormatSpecifies() {
        byte[] bytes = Safetensors.encode(List.of(new Safetensors.Tensor("x", new int[] {2}, new float[] {1f, -0.5f})), Map.of());
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long n = b.getLong(0);
        assertEquals(0, n % 8, "header padded to 8 bytes");
        assertEquals(8 + n + 8, bytes.length);
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        assertEquals("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", header.trim());
        assertEquals(1f, b.getFloat((int) (8 + n)));
        assertEquals(-0.5f, b.getFloat((int) (8 + n + 4)));
    }

    @Test
    void modelWeightsRoundTripThroughAFile() throws Exception {
        Model m = Model.parse("5:relu,dropout:0.1,3:softmax", 4);
        float[] p = m.initialParameters(3);
        for (int i = 0; i < p.length; i++) p[i] += i * 1e-3f;   // nonzero biases too
        Path f = dir.resolve("sub/model.safetensors");
        Weights.save(m, p, f, Map.of("epoch", "7"));
        assertArrayEquals(p, Weights.load(m, f));
        Safetensors.Contents c = Safetensors.read(f);
        assertEquals(List.of("layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"), List.copyOf(c.tensors().keySet()));
        assertArrayEquals(new int[] {5, 4}, c.tensors().get("layers.0.weight").shape());
        assertEquals("5:relu,dropout:0.1,3:softmax", c.metadata().get(Weights.META_MODEL));
        assertEquals("7", c.metadata().get("epoch"));
        assertEquals("pt", c.metadata().get("format"));
        try (var files = Files.list(f.getParent())) {
            assertEquals(List.of("model.safetensors"), files.map(x -> x.getFileName().toString()).toList(), "no temporary file left");
        }
    }

    @Test
    void shapeMismatchNamesTheTensorAndBothShapes() {
        Path f = dir.resolve("w.safetensors");
        Model small = Model.parse("5:relu,3:softmax", 4);
        Weights.save(small, small.initialParameters(0), f);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Weights.load(Model.parse("6:relu,3:softmax", 4), f));
        assertTrue(e.getMessage().contains("tensor layers.0.weight has shape [5, 4] but the model 4 -> 6:relu,3:softmax needs [6, 4]"), e.getMessage());
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Weights.load(Model.parse("5:relu,3:relu,3:softmax", 4), f));
        assertTrue(e.getMessage().contains("missing tensor layers.2.weight [3, 3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Weights.load(Model.parse("3:softmax", 4), f));
        assertTrue(e.getMessage().contains("shape [5, 4]") && e.getMessage().contains("needs [3, 4]"), e.getMessage());
    }

    @Test
    void truncatedAndForeignFilesFailClearly() throws Exception {
        Model m = Model.parse("5:relu,3:softmax", 4);
        Path good = dir.resolve("good.safetensors");
        Weights.save(m, m.initialParameters(0), good);
        byte[] bytes = Files.readAllBytes(good);

        Path cut = dir.resolve("cut.safetensors");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length - 4));
        assertMessage("truncated: tensor layers.1.bias ends at byte", () -> Weights.load(m, cut));

        Path cutHeader = dir.resolve("cuthead.safetensors");
        Files.write(cutHeader, Arrays.copyOf(bytes, 40));
        assertMessage(cutHeader + ": truncated: header of", () -> Safetensors.read(cutHeader));

        Path csv = dir.resolve("data.csv");
        Files.writeString(csv, "1,2,3\n4,5,6\n7,8,9\n");
        assertMessage(csv + ": not a safetensors file", () -> Safetensors.read(csv));

        Path tiny = dir.resolve("tiny");
        Files.write(tiny, new byte[] {1, 2, 3});
        assertMessage("not a safetensors file: 3 bytes", () -> Safetensors.read(tiny));

        byte[] f16 = new String(bytes, StandardCharsets.ISO_8859_1).replaceFirst("F32", "F16").getBytes(StandardCharsets.ISO_8859_1);
        assertMessage("has dtype F16; Kiln reads F32 only", () -> Safetensors.decode("f16", f16));

        assertMessage("no such file", () -> Safetensors.read(dir.resolve("absent.safetensors")));
    }

    static void assertMessage(String part, org.junit.jupiter.api.function.Executable e) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        assertTrue(ex.getMessage().contains(part), "message '" + ex.getMessage() + "' lacks '" + part + "'");
    }
}
