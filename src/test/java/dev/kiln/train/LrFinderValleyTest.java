package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * fastai's {@code valley} suggestion (fastai 2.7, callback/schedule.py), against values fastai's own Python
 * code gives for the same lists (the function copied verbatim and run on them in CPython).
 */
class LrFinderValleyTest {
    @Test
    void valleyIsFastais() {
        double[] lrs = new double[30];
        for (int i = 0; i < lrs.length; i++) lrs[i] = 1e-4 * Math.pow(1.2, i);
        double[] losses = {2.3, 2.31, 2.29, 2.2, 2.25, 2.1, 2.0, 1.95, 1.97, 1.8, 1.7, 1.65, 1.5, 1.52, 1.4, 1.3, 1.2, 1.25, 1.1,
            1.0, 0.95, 0.9, 1.0, 1.3, 1.8, 2.5, 3.6, 5.0, 7.0, 9.0};
        // Python: (0.0007430083706879997, 11)
        assertEquals(lrs[11], LrFinder.valley(lrs, losses, 0, lrs.length), 0);
        assertEquals(0.0007430083706879997, lrs[11], 1e-18);
        // the quirk kept: a valley from the first point gives max_start = -1; fastai then takes lrs[0] here
        assertEquals(1, LrFinder.valley(new double[] {1, 2, 3, 4, 5, 6, 7}, new double[] {5, 4, 3, 2, 1, 2, 3}, 0, 7), 0);
        // a window, and a non-finite tail that the sweep stopped on, are respected
        double[] tail = {9, 9, 5, 4, 3, 2, 1, 2, 3, Double.NaN};
        assertEquals(2, LrFinder.valley(new double[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, tail, 2, 10), 0);   // Python: 2
        assertTrue(Double.isNaN(LrFinder.valley(new double[] {1}, new double[] {Double.NaN}, 0, 1)));
    }
}
