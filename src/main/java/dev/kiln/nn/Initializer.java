package dev.kiln.nn;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * How a Dense layer's weights are drawn (biases always start at zero). With fan_in = inputs and
 * fan_out = units:
 * <ul>
 *   <li>{@link #GLOROT_UNIFORM}: U(-l, l), l = sqrt(6 / (fan_in + fan_out)) (Glorot and Bengio 2010; Keras's default);</li>
 *   <li>{@link #HE_UNIFORM}: U(-l, l), l = sqrt(6 / fan_in) (He et al. 2015; Keras HeUniform);</li>
 *   <li>{@link #HE_NORMAL}: normal truncated at two standard deviations, stddev = sqrt(2 / fan_in) / 0.87962566103423978
 *       (Keras HeNormal: the divisor restores the variance the truncation removes);</li>
 *   <li>{@link #ZEROS}: all zero.</li>
 * </ul>
 * Draws are made in double with {@link SplittableRandom} and {@link StrictMath}, then rounded to float,
 * so one seed gives bit-identical weights on every JVM.
 */
public enum Initializer {
    /** U(-l, l), l = sqrt(6 / (fan_in + fan_out)). */
    GLOROT_UNIFORM,
    /** Truncated normal, stddev sqrt(2 / fan_in) after Keras's truncation correction. */
    HE_NORMAL,
    /** U(-l, l), l = sqrt(6 / fan_in). */
    HE_UNIFORM,
    /** All zero. */
    ZEROS;

    /** Standard deviation of the unit normal truncated to [-2, 2] (Keras's correction constant). */
    private static final double TRUNCATED_STD = 0.87962566103423978;

    /** Fills {@code w[off .. off + fanIn*fanOut)} with draws from {@code rng}. */
    public void fill(float[] w, int off, int fanIn, int fanOut, SplittableRandom rng) {
        fill(w, off, fanIn * fanOut, fanIn, fanOut, rng);
    }

    /**
     * Fills {@code w[off .. off + n)} with the next {@code n} draws of a layer with these fans. Each weight is
     * one independent draw in row-major order, so filling a layer in pieces, one after another from the
     * same {@code rng}, gives exactly the values of one {@link #fill(float[], int, int, int, SplittableRandom)}.
     */
    public void fill(float[] w, int off, int n, int fanIn, int fanOut, SplittableRandom rng) {
        switch (this) {
            case GLOROT_UNIFORM -> uniform(w, off, n, Math.sqrt(6.0 / (fanIn + fanOut)), rng);
            case HE_UNIFORM -> uniform(w, off, n, Math.sqrt(6.0 / fanIn), rng);
            case HE_NORMAL -> {
                double std = Math.sqrt(2.0 / fanIn) / TRUNCATED_STD;
                for (int i = 0; i < n; i++) w[off + i] = (float) (std * truncatedNormal(rng));
            }
            case ZEROS -> java.util.Arrays.fill(w, off, off + n, 0f);
        }
    }

    private static void uniform(float[] w, int off, int n, double limit, SplittableRandom rng) {
        for (int i = 0; i < n; i++) w[off + i] = (float) (limit * (2.0 * rng.nextDouble() - 1.0));
    }

    /** A unit normal draw conditioned on |x| <= 2, by rejection from Box-Muller pairs (StrictMath: reproducible). */
    static double truncatedNormal(SplittableRandom rng) {
        while (true) {
            double u1 = rng.nextDouble(), u2 = rng.nextDouble();
            if (u1 <= 0) continue;
            double x = StrictMath.sqrt(-2.0 * StrictMath.log(u1)) * StrictMath.cos(2.0 * Math.PI * u2);
            if (Math.abs(x) <= 2.0) return x;
        }
    }

    /** The text name, e.g. {@code he_normal}. */
    public String spec() { return name().toLowerCase(Locale.ROOT); }

    /** The initializer named {@code text} (case-insensitive), or an error listing the names. */
    public static Initializer parse(String text) {
        for (Initializer i : values()) if (i.spec().equalsIgnoreCase(text.trim())) return i;
        throw new IllegalArgumentException("unknown initializer '" + text + "' (known: glorot_uniform, he_normal, he_uniform, zeros)");
    }
}
