package dev.kiln.data;

/**
 * Derives independent 64-bit seeds from one run seed, so that every random stream of a run (weight
 * initialisation of each layer, the shuffle of each epoch, dropout masks) is a pure function of
 * (seed, purpose, index) and can be recomputed on resume without replaying earlier draws.
 *
 * <p>The mixer is SplitMix64's finaliser (Steele, Lea, Flood 2014, "Fast splittable pseudorandom number
 * generators"): {@code derive = mix64(mix64(seed + (purpose+1) G) + (index+1) G)} with G the golden gamma
 * 0x9E3779B97F4A7C15. It is plain Java long arithmetic, so every JVM and backend derives the same seeds.
 */
public final class Seeds {
    private Seeds() {}

    /** Purpose of the weight-initialisation streams (index = Dense layer). */
    public static final long INIT = 1;
    /** Purpose of the per-epoch shuffle streams (index = epoch). */
    public static final long SHUFFLE = 2;
    /** Purpose of the dropout mask seed (index 0). */
    public static final long DROPOUT = 3;
    /** Purpose of synthetic data streams. */
    public static final long DATA = 4;

    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    /** The seed of stream {@code index} of {@code purpose} in the run seeded with {@code seed}. */
    public static long derive(long seed, long purpose, long index) {
        return mix64(mix64(seed + (purpose + 1) * GOLDEN) + (index + 1) * GOLDEN);
    }

    /** SplitMix64's output function (variant 13 of Stafford's mixers). */
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
