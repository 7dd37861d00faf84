package dev.kiln.optim;

import dev.kiln.backend.UpdateScalars;
import java.util.Locale;

/**
 * Gradient clipping before every optimizer step, applied inside the fused update kernel:
 * <pre>
 *   scale = min(1, max_norm / (||g||_2 + 1e-6))      over all parameters (torch.nn.utils.clip_grad_norm_)
 *   g'    = clamp(g scale, -clip_value, clip_value)  element-wise        (torch.nn.utils.clip_grad_value_)
 * </pre>
 * The global norm comes from {@code Backend.sumSquares} into {@code stats[GRAD_SQ]} on the device, so nothing
 * is read back. 0 turns either part off.
 *
 * <p>Text form: {@code none}, or {@code max_norm=1}, {@code clip_value=0.5}, or both joined by a comma
 * ({@code max_norm=1,clip_value=0.5}); {@link #spec()} prints it and it parses back equal.
 *
 * @param maxNorm   the largest global L2 norm of the gradient; 0 for no norm clipping
 * @param clipValue the largest absolute value of a gradient element; 0 for no value clipping
 */
public record Clipping(double maxNorm, double clipValue) {

    /** No clipping. */
    public static final Clipping NONE = new Clipping(0, 0);

    /**
     * Checks that both limits are finite and >= 0 (a one-line {@link IllegalArgumentException} names the bad one); -0.0
     * becomes 0.0.
     */
    public Clipping {
        maxNorm = OptimizerSpec.nonNegative("clipping", "max_norm", maxNorm);
        clipValue = OptimizerSpec.nonNegative("clipping", "clip_value", clipValue);
    }

    /** Clipping by global norm only. */
    public static Clipping byNorm(double maxNorm) { return new Clipping(maxNorm, 0); }

    /** Clipping by value only. */
    public static Clipping byValue(double clipValue) { return new Clipping(0, clipValue); }

    /** Whether either part is on. */
    public boolean enabled() { return maxNorm > 0 || clipValue > 0; }

    /** Writes the clipping fields of the update kernel's scalars (and nothing else). */
    public void applyTo(UpdateScalars out) {
        out.maxNorm = (float) maxNorm;
        out.clipValue = (float) clipValue;
    }

    /** The text form: {@code none}, {@code max_norm=1}, {@code clip_value=0.5} or both. */
    public String spec() {
        if (!enabled()) return "none";
        String norm = maxNorm > 0 ? "max_norm=" + OptimizerSpec.number(maxNorm) : "";
        String value = clipValue > 0 ? "clip_value=" + OptimizerSpec.number(clipValue) : "";
        return norm.isEmpty() ? value : value.isEmpty() ? norm : norm + "," + value;
    }

    /** Parses the text form; errors quote the text and name the bad token. */
    public static Clipping parse(String text) {
        if (text == null || text.isBlank()) throw new IllegalArgumentException("clipping spec is empty");
        String t = text.strip();
        if (t.equalsIgnoreCase("none")) return NONE;
        double norm = 0, value = 0;
        boolean seenNorm = false, seenValue = false;
        for (String token : t.split(",", -1)) {
            String tok = token.strip();
            int eq = tok.indexOf('=');
            String key = (eq < 0 ? tok : tok.substring(0, eq)).strip().toLowerCase(Locale.ROOT);
            if (eq < 0)
                throw bad(t, "option '" + tok + "' needs a value, as max_norm=1 or clip_value=0.5");
            String v = tok.substring(eq + 1).strip();
            double x;
            try {
                x = Double.parseDouble(v);
            } catch (NumberFormatException e) {
                throw bad(t, "bad value '" + v + "' for " + key + ": not a number");
            }
            if (!Double.isFinite(x) || x < 0) throw bad(t, "bad value '" + v + "' for " + key + ": want a finite number >= 0");
            switch (key) {
                case "max_norm" -> {
                    if (seenNorm) throw bad(t, "option 'max_norm' given twice");
                    seenNorm = true;
                    norm = x;
                }
                case "clip_value" -> {
                    if (seenValue) throw bad(t, "option 'clip_value' given twice");
                    seenValue = true;
                    value = x;
                }
                default -> throw bad(t, "unknown option '" + key + "' (known: max_norm, clip_value, or 'none')");
            }
        }
        return new Clipping(norm, value);
    }

    private static IllegalArgumentException bad(String text, String what) {
        return new IllegalArgumentException("clipping '" + text + "': " + what);
    }
}
