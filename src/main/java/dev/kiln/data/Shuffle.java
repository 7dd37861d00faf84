package dev.kiln.data;

import java.util.SplittableRandom;

/**
 * The order in which an epoch visits the training rows: a seeded Fisher-Yates permutation (Knuth's
 * Algorithm P, drawing j uniformly from [0, i] for i = n-1 down to 1), seeded from (run seed, epoch)
 * through {@link Seeds}. It runs on the host in plain Java, so every backend sees the same batches, and a
 * resumed run can recompute the order of any epoch from its number alone.
 */
public final class Shuffle {
    private Shuffle() {}

    /** Fills {@code order} with the identity 0, 1, ..., n-1. */
    public static void identity(int[] order) {
        for (int i = 0; i < order.length; i++) order[i] = i;
    }

    /**
     * Fills {@code order} (length n) with the permutation of epoch {@code epoch} of the run seeded with
     * {@code seed}. Writes into the given array; allocates only the generator.
     */
    public static void permutation(long seed, long epoch, int[] order) {
        identity(order);
        SplittableRandom rng = new SplittableRandom(Seeds.derive(seed, Seeds.SHUFFLE, epoch));
        for (int i = order.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }
}
