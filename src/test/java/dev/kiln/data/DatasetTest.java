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
