package dev.kiln.data;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SyntheticAndShuffleTest {
    @Test
    void seedExperimentIsTheArticlesData() {
        Dataset.Split s = Synthetic.seedExperiment(1);
        assertEquals(1000, s.train().rows());
        assertEquals(100, s.test().rows());
        for (Dataset d : new Dataset[] {s.train(), s.test()}) {
            assertEquals(3, d.cols());
            assertEquals(3, d.classes());
            float[] x = d.features(), y = d.targets();
            for (int r = 0; r < d.rows(); r++) {
                int arg = 0;
                for (int j = 0; j < 3; j++) {
                    assertTrue(x[r * 3 + j] >= 0f && x[r * 3 + j] < 1f);
                    if (x[r * 3 + j] > x[r * 3 + arg]) arg = j;
                }
                for (int j = 0; j < 3; j++) assertEquals(j == arg ? 1f : 0f, y[r * 3 + j], "row " + r + " of " + d.name());
            }
        }
        assertArrayEquals(s.train().features(), Synthetic.seedExperiment(1).train().features());
        assertFalse(Arrays.equals(s.train().features(), Synthetic.seedExperiment(2).train().features()));
        // uniform features: the class frequencies are each near 1/3
        int[] counts = new int[3];
        for (int l : s.train().labels()) counts[l]++;
        for (int c : counts) assertTrue(c > 280 && c < 390, Arrays.toString(counts));
    }

    @Test
    void randomClassificationIsStandardNormal() {
        Dataset d = Synthetic.randomClassification(2000, 5, 4, 3);
        double sum = 0, sq = 0;
        for (float v : d.features()) {
            sum += v;
            sq += v * v;
        }
        int n = d.features().length;
        assertEquals(0, sum / n, 0.05);
        assertEquals(1, sq / n, 0.05);
        assertEquals(4, d.classes());
    }

    @Test
    void shuffleIsASeededPermutationPerEpoch() {
        int[] a = new int[1000], b = new int[1000], c = new int[1000];
        Shuffle.permutation(5, 0, a);
        Shuffle.permutation(5, 0, b);
        Shuffle.permutation(5, 1, c);
        assertArrayEquals(a, b);
        assertFalse(Arrays.equals(a, c));
        int[] sorted = a.clone();
        Arrays.sort(sorted);
        int[] id = new int[1000];
        Shuffle.identity(id);
        assertArrayEquals(id, sorted);
        assertFalse(Arrays.equals(a, id));
        // Fisher-Yates is uniform: position 0 takes each value equally often over many epochs
        int[] hits = new int[4];
        int[] small = new int[4];
        for (int e = 0; e < 4000; e++) {
            Shuffle.permutation(9, e, small);
            hits[small[0]]++;
        }
        for (int h : hits) assertTrue(Math.abs(h - 1000) < 120, Arrays.toString(hits));
    }
}
