package dev.kiln.backend.cuda;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the kernel entry points and their parameter types out of PTX text. */
final class Ptx {
    private Ptx() {}

    private static final Pattern ENTRY = Pattern.compile("\\.entry\\s+([A-Za-z_][A-Za-z0-9_]*)\\s*\\(([^)]*)\\)", Pattern.DOTALL);
    private static final Pattern PARAM = Pattern.compile("\\.param\\s+\\.(\\w+)");

    /** Entry name to the PTX types of its parameters in order (u64, u32, f32, ...), in file order. */
    static Map<String, List<String>> entries(String ptx) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        Matcher m = ENTRY.matcher(ptx);
        while (m.find()) {
            List<String> types = new ArrayList<>();
            Matcher p = PARAM.matcher(m.group(2));
            while (p.find()) types.add(p.group(1));
            if (out.put(m.group(1), types) != null) throw new AssertionError("PTX defines " + m.group(1) + " twice");
        }
        return out;
    }

    /** The PTX type a Kernel signature letter stands for: pointers and 64-bit integers are u64. */
    static String type(char letter) {
        return switch (letter) {
            case 'p', 'l' -> "u64";
            case 'i' -> "u32";
            case 'f' -> "f32";
            default -> throw new IllegalArgumentException("signature letter " + letter);
        };
    }
}
