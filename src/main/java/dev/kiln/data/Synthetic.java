package dev.kiln.data;

import java.util.List;
import java.util.SplittableRandom;

/** Generated data sets: the article's seed experiment and random sets for benchmarks. */
public final class Synthetic {
    private Synthetic() {}

    /** Rows of the seed experiment's training set. */
    public static final int SEED_TRAIN_ROWS = 1000;
    /** Rows of the seed experiment's test set. */
    public static final int SEED_TEST_ROWS = 100;

    /**
     * The article's dummy data: rows of 3 features uniform in [0, 1), labelled by the index of the largest
     * feature (the first on ties), one-hot over 3 classes; 1000 training rows then 100 test rows, drawn
     * in that order from one generator seeded with {@code seed}.
     */
    public static Dataset.Split seedExperiment(long seed) {
        SplittableRandom rng = new SplittableRandom(Seeds.derive(seed, Seeds.DATA, 0));
        return new Dataset.Split(argmaxSet("seed-train", SEED_TRAIN_ROWS, rng), argmaxSet("seed-test", SEED_TEST_ROWS, rng));
    }

    private static Dataset argmaxSet(String name, int rows, SplittableRandom rng) {
        float[] x = new float[rows * 3];
        int[] y = new int[rows];
        for (int r = 0; r < rows; r++) {
            int best = 0;
            for (int j = 0; j < 3; j++) {
                x[r * 3 + j] = (float) rng.nextDouble();
                if (x[r * 3 + j] > x[r * 3 + best]) best = j;
            }
            y[r] = best;
        }
        return Dataset.ofLabels(name, x, 3, y, 3, List.of("x0", "x1", "x2"), List.of());
    }

    /**
     * A benchmark set: standard normal features (Box-Muller over {@link SplittableRandom}, as torch.randn
     * in spirit) and labels uniform over {@code classes}, one-hot. The labels carry no signal; the set
     * measures speed, not learning.
     */
    public static Dataset randomClassification(int rows, int cols, int classes, long seed) {
        SplittableRandom rng = new SplittableRandom(Seeds.derive(seed, Seeds.DATA, 1));
        float[] x = new float[rows * cols];
        int[] y = new int[rows];
        for (int i = 0; i < x.length; i += 2) {
            double u1 = 1.0 - rng.nextDouble(), u2 = rng.nextDouble();
            double r = StrictMath.sqrt(-2.0 * StrictMath.log(u1)), t = 2.0 * Math.PI * u2;
            x[i] = (float) (r * StrictMath.cos(t));
            if (i + 1 < x.length) x[i + 1] = (float) (r * StrictMath.sin(t));
        }
        for (int r = 0; r < rows; r++) y[r] = rng.nextInt(classes);
        return Dataset.ofLabels("random(" + rows + "x" + cols + ", " + classes + " classes)", x, cols, y, classes, List.of(), List.of());
    }
}
