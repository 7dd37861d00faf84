package dev.kiln.data;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Recognises common file types by their first bytes, so that a reader given the wrong file can say what it
 * got ("it looks like a PNG image") instead of only what it expected.
 */
public final class FileKinds {
    private FileKinds() {}

    /** What the first bytes of a file look like, e.g. "a PNG image", or null when they are not recognised. */
    public static String guess(byte[] head) {
        if (head == null || head.length == 0) return "an empty file";
        if (starts(head, 0x89, 'P', 'N', 'G')) return "a PNG image";
        if (starts(head, 0xFF, 0xD8, 0xFF)) return "a JPEG image";
        if (starts(head, 'G', 'I', 'F', '8')) return "a GIF image";
        if (starts(head, '%', 'P', 'D', 'F')) return "a PDF document";
        if (starts(head, 'P', 'K', 3, 4)) return "a ZIP archive (or a PyTorch .pt file)";
        if (starts(head, 0x1F, 0x8B)) return "gzip-compressed data";
        if (starts(head, 0x7F, 'E', 'L', 'F')) return "an executable (ELF)";
        if (starts(head, 0x93, 'N', 'U', 'M', 'P', 'Y')) return "a NumPy .npy array";
        if (head.length >= 4 && head[0] == 0 && head[1] == 0 && (head[2] & 0xff) >= 0x08 && (head[2] & 0xff) <= 0x0E
                && head[3] >= 1 && head[3] <= 4)
            return "an IDX file";
        if (head.length >= 9 && head[8] == '{') {
            long n = ByteBuffer.wrap(head, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (n > 1 && n < 100_000_000L) return "a safetensors file";
        }
        if (starts(head, '{') || starts(head, '[')) return "JSON text";
        int printable = 0, n = Math.min(head.length, 512);
        for (int i = 0; i < n; i++) {
            int b = head[i] & 0xff;
            if (b == '\n' || b == '\r' || b == '\t' || (b >= 0x20 && b < 0x7f)) printable++;
        }
        if (printable == n) return "text (CSV?)";
        return null;
    }

    /** {@code " (it looks like X)"} for messages, or "" when the kind is not recognised. */
    public static String hint(byte[] head) {
        String g = guess(head);
        return g == null ? "" : " (it looks like " + g + ")";
    }

    private static boolean starts(byte[] b, int... magic) {
        if (b.length < magic.length) return false;
        for (int i = 0; i < magic.length; i++) if ((b[i] & 0xff) != (magic[i] & 0xff)) return false;
        return true;
    }
}
