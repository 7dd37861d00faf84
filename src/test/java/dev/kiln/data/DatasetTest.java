package dev.kiln.data;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Integer-label data sets: validation, the one-hot view, and slices that keep the labels. */
class DatasetTest {
    private static final float[] X = {1, 2, 3, 4, 5, 6, 7, 8};

    @Test
    void labelsAreHeldAsIntsAndViewedAsOneHotRows() {
        Dataset d = Dataset.ofLabels("t", X, 2, new int[] {2, 0, 1, 2}, 3, List.of(), List.of("a", "b", "c"));
        assertEquals(4, d.rows());
        assertEquals(3, d.targetCols());
        assertTrue(d.isClassification());
        assertArrayEquals(new int[] {2, 0, 1, 2}, d.integerLabels());
        assertArrayEquals(new float[] {0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1}, d.targets());
        int[] copy = d.labels();
        copy[0] = 9;
        assertEquals(2, d.integerLabels()[0], "labels() is a copy");
    }

    @Test
    void slicesAndSplitsKeepTheLabels() {
        Dataset d = Dataset.ofLabels("t", X, 2, new int[] {2, 0, 1, 2}, 3, List.of(), List.of());
        Dataset s = d.slice(1, 3);
        assertArrayEquals(new int[] {0, 1}, s.integerLabels());
        assertArrayEquals(new float[] {3, 4, 5, 6}, s.features());
        Dataset.Split split = d.splitLast(0.25);
        assertArrayEquals(new int[] {2, 0, 1}, split.train().integerLabels());
        assertArrayEquals(new int[] {2}, split.test().integerLabels());
        assertArrayEquals(new int[] {2, 0, 1, 2}, d.withFeatures(new float[8]).integerLabels());
    }

    @Test
    void validationSplitCountsRowsAsKerasDoes() {
        // n, fraction, Keras's training rows int(math.floor(n * (1.0 - fraction))), printed by Python; the old
        // count, n - floor(n * fraction), kept one row too many for validation wherever n * fraction is fractional
        double[][] cases = {{1797, 0.2, 1437}, {1000, 0.2, 800}, {10, 0.3, 7}, {10, 0.7, 3}, {100, 0.29, 71},
                {60000, 1.0 / 6, 50000}, {7, 0.1, 6}, {49, 0.1, 44}, {1797, 0.15, 1527}};
        for (double[] c : cases) {
            int n = (int) c[0];
            float[] x = new float[n];
            for (int i = 0; i < n; i++) x[i] = i;
            Dataset d = Dataset.ofLabels("n" + n, x, 1, new int[n], 1, List.of(), List.of());
            Dataset.Split s = d.splitLast(c[1]);
            assertEquals((int) c[2], s.train().rows(), n + " rows at " + c[1]);
            assertEquals(n - (int) c[2], s.test().rows(), n + " rows at " + c[1]);
            assertEquals(c[2], s.test().features()[0], "the validation rows are the last ones");
        }
    }

    @Test
    void aLabelOutsideTheClassesNamesItsRow() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Dataset.ofLabels("t", X, 2, new int[] {0, 1, 3, 0}, 3, List.of(), List.of()));
        assertEquals("t: row 2: label 3 is not in [0, 3)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Dataset.ofLabels("t", X, 2, new int[] {0, 1, 2}, 3, List.of(), List.of()));
        assertEquals("t: 3 labels for 4 rows", e.getMessage());
    }

    @Test
    void generatorsMakeIntegerLabels() {
        Dataset r = Synthetic.randomClassification(100, 4, 7, 1);
        assertEquals(100, r.integerLabels().length);
        for (int l : r.integerLabels()) assertTrue(l >= 0 && l < 7);
        Dataset seed = Synthetic.seedExperiment(0).train();
        assertNotNull(seed.integerLabels());
        // the article's label is the argmax of the three features
        float[] x = seed.features();
        for (int i = 0; i < seed.rows(); i++) {
            int best = 0;
            for (int j = 1; j < 3; j++) if (x[i * 3 + j] > x[i * 3 + best]) best = j;
            assertEquals(best, seed.integerLabels()[i], "row " + i);
        }
    }
}
