package dev.kiln.backend.cpu;

import static dev.kiln.backend.cpu.HostCopies.bits;
import static dev.kiln.backend.cpu.HostCopies.down;
import static dev.kiln.backend.cpu.HostCopies.up;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.backend.Activation;
import dev.kiln.backend.DeviceBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The performance paths of the CPU backend give exactly the bits of the plain code they replace: the
 * Vector API activations ({@link VectorKernels}) against the scalar formulas of kiln_math.h, special values
 * included, and the 5 x 16 Vector API GEMM on two threads against the scalar 4 x 8 kernel on one thread on
 * shapes that exercise every blocking edge (uneven k slices, several row blocks, one- and many-panel chunks, edge
 * tiles).
 */
class CpuFastPathTest {
    /** Special values every activation path must treat exactly like the scalar code. */
    private static final float[] SPECIAL = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f,
            Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE, 1e-39f, -3.5f, 2.25f};

    @Test
    void theVectorPathIsTheOneUnderTest() {
        // the surefire argLine loads jdk.incubator.vector, so the fast paths below are the ones compared
        assertTrue(CpuKernels.VECTOR, "jdk.incubator.vector should be loaded in the test JVM");
        assertTrue(CpuGemm.bestKind());
    }

    private static float[] values(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++)
            x[i] = rnd.nextInt(4) == 0 ? SPECIAL[rnd.nextInt(SPECIAL.length)] : (float) (rnd.nextGaussian() * 2);
        return x;
    }

    @Test
    void vectorActivationsMatchTheScalarFormulasBitForBit() {
        Random rnd = new Random(3);
        float slope = 0.1f;
        try (CpuBackend be = new CpuBackend(2)) {
            for (Activation act : new Activation[] {Activation.LINEAR, Activation.RELU, Activation.LEAKY_RELU}) {
                // widths below, at and around the 8-lane vector and a row count that splits into chunks
                for (int cols : new int[] {1, 3, 7, 8, 9, 16, 17, 37, 512}) {
                    int rows = cols == 512 ? 130 : 11;
                    float[] z = values(rnd, rows * cols), bias = values(rnd, cols), dA = values(rnd, rows * cols);
                    float[] wantZ = new float[z.length], wantA = new float[z.length], wantDZ = new float[z.length];
                    for (int r = 0; r < rows; r++) {
                        for (int c = 0; c < cols; c++) {
                            int i = r * cols + c;
                            float v = z[i] + bias[c];
                            wantZ[i] = v;
                            wantA[i] = CpuMath.actForward(act.code(), v, slope);
                            wantDZ[i] = dA[i] * CpuMath.actDerivative(act.code(), v, wantA[i], slope);
                        }
                    }
                    DeviceBuffer dz = up(be, z), db = up(be, bias), da = be.alloc(z.length), ddA = up(be, dA);
                    be.biasActivation(act, slope, dz, db, 0, da, rows, cols);
                    be.activationBackward(act, slope, dz, da, ddA, ddA, rows, cols);   // in place, as the trainer does
                    String what = act + " " + rows + "x" + cols;
                    org.junit.jupiter.api.Assertions.assertArrayEquals(bits(wantZ), bits(down(be, dz)), what + ": Z");
                    org.junit.jupiter.api.Assertions.assertArrayEquals(bits(wantA), bits(down(be, da)), what + ": A");
                    org.junit.jupiter.api.Assertions.assertArrayEquals(bits(wantDZ), bits(down(be, ddA)), what + ": dZ");
                }
            }
        }
    }

    @Test
    void vectorGemmOnTwoThreadsMatchesTheScalarKernelOnOneBitForBit() {
        // {m, n, k}: m = 128 is one row block of 130 rows; 20 x 4200 has four-panel chunks; m = 7, n = 17 are
        // all edge tiles; 1100 rows: two row blocks of 550 (more than MC); 290 x 40: one-panel chunks;
        // k = 9000 cuts into 3 slices of 3000 and k = 4100 into 2 of 2050 (more than KC: merges per slice).
        // Both loop orders are compared here: where a chunk's B panels together fit L2 (kc x panels <= KC) each
        // A panel runs against all of them in turn, else each B panel against all the A panels. Chunks have at
        // most four panels, sixteen for untransposed B in deep slices; the vector GEMM on two threads takes the
        // first order for every shape here but 40 x 512 x 2100 (two-panel chunks, 4200 > KC), 20 x 2000 x 1500
        // and 12 x 4100 x 1100 (seven- and sixteen-panel chunks where B is untransposed, the last ones partial),
        // the scalar GEMM on one thread the second for those and 23 x 40 x 9000 and 64 x 48 x 4100. The
        // untransposed B cases (tB = false) pack the panels row by row in the vector GEMM, panel by panel in the
        // scalar one
        assertTrue(1100 > CpuGemm.MC);
        assertTrue(4100 > CpuGemm.KC && 9000 <= 3 * CpuGemm.KC);
        int[][] shapes = {{128, 512, 784}, {20, 4200, 300}, {7, 17, 600}, {300, 200, 513}, {290, 40, 256}, {1100, 36, 300},
                {23, 40, 9000}, {64, 48, 4100}, {40, 512, 2100}, {20, 2000, 1500}, {12, 4100, 1100}};
        Random rnd = new Random(5);
        try (CpuBackend vec = new CpuBackend(2, true); CpuBackend scalar = new CpuBackend(1, false)) {
            for (int[] s : shapes) {
                int m = s[0], n = s[1], k = s[2];
                for (int t = 0; t < 4; t++) {
                    boolean tA = (t & 1) != 0, tB = (t & 2) != 0;
                    float alpha = t == 3 ? -0.5f : 1f, beta = t >= 2 ? 0.75f : 0f;
                    float[] a = values(rnd, m * k), b = values(rnd, k * n), c = values(rnd, m * n);
                    for (int i = 0; i < a.length; i++) if (!Float.isFinite(a[i])) a[i] = 0.5f;   // keep C finite
                    for (int i = 0; i < b.length; i++) if (!Float.isFinite(b[i])) b[i] = -0.25f;
                    for (int i = 0; i < c.length; i++) if (!Float.isFinite(c[i])) c[i] = 1f;
                    float[] got = gemm(vec, tA, tB, m, n, k, alpha, a, b, beta, c);
                    float[] want = gemm(scalar, tA, tB, m, n, k, alpha, a, b, beta, c);
                    org.junit.jupiter.api.Assertions.assertArrayEquals(bits(want), bits(got),
                            "gemm " + m + "x" + n + "x" + k + " tA=" + tA + " tB=" + tB);
                }
            }
            assertEquals("vector-api 8 lanes, 5x16 micro-kernel".replace("8", Integer.toString(VectorMicroKernel.lanes())),
                    vec.provenance().get("gemm").replace("kiln cpu blocked sgemm: ", ""));
        }
    }

    @Test
    void theKernelCopiesAreTimedThenOneIsKeptAndTheResultsNeverChange() {
        // the vector kernel has independently compiled copies of its loop; CpuGemm rotates chunks through
        // them, then keeps the fastest: before, during and after that choice every product has the same bits
        assertTrue(VectorMicroKernel.COPIES.length >= 1);
        int m = 128, n = 128, k = 64;   // 2.1 MFLOP: large enough to take part in the timing
        Random rnd = new Random(11);
        float[] a = values(rnd, m * k), b = values(rnd, k * n);
        for (int i = 0; i < a.length; i++) if (!Float.isFinite(a[i])) a[i] = 0.5f;
        for (int i = 0; i < b.length; i++) if (!Float.isFinite(b[i])) b[i] = -0.25f;
        float[] want = new float[m * n], got = new float[m * n];
        try (CpuPool one = new CpuPool(1); CpuPool two = new CpuPool(2)) {
            new CpuGemm(one, false).gemm(false, true, m, n, k, 1f, a, 0, k, b, 0, k, 0f, want, 0, n);
            CpuGemm g = new CpuGemm(two, true);
            int expected = VectorMicroKernel.COPIES.length == 1 ? 0 : -1;
            assertEquals(expected, g.chosenCopy(), "copies still to be timed at the start");
            int calls = 0;
            while (g.chosenCopy() < 0 || calls < 50) {
                java.util.Arrays.fill(got, Float.NaN);
                g.gemm(false, true, m, n, k, 1f, a, 0, k, b, 0, k, 0f, got, 0, n);
                org.junit.jupiter.api.Assertions.assertArrayEquals(bits(want), bits(got), "call " + calls);
                calls++;
                assertTrue(calls <= CpuGemm.EXPLORE_CHUNKS * VectorMicroKernel.COPIES.length + 50, "no copy chosen after " + calls + " calls");
                if (calls == 1 && expected < 0) assertEquals(-1, g.chosenCopy(), "one product does not decide");
            }
            assertTrue(g.chosenCopy() < VectorMicroKernel.COPIES.length);
            // a small product never takes part: a fresh GEMM stays undecided however many it runs
            CpuGemm small = new CpuGemm(one, true);
            float[] c = new float[9 * 9];
            for (int i = 0; i < 2000; i++) small.gemm(false, false, 9, 9, 9, 1f, a, 0, 9, b, 0, 9, 0f, c, 0, 9);
            assertEquals(expected, small.chosenCopy());
        }
    }

    private static float[] gemm(CpuBackend be, boolean tA, boolean tB, int m, int n, int k, float alpha,
                                float[] a, float[] b, float beta, float[] c) {
        DeviceBuffer da = up(be, a), db = up(be, b), dc = up(be, c);
        be.gemm(tA, tB, m, n, k, alpha, da, 0, tA ? m : k, db, 0, tB ? k : n, beta, dc, 0, n);
        float[] out = down(be, dc);
        da.close();
        db.close();
        dc.close();
        return out;
    }
}
