package dev.kiln.backend.cpu;

/**
 * The Java twin of the counter-based generator in kernels/common/kiln_math.h, bit for bit: each draw is a
 * pure function of (seed, counter), so a dropout mask does not depend on threads, launch geometry or
 * backend. {@code kiln_mix64} is SplitMix64's finaliser (Steele, Lea, Flood 2014); Java's {@code long}
 * arithmetic wraps modulo 2^64 exactly like C's unsigned 64-bit arithmetic, and {@code >>>} is the
 * unsigned shift.
 */
public final class Rng {
    private Rng() {}

    /** SplitMix64's golden gamma, floor(2^64 / phi), odd. */
    public static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    /** kiln_mix64: z ^= z >> 30; z *= 0xBF58476D1CE4E5B9; z ^= z >> 27; z *= 0x94D049BB133111EB; z ^= z >> 31. */
    public static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * kiln_uniform: u = top 24 bits of mix64(seed + (counter + 1) * gamma), times 2^-24; a float in [0, 1)
     * that is exact in float32 (a 24-bit integer fits the significand).
     */
    public static float uniform(long seed, long counter) {
        long x = mix64(seed + (counter + 1L) * GOLDEN_GAMMA);
        return (float) (int) (x >>> 40) * 0x1p-24f;
    }
}
