package dev.kiln.optim;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The options of one optimizer's text form, {@code name:key=value,key=value,flag}, as read by
 * {@link Optimizers#parse}: each getter consumes its key, and {@link #finish} rejects what nobody asked
 * for. Every error names the whole spec and the offending token. Also the writer side: {@link #number}
 * prints a double in the shortest form that parses back to the same double.
 */
final class OptimizerSpec {
    private final String text;
    private final String name;
    private final Map<String, String> options = new LinkedHashMap<>();
    private final List<String> known = new ArrayList<>();

    private OptimizerSpec(String text, String name) {
        this.text = text;
        this.name = name;
    }

    /** Splits {@code text} into the optimizer name and its options; a key given twice is an error. */
    static OptimizerSpec read(String text) {
        if (text == null || text.isBlank()) throw new IllegalArgumentException("optimizer spec is empty");
        String t = text.strip();
        int colon = t.indexOf(':');
        String name = (colon < 0 ? t : t.substring(0, colon)).strip().toLowerCase(Locale.ROOT);
        OptimizerSpec spec = new OptimizerSpec(t, name);
        if (name.isEmpty()) throw spec.error("no optimizer name before ':'");
        if (colon >= 0) {
            String rest = t.substring(colon + 1);
            if (rest.isBlank()) throw spec.error("no options after ':'");
            for (String token : rest.split(",", -1)) {
                String tok = token.strip();
                if (tok.isEmpty()) throw spec.error("empty option (doubled or trailing ',')");
                int eq = tok.indexOf('=');
                String key = (eq < 0 ? tok : tok.substring(0, eq)).strip().toLowerCase(Locale.ROOT);
                String value = eq < 0 ? null : tok.substring(eq + 1).strip();
                if (key.isEmpty()) throw spec.error("option '" + tok + "' has no name");
                if (spec.options.containsKey(key)) throw spec.error("option '" + key + "' given twice");
                spec.options.put(key, value);
            }
        }
        return spec;
    }

    /** The optimizer name, lower case. */
    String name() { return name; }

    /** An error about this spec: {@code optimizer 'adam:lr=x': <what>}. */
    IllegalArgumentException error(String what) {
        return new IllegalArgumentException("optimizer '" + text + "': " + what);
    }

    /** A number option, or {@code def} when absent. */
    double number(String key, double def) {
        known.add(key);
        if (!options.containsKey(key)) return def;
        String v = options.remove(key);
        if (v == null || v.isEmpty()) throw error("option '" + key + "' needs a number, as " + key + "=0.1");
        return parseNumber(key, v);
    }

    /** A pair option written {@code a/b} (betas), or {@code def} when absent. */
    double[] pair(String key, double def0, double def1) {
        known.add(key);
        if (!options.containsKey(key)) return new double[] {def0, def1};
        String v = options.remove(key);
        if (v == null) throw error("option '" + key + "' needs two numbers, as " + key + "=0.9/0.999");
        String[] parts = v.split("/", -1);
        if (parts.length != 2)
            throw error("bad value '" + v + "' for " + key + ": want two numbers a/b, as " + key + "=0.9/0.999");
        return new double[] {parseNumber(key, parts[0].strip()), parseNumber(key, parts[1].strip())};
    }

    /** A flag: {@code key}, {@code key=true} or {@code key=false}; {@code false} when absent. */
    boolean flag(String key) {
        known.add(key);
        if (!options.containsKey(key)) return false;
        String v = options.remove(key);
        if (v == null || v.equalsIgnoreCase("true")) return true;
        if (v.equalsIgnoreCase("false")) return false;
        throw error("bad value '" + v + "' for flag " + key + ": want " + key + ", " + key + "=true or " + key + "=false");
    }

    /** Rejects any option no getter asked for, naming it and the known ones. */
    void finish() {
        if (!options.isEmpty()) {
            String key = options.keySet().iterator().next();
            throw error("unknown option '" + key + "' for " + name + " (known: " + String.join(", ", known) + ")");
        }
    }

    /**
     * Rejects unknown options ({@link #finish}), then constructs the optimizer; a validation error of the
     * constructor comes back naming this spec.
     */
    <T> T build(Supplier<T> constructor) {
        finish();
        try {
            return constructor.get();
        } catch (IllegalArgumentException e) {
            throw error(e.getMessage());
        }
    }

    private double parseNumber(String key, String v) {
        try {
            double d = Double.parseDouble(v);
            if (!Double.isFinite(d)) throw error("bad value '" + v + "' for " + key + ": not a finite number");
            return d;
        } catch (NumberFormatException e) {
            throw error("bad value '" + v + "' for " + key + ": not a number");
        }
    }

    /**
     * A double in the shortest decimal form that parses back to it ({@link Double#toString} round-trips),
     * tidied: {@code 1.0 -> 1}, {@code 1.0E-4 -> 1e-4}, {@code 2.5E-5 -> 2.5e-5}.
     */
    static String number(double x) {
        String s = Double.toString(x);
        int e = s.indexOf('E');
        String mantissa = e < 0 ? s : s.substring(0, e);
        if (mantissa.endsWith(".0")) mantissa = mantissa.substring(0, mantissa.length() - 2);
        return e < 0 ? mantissa : mantissa + "e" + s.substring(e + 1);
    }

    /** Validation helper: {@code x} must be finite and {@code >= 0}. Returns x with -0.0 made 0.0. */
    static double nonNegative(String optimizer, String what, double x) {
        if (!(x >= 0) || Double.isInfinite(x))
            throw new IllegalArgumentException(optimizer + ": " + what + " must be a finite number >= 0, got " + x);
        return x + 0.0;
    }

    /** Validation helper: {@code lo <= x < hi} ({@code hiOpen}) or {@code lo <= x <= hi}. Returns x with -0.0 made 0.0. */
    static double inRange(String optimizer, String what, double x, double lo, double hi, boolean hiOpen) {
        boolean ok = x >= lo && (hiOpen ? x < hi : x <= hi);
        if (!ok)
            throw new IllegalArgumentException(optimizer + ": " + what + " must be in [" + number(lo) + ", "
                    + number(hi) + (hiOpen ? ")" : "]") + ", got " + x);
        return x + 0.0;
    }
}
