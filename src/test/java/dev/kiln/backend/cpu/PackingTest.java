package dev.kiln.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Packing only moves floats: {@link VectorPacking} writes exactly the panels of the plain {@link Packing}, and
 * those are op(B) laid out as {@link MicroKernel} reads them, zero past the matrix edge.
 */
class PackingTest {
    private static final int NR = 16;

    @Test
    void vectorPackingWritesThePlainPanelsForEveryCase() {
        assertTrue(VectorPacking.usable(), "the test JVM has 256-bit vectors");
        Random rnd = new Random(7);
        Packing plain = new Packing(), vector = new VectorPacking();
        // {kc, cols}: below and at MIN_K, whole and partial panels, one panel and the four of a chunk
        int[][] shapes = {{1, 16}, {31, 64}, {32, 64}, {33, 50}, {100, 16}, {257, 64}, {64, 7}, {40, 33}};
        for (int[] sh : shapes) {
            int kc = sh[0], cols = sh[1], panels = (cols + NR - 1) / NR;
            for (boolean trans : new boolean[] {false, true}) {
                // a block inside a larger stored matrix, so that ld and off matter
                int ld = (trans ? kc : cols) + 5, rows = trans ? cols : kc, off = 3 * ld + 2;
                float[] b = new float[off + rows * ld];
                for (int i = 0; i < b.length; i++) b[i] = rnd.nextFloat() - 0.5f;
                float[] want = new float[panels * kc * NR], got = new float[want.length];
                Arrays.fill(want, Float.NaN);
                Arrays.fill(got, Float.NaN);
                plain.packBPanels(trans, b, off, ld, kc, cols, NR, want);
                vector.packBPanels(trans, b, off, ld, kc, cols, NR, got);
                String what = "kc=" + kc + " cols=" + cols + " trans=" + trans;
                assertArrayEquals(want, got, what);
                for (int q = 0; q < panels; q++) {
                    for (int p = 0; p < kc; p++) {
                        for (int j = 0; j < NR; j++) {
                            int col = q * NR + j;
                            float expected = col >= cols ? 0f : trans ? b[off + col * ld + p] : b[off + p * ld + col];
                            assertEquals(expected, want[q * kc * NR + p * NR + j], what + " panel " + q + " p " + p + " j " + j);
                        }
                    }
                }
            }
        }
    }
}
