package dev.kiln.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static dev.kiln.backend.cpu.HostCopies.down;
import static dev.kiln.backend.cpu.HostCopies.up;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.Tolerance;
import dev.kiln.backend.Activation;
import dev.kiln.backend.Backend;
import dev.kiln.backend.BackendException;
import dev.kiln.backend.BackendProvider;
import dev.kiln.backend.Backends;
import dev.kiln.backend.DeviceBuffer;
import dev.kiln.backend.LossKind;
import dev.kiln.backend.ReferenceOps;
import dev.kiln.backend.Stats;
import dev.kiln.backend.Tolerances;
import dev.kiln.backend.UpdateRule;
import dev.kiln.backend.UpdateScalars;
import java.util.Random;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The CPU backend against the double-precision {@link ReferenceOps}: every op, finite-difference gradient
 * checks of every activation and loss, the dropout hash against an independent BigInteger computation, and
 * bit-identical results for 1 and 2 threads.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CpuBackendTest {
    private CpuBackend cpu;

    @BeforeAll
    void open() { cpu = new CpuBackend(2); }

    @AfterAll
    void close() { cpu.close(); }

    private DeviceBuffer buf(float[] x) {
        DeviceBuffer b = cpu.alloc(x.length);
        cpu.upload(x, 0, b, 0, x.length);
        return b;
    }

    private float[] get(DeviceBuffer b) {
        float[] x = new float[(int) b.length()];
        cpu.download(b, 0, x, 0, x.length);
        return x;
    }

    private static float[] uniform(Random r, int n, double lo, double hi) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (lo + (hi - lo) * r.nextDouble());
        return x;
    }

    // ---- GEMM -------------------------------------------------------------------------------------------

    @Test
    void gemmMatchesNaiveDoubleLoop() {
        int[][] shapes = {{1, 1, 1}, {31, 31, 31}, {33, 33, 33}, {257, 31, 33}, {1, 257, 33},
                {33, 1, 257}, {31, 257, 1}, {100, 70, 300}, {5, 600, 40}};
        Random rnd = new Random(1);
        for (int[] s : shapes) {
            for (int t = 0; t < 4; t++) {
                boolean tA = (t & 1) != 0, tB = (t & 2) != 0;
                checkGemm(cpu, rnd, s[0], s[1], s[2], tA, tB, 1f, 0f);
                checkGemm(cpu, rnd, s[0], s[1], s[2], tA, tB, -0.75f, 1.25f);
            }
        }
        // 257^3 (edge tiles everywhere, split over both threads): two cases keep it quick
        checkGemm(cpu, rnd, 257, 257, 257, false, false, 1f, 0f);
        checkGemm(cpu, rnd, 257, 257, 257, true, true, 0.5f, -1f);
        // k deeper than a slice (KC): three slices of 2767, merged into C one after another
        assertTrue(8300 > 2 * CpuGemm.KC);
        checkGemm(cpu, rnd, 9, 20, 8300, false, true, 1f, 0f);
        checkGemm(cpu, rnd, 9, 20, 8300, true, false, -0.75f, 1.25f);
    }

    /** One GEMM with offsets and padded leading dimensions against ReferenceOps, over the whole C buffer. */
    static void checkGemm(Backend be, Random rnd, int m, int n, int k, boolean tA, boolean tB, float alpha, float beta) {
        int lda = (tA ? m : k) + 2, ldb = (tB ? k : n) + 3, ldc = n + 4, aOff = 3, bOff = 1, cOff = 6;
        float[] a = uniform(rnd, aOff + (tA ? k : m) * lda, -1, 1);
        float[] b = uniform(rnd, bOff + (tB ? n : k) * ldb, -1, 1);
        float[] c = uniform(rnd, cOff + m * ldc, -1, 1);
        if (beta == 0f) for (int i = 0; i < m; i++) java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, Float.NaN);
        double[] want = ReferenceOps.gemm(tA, tB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        DeviceBuffer da = be.alloc(a.length), db = be.alloc(b.length), dc = be.alloc(c.length);
        be.upload(a, 0, da, 0, a.length);
        be.upload(b, 0, db, 0, b.length);
        be.upload(c, 0, dc, 0, c.length);
        be.gemm(tA, tB, m, n, k, alpha, da, aOff, lda, db, bOff, ldb, beta, dc, cOff, ldc);
        float[] got = new float[c.length];
        be.download(dc, 0, got, 0, c.length);
        Tolerances.gemm(k).assertClose("gemm " + m + "x" + n + "x" + k + " tA=" + tA + " tB=" + tB
                + " alpha=" + alpha + " beta=" + beta, want, Tolerance.toDouble(got));
        da.close();
        db.close();
        dc.close();
    }

    @Test
    void gemmDegenerateCases() {
        float[] c0 = {Float.NaN, 2f, 3f, 4f};
        DeviceBuffer a = buf(new float[] {Float.NaN, 1f}), b = buf(new float[] {1f, Float.POSITIVE_INFINITY}), c = buf(c0);
        cpu.gemm(false, false, 2, 2, 0, 1f, a, 0, 1, b, 0, 2, 0f, c, 0, 2);
        assertArrayEquals(new float[] {0, 0, 0, 0}, get(c), "k = 0, beta = 0: C = 0 even where it was NaN");
        cpu.upload(new float[] {1, 2, 3, 4}, 0, c, 0, 4);
        cpu.gemm(false, false, 2, 2, 1, 0f, a, 0, 1, b, 0, 2, 2f, c, 0, 2);
        assertArrayEquals(new float[] {2, 4, 6, 8}, get(c), "alpha = 0: C = beta C, A and B unread (NaN, Inf)");
        cpu.gemm(false, false, 0, 2, 1, 1f, a, 0, 1, b, 0, 2, 0f, c, 0, 2);
        assertArrayEquals(new float[] {2, 4, 6, 8}, get(c), "m = 0 touches nothing");
        BackendException e = assertThrows(BackendException.class,
                () -> cpu.gemm(false, false, 2, 2, 2, 1f, a, 0, 2, b, 0, 2, 0f, c, 0, 2));
        assertTrue(e.getMessage().contains("A (2 x 2, ld 2)"), e.getMessage());
        e = assertThrows(BackendException.class, () -> cpu.gemm(false, false, 2, 2, 1, 1f, a, 0, 1, b, 0, 1, 0f, c, 0, 2));
        assertTrue(e.getMessage().contains("ldb = 1"), e.getMessage());
        e = assertThrows(BackendException.class, () -> cpu.gemm(false, false, 1, 1, 1, 1f, c, 0, 1, b, 0, 1, 0f, c, 0, 1));
        assertTrue(e.getMessage().contains("overlaps"), e.getMessage());
        a.close();
        b.close();
        c.close();
    }

    @Test
    void scalarGemmPathMatchesReferenceAndVectorBits() {
        Random rnd = new Random(2);
        try (CpuBackend scalar = new CpuBackend(2, false)) {
            assertTrue(scalar.provenance().get("gemm").contains("scalar"), scalar.provenance().toString());
            for (int[] s : new int[][] {{1, 1, 1}, {33, 31, 257}}) {
                for (int t = 0; t < 4; t++) checkGemm(scalar, rnd, s[0], s[1], s[2], (t & 1) != 0, (t & 2) != 0, 1.5f, -0.5f);
            }
            if (CpuBackend.vectorAvailable()) {
                // both kernels run the same FMA chain per element: identical bits whatever their tile widths
                try (CpuBackend vector = new CpuBackend(1, true)) {
                    for (int t = 0; t < 4; t++) {
                        long seed = 100 + t;
                        assertArrayEquals(gemmBits(vector, seed, (t & 1) != 0, (t & 2) != 0),
                                gemmBits(scalar, seed, (t & 1) != 0, (t & 2) != 0), "scalar vs vector kernel, transposes " + t);
                    }
                }
            }
        }
    }

    private static float[] gemmBits(Backend be, long seed, boolean tA, boolean tB) {
        int m = 37, n = 50, k = 4200;   // two k slices (KC = 4096), edge tiles in both directions
        Random rnd = new Random(seed);
        float[] a = uniform(rnd, m * k, -1, 1), b = uniform(rnd, k * n, -1, 1), c = uniform(rnd, m * n, -1, 1);
        DeviceBuffer da = be.alloc(a.length), db = be.alloc(b.length), dc = be.alloc(c.length);
        be.upload(a, 0, da, 0, a.length);
        be.upload(b, 0, db, 0, b.length);
        be.upload(c, 0, dc, 0, c.length);
        be.gemm(tA, tB, m, n, k, 0.5f, da, 0, tA ? m : k, db, 0, tB ? k : n, 2f, dc, 0, n);
        float[] out = new float[c.length];
        be.download(dc, 0, out, 0, out.length);
        return out;
    }

    // ---- activations ----------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(Activation.class)
    void biasActivationMatchesReference(Activation act) {
        Random rnd = new Random(3);
        int rows = 37, cols = 29;
        float[] z = uniform(rnd, rows * cols, -5, 5), bias = uniform(rnd, cols + 2, -1, 1);
        double[][] want = ReferenceOps.biasActivation(act, 0.2, z, bias, 2, rows, cols);
        DeviceBuffer dz = buf(z), db = buf(bias), da = cpu.alloc(rows * cols);
        cpu.biasActivation(act, 0.2f, dz, db, 2, da, rows, cols);
        Tolerances.EXACT.assertClose(act + " Z + bias", want[0], Tolerance.toDouble(get(dz)));
        Tolerance.ELEMENTWISE.assertClose(act + " A", want[1], Tolerance.toDouble(get(da)));
        dz.close();
        db.close();
        da.close();
    }

    @ParameterizedTest
    @EnumSource(Activation.class)
    void activationBackwardMatchesReference(Activation act) {
        Random rnd = new Random(4);
        int rows = 23, cols = 41;
        float[] z = uniform(rnd, rows * cols, -4, 4), dA = uniform(rnd, rows * cols, -1, 1);
        DeviceBuffer dz = buf(z), zeroBias = cpu.alloc(cols), da = cpu.alloc(rows * cols), ddA = buf(dA);
        cpu.biasActivation(act, 0.2f, dz, zeroBias, 0, da, rows, cols);
        double[] want = ReferenceOps.activationBackward(act, 0.2, z, get(da), dA, rows, cols);
        cpu.activationBackward(act, 0.2f, dz, da, ddA, ddA, rows, cols);   // in place: dZ is dA
        Tolerance.ELEMENTWISE.assertClose(act + " dZ", want, Tolerance.toDouble(get(ddA)));
        dz.close();
        zeroBias.close();
        da.close();
        ddA.close();
    }

    /**
     * d act / dz by central differences of the double reference forward (h = 1e-6, error O(h^2)) against the
     * backend's activationBackward with dA = 1 (element-wise) or the gradient of sum_i w_i softmax(z)_i.
     */
    @ParameterizedTest
    @EnumSource(Activation.class)
    void activationGradientMatchesFiniteDifferences(Activation act) {
        Random rnd = new Random(5);
        int rows = 4, cols = 9;
        float[] z = uniform(rnd, rows * cols, -3, 3);
        for (int i = 0; i < z.length; i++) if (Math.abs(z[i]) < 1e-2) z[i] = 0.5f;   // away from the kinks
        float[] w = act == Activation.SOFTMAX ? uniform(rnd, rows * cols, -1, 1) : new float[rows * cols];
        if (act != Activation.SOFTMAX) java.util.Arrays.fill(w, 1f);
        DeviceBuffer dz = buf(z), zeroBias = cpu.alloc(cols), da = cpu.alloc(rows * cols), dw = buf(w), out = cpu.alloc(rows * cols);
        cpu.biasActivation(act, 0.2f, dz, zeroBias, 0, da, rows, cols);
        cpu.activationBackward(act, 0.2f, dz, da, dw, out, rows, cols);
        float[] got = get(out);
        double h = 1e-6;
        double[] fd = new double[z.length];
        for (int i = 0; i < z.length; i++) {
            int row = i / cols;
            int idx = i;
            DoubleUnaryOperator f = v -> {
                if (act != Activation.SOFTMAX) return ReferenceOps.act(act, v, 0.2);
                double[] zr = new double[cols], p = new double[cols];
                for (int c = 0; c < cols; c++) zr[c] = z[row * cols + c];
                zr[idx - row * cols] = v;
                ReferenceOps.softmaxRow(zr, 0, cols, p);
                double s = 0;
                for (int c = 0; c < cols; c++) s += w[row * cols + c] * p[c];
                return s;
            };
            fd[i] = (f.applyAsDouble(z[i] + h) - f.applyAsDouble(z[i] - h)) / (2 * h);
        }
        Tolerances.FINITE_DIFFERENCE.assertClose(act + " derivative vs finite differences", fd, Tolerance.toDouble(got));
        for (DeviceBuffer b : new DeviceBuffer[] {dz, zeroBias, da, dw, out}) b.close();
    }

    @Test
    void erfMatchesKnownValuesAndTheIndependentReference() {
        // erf to 16 digits (Abramowitz and Stegun table 7.1; DLMF 7.2)
        double[][] known = {{0.1, 0.1124629160182849}, {0.5, 0.5204998778130465}, {0.9, 0.7969082124228322},
                {1.0, 0.8427007929497149}, {1.5, 0.9661051464753108}, {2.0, 0.9953222650189527},
                {3.0, 0.9999779095030014}, {-0.5, -0.5204998778130465}, {1e-10, 1.1283791670955126e-10}};
        Tolerance t = new Tolerance(1e-16, 1e-15);
        for (double[] kv : known) {
            t.assertClose("CpuMath.erf(" + kv[0] + ")", kv[1], CpuMath.erf(kv[0]));
            t.assertClose("ReferenceOps.erf(" + kv[0] + ")", kv[1], ReferenceOps.erf(kv[0]));
        }
        for (double x = -7; x <= 7; x += 0.01) {
            new Tolerance(1e-15, 1e-13).assertClose("erf(" + x + ") two ways", ReferenceOps.erf(x), CpuMath.erf(x));
        }
        assertEquals(1.0, CpuMath.erf(Double.POSITIVE_INFINITY));
        assertTrue(Double.isNaN(CpuMath.erf(Double.NaN)));
    }

    // ---- losses ------------------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(LossKind.class)
    void lossMatchesReferenceAndAccumulatesStats(LossKind kind) {
        Random rnd = new Random(6);
        int rows = 50, cols = kind == LossKind.BINARY_CROSS_ENTROPY ? 1 : 7;
        float[] x = uniform(rnd, rows * cols, -6, 6), y = targets(rnd, kind, rows, cols);
        double[] grad = new double[rows * cols];
        double want = ReferenceOps.loss(kind, x, y, rows, cols, 1.0 / rows, grad)[0];
        DeviceBuffer dx = buf(x), dy = buf(y), dg = cpu.alloc(rows * cols), st = buf(new float[] {10, 1, 2, 3, 4, 5, 6, 7});
        // the kind reads Z (fused) or A (MSE); give the other buffer garbage to prove it is not read
        DeviceBuffer junk = buf(uniform(rnd, rows * cols, 100, 200));
        DeviceBuffer z = kind == LossKind.MSE ? junk : dx, a = kind == LossKind.MSE ? dx : junk;
        cpu.loss(kind, z, a, dy, rows, cols, 1f / rows, dg, st);
        float[] s = get(st);
        Tolerance.ELEMENTWISE.assertClose(kind + " LOSS_SUM", 10 + want, s[Stats.LOSS_SUM]);
        Tolerance.ELEMENTWISE.assertClose(kind + " STEP_LOSS", 5 + want, s[Stats.STEP_LOSS]);
        assertEquals(4f + rows, s[Stats.ROWS], "ROWS += rows");
        assertEquals(1f, s[Stats.CORRECT]);
        assertEquals(2f, s[Stats.GRAD_SQ]);
        Tolerances.lossGrad(1.0 / rows).assertClose(kind + " gradient", grad, Tolerance.toDouble(get(dg)));
        cpu.loss(kind, z, a, dy, rows, cols, 1f / rows, null, st);   // no gradient: only the stats move
        Tolerance.ELEMENTWISE.assertClose(kind + " LOSS_SUM twice", 10 + 2 * want, get(st)[Stats.LOSS_SUM]);
        for (DeviceBuffer b : new DeviceBuffer[] {dx, dy, dg, st, junk}) b.close();
    }

    private static float[] targets(Random rnd, LossKind kind, int rows, int cols) {
        float[] y = new float[rows * cols];
        switch (kind) {
            case SOFTMAX_CROSS_ENTROPY -> { for (int r = 0; r < rows; r++) y[r * cols + rnd.nextInt(cols)] = 1f; }
            case BINARY_CROSS_ENTROPY -> { for (int i = 0; i < y.length; i++) y[i] = rnd.nextInt(2); }
            case MSE -> y = uniform(rnd, rows * cols, -1, 1);
        }
        return y;
    }

    /** The loss gradient against central differences of the double reference loss (scaled by 1/rows). */
    @ParameterizedTest
    @EnumSource(LossKind.class)
    void lossGradientMatchesFiniteDifferences(LossKind kind) {
        Random rnd = new Random(7);
        int rows = 5, cols = 4;
        float[] x = uniform(rnd, rows * cols, -3, 3);
        float[] y = kind == LossKind.SOFTMAX_CROSS_ENTROPY ? DoubleSoft.probabilities(rnd, rows, cols)
                : kind == LossKind.BINARY_CROSS_ENTROPY ? uniform(rnd, rows * cols, 0, 1) : uniform(rnd, rows * cols, -1, 1);
        DeviceBuffer dx = buf(x), dy = buf(y), dg = cpu.alloc(rows * cols), st = cpu.alloc(Stats.SIZE);
        cpu.loss(kind, dx, dx, dy, rows, cols, 1f / rows, dg, st);
        double h = 1e-6;
        double[] fd = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            int r = i / cols;
            double[] xr = new double[cols], yr = new double[cols];
            for (int c = 0; c < cols; c++) {
                xr[c] = x[r * cols + c];
                yr[c] = y[r * cols + c];
            }
            int c = i - r * cols;
            xr[c] = x[i] + h;
            double up = ReferenceOps.rowLoss(kind, xr, yr);
            xr[c] = x[i] - h;
            double down = ReferenceOps.rowLoss(kind, xr, yr);
            fd[i] = (up - down) / (2 * h) / rows;
        }
        new Tolerance(Tolerances.FINITE_DIFFERENCE.abs() / rows, Tolerances.FINITE_DIFFERENCE.rel())
                .assertClose(kind + " gradient vs finite differences", fd, Tolerance.toDouble(get(dg)));
        for (DeviceBuffer b : new DeviceBuffer[] {dx, dy, dg, st}) b.close();
    }

    /** Soft targets for the finite-difference check (rows of positive numbers summing to 1). */
    private static final class DoubleSoft {
        static float[] probabilities(Random rnd, int rows, int cols) {
            float[] y = uniform(rnd, rows * cols, 0.05, 1);
            for (int r = 0; r < rows; r++) {
                float s = 0;
                for (int c = 0; c < cols; c++) s += y[r * cols + c];
                for (int c = 0; c < cols; c++) y[r * cols + c] /= s;
            }
            return y;
        }
    }

    @Test
    void countCorrectKnownCases() {
        // argmax with ties (first index wins) and the one-column threshold rule
        float[] a = {0.2f, 0.5f, 0.3f, /**/ 0.4f, 0.4f, 0.2f, /**/ 0.1f, 0.1f, 0.8f, /**/ 0.3f, 0.3f, 0.4f};
        float[] y = {0, 1, 0, /**/ 1, 0, 0, /**/ 0, 1, 0, /**/ 0, 0, 1};
        DeviceBuffer da = buf(a), dy = buf(y), st = buf(new float[] {0, 2, 0, 0, 0, 0, 0, 0});
        cpu.countCorrect(da, dy, 4, 3, st);
        assertEquals(2f + 3, get(st)[Stats.CORRECT], "rows 0, 1 (tie -> first) and 3 are right");
        assertEquals(ReferenceOps.countCorrect(a, y, 4, 3), 3);
        DeviceBuffer a1 = buf(new float[] {0.5f, 0.49f, 0.9f, 0.1f}), y1 = buf(new float[] {1, 0, 0, 0});
        cpu.countCorrect(a1, y1, 4, 1, st);
        assertEquals(5f + 3, get(st)[Stats.CORRECT], "one column: 0.5 >= 0.5, 0.49 < 0.5, 0.9 vs 0 wrong, 0.1 right");
        for (DeviceBuffer b : new DeviceBuffer[] {da, dy, st, a1, y1}) b.close();
    }

    @Test
    void biasGradMatchesReference() {
        Random rnd = new Random(8);
        for (int[] s : new int[][] {{1, 1}, {50, 9}, {1000, 600}}) {
            float[] dz = uniform(rnd, s[0] * s[1], -1, 1);
            DeviceBuffer d = buf(dz), db = buf(uniform(rnd, s[1] + 3, 5, 6));
            cpu.biasGrad(d, s[0], s[1], db, 3);
            float[] got = get(db);
            Tolerance.ELEMENTWISE.assertClose("biasGrad " + s[0] + "x" + s[1], ReferenceOps.biasGrad(dz, s[0], s[1]),
                    Tolerance.toDouble(java.util.Arrays.copyOfRange(got, 3, got.length)));
            d.close();
            db.close();
        }
    }

    // ---- dropout -----------------------------------------------------------------------------------------

    @Test
    void rngMatchesSplitMix64AndTheBigIntegerHash() {
        // SplitMix64 from state 0: the first output is mix64(0 + gamma) = 0xE220A8397B1DCDAF
        assertEquals(0xE220A8397B1DCDAFL, Rng.mix64(Rng.GOLDEN_GAMMA));
        assertEquals(0xE220A8 * 0x1p-24f, Rng.uniform(0, 0));
        long[][] cases = {{0, 0}, {1, 2}, {-1, -1}, {Long.MIN_VALUE, Long.MAX_VALUE}, {123456789, 1L << 50}};
        for (long[] c : cases) {
            for (int i = 0; i < 50; i++) {
                assertEquals((float) ReferenceOps.uniform(c[0], c[1] + i), Rng.uniform(c[0], c[1] + i),
                        "uniform(" + c[0] + ", " + (c[1] + i) + ")");
            }
        }
    }

    @Test
    void dropoutMaskIsTheHashAndKeepsAboutOneMinusP() {
        int n = 100_000;
        float p = 0.3f;
        long seed = 987654321L, counter = 5_000_000_000L;
        Random rnd = new Random(9);
        float[] x = uniform(rnd, n, -1, 1);
        DeviceBuffer dx = buf(x), mask = cpu.alloc(n), y = cpu.alloc(n);
        cpu.dropoutForward(dx, mask, y, n, p, seed, counter);
        float[] m = get(mask), yy = get(y);
        int kept = 0;
        for (int i = 0; i < n; i++) {
            if (i % 97 == 0) assertEquals(ReferenceOps.dropoutMask(seed, counter + i, p), m[i], "mask[" + i + "]");
            assertTrue(m[i] == 0f || m[i] == 1f / (1f - p), "mask values are 0 or 1/(1-p)");
            assertEquals(x[i] * m[i], yy[i], "y = x * mask");
            if (m[i] != 0f) kept++;
        }
        double frac = kept / (double) n, sigma = Math.sqrt(p * (1 - p) / n);
        assertTrue(Math.abs(frac - (1 - p)) < 5 * sigma, "kept fraction " + frac + " vs " + (1 - p));
        DeviceBuffer dy = buf(uniform(rnd, n, -1, 1));
        float[] dyv = get(dy);
        cpu.dropoutBackward(dy, mask, dy, n);
        float[] dxv = get(dy);
        for (int i = 0; i < n; i++) assertEquals(dyv[i] * m[i], dxv[i]);
        for (DeviceBuffer b : new DeviceBuffer[] {dx, mask, y, dy}) b.close();
    }

    // ---- reductions and update ------------------------------------------------------------------------

    @Test
    void sumSquaresOverwritesItsSlot() {
        Random rnd = new Random(10);
        float[] x = uniform(rnd, 100_010, -2, 2);
        DeviceBuffer dx = buf(x), st = buf(new float[] {1, 2, 3, 4, 5, 6, 7, 8});
        cpu.sumSquares(dx, 10, 100_000, st, Stats.GRAD_SQ);
        float[] s = get(st);
        Tolerance.ELEMENTWISE.assertClose("sumSquares", ReferenceOps.sumSquares(x, 10, 100_000), s[Stats.GRAD_SQ]);
        assertArrayEquals(new float[] {1, 2, s[2], 4, 5, 6, 7, 8}, s, "only the slot changes");
        cpu.upload(new float[] {Float.NaN}, 0, dx, 500, 1);
        cpu.sumSquares(dx, 10, 100_000, st, 7);
        assertTrue(Float.isNaN(get(st)[7]), "NaN propagates");
        dx.close();
        st.close();
    }

    @Test
    void sgdUpdateMatchesReferenceWithClipping() {
        Random rnd = new Random(11);
        int n = 5000;
        float[] p = uniform(rnd, n, -1, 1), g = uniform(rnd, n, -1, 1), b = uniform(rnd, n, -1, 1);
        for (int variant = 0; variant < 3; variant++) {
            UpdateScalars sc = new UpdateScalars();
            sc.hyper[0] = 0.1f;                   // lr
            sc.hyper[1] = 0.9f;                   // momentum
            sc.hyper[2] = variant == 2 ? 0.1f : 0f; // dampening
            sc.hyper[3] = 0.01f;                  // weight decay
            sc.hyper[4] = variant == 1 ? 1f : 0f; // nesterov
            sc.hyper[5] = variant == 0 ? 1f : 0f; // first step
            sc.maxNorm = variant == 1 ? 2f : 0f;
            sc.clipValue = variant == 2 ? 0.25f : 0f;
            sc.skipNonFinite = true;
            DeviceBuffer dp = buf(p), dg = buf(g), db = buf(b), st = cpu.alloc(Stats.SIZE);
            cpu.sumSquares(dg, 0, n, st, Stats.GRAD_SQ);
            double gradSq = get(st)[Stats.GRAD_SQ];
            double[][] want = ReferenceOps.sgd(p, g, b, sc, gradSq);
            cpu.update(UpdateRule.SGD, dp, dg, new DeviceBuffer[] {db}, n, sc, st);
            Tolerance.OPTIMIZER.assertClose("sgd variant " + variant + " param", want[0], Tolerance.toDouble(get(dp)));
            Tolerance.OPTIMIZER.assertClose("sgd variant " + variant + " momentum", want[1], Tolerance.toDouble(get(db)));
            assertEquals(0f, get(st)[Stats.SKIPPED]);
            for (DeviceBuffer d : new DeviceBuffer[] {dp, dg, db, st}) d.close();
        }
    }

    @Test
    void guardedUpdateSkipsOnNonFiniteGradient() {
        float[] p = {1, 2, 3};
        DeviceBuffer dp = buf(p), dg = buf(new float[] {1, Float.NaN, 1}), db = cpu.alloc(3), st = cpu.alloc(Stats.SIZE);
        UpdateScalars sc = new UpdateScalars();
        sc.hyper[0] = 0.5f;
        sc.skipNonFinite = true;
        cpu.sumSquares(dg, 0, 3, st, Stats.GRAD_SQ);
        cpu.update(UpdateRule.SGD, dp, dg, new DeviceBuffer[] {db}, 3, sc, st);
        assertArrayEquals(p, get(dp), "skipped: parameters untouched");
        assertEquals(1f, get(st)[Stats.SKIPPED]);
        BackendException e = assertThrows(BackendException.class,
                () -> cpu.update(UpdateRule.ADAM, dp, dg, new DeviceBuffer[] {db}, 3, sc, st));
        assertTrue(e.getMessage().contains("ADAM needs 3 state buffers"), e.getMessage());
        for (DeviceBuffer d : new DeviceBuffer[] {dp, dg, db, st}) d.close();
    }

    // ---- determinism across thread counts ---------------------------------------------------------------

    /** Large ops (split into chunks on 2 threads) give the same bits on 1 and 2 threads. */
    @Test
    void resultsAreBitIdenticalForOneAndTwoThreads() {
        try (CpuBackend one = new CpuBackend(1); CpuBackend two = new CpuBackend(2)) {
            assertArrayEquals(workload(one), workload(two));
        }
    }

    /** Runs every splittable op at a size above the split threshold and returns all outputs, concatenated. */
    private static float[] workload(Backend be) {
        Random rnd = new Random(12);
        java.util.List<float[]> outs = new java.util.ArrayList<>();
        int m = 300, n = 200, k = 500;
        for (int t = 0; t < 4; t++) {
            boolean tA = (t & 1) != 0, tB = (t & 2) != 0;
            float[] a = uniform(rnd, m * k, -1, 1), b = uniform(rnd, k * n, -1, 1);
            DeviceBuffer da = up(be, a), db = up(be, b), dc = up(be, uniform(rnd, m * n, -1, 1));
            be.gemm(tA, tB, m, n, k, 1.1f, da, 0, tA ? m : k, db, 0, tB ? k : n, 0.3f, dc, 0, n);
            outs.add(down(be, dc));
        }
        int rows = 2000, cols = 40;
        DeviceBuffer stats = be.alloc(Stats.SIZE);
        for (Activation act : Activation.values()) {
            DeviceBuffer z = up(be, uniform(rnd, rows * cols, -3, 3)), bias = up(be, uniform(rnd, cols, -1, 1));
            DeviceBuffer a = be.alloc(rows * cols), dA = up(be, uniform(rnd, rows * cols, -1, 1)), dZ = be.alloc(rows * cols);
            be.biasActivation(act, 0.1f, z, bias, 0, a, rows, cols);
            be.activationBackward(act, 0.1f, z, a, dA, dZ, rows, cols);
            outs.add(down(be, a));
            outs.add(down(be, dZ));
        }
        DeviceBuffer big = up(be, uniform(rnd, 2000 * 600, -1, 1)), db = be.alloc(600);
        be.biasGrad(big, 2000, 600, db, 0);
        outs.add(down(be, db));
        for (LossKind kind : LossKind.values()) {
            DeviceBuffer z = up(be, uniform(rnd, 3000 * 20, -3, 3)), y = up(be, uniform(rnd, 3000 * 20, 0, 1));
            DeviceBuffer g = be.alloc(3000 * 20);
            be.loss(kind, z, z, y, 3000, 20, 1f / 3000, g, stats);
            be.countCorrect(z, y, 3000, 20, stats);
            outs.add(down(be, g));
        }
        DeviceBuffer x = up(be, uniform(rnd, 300_000, -1, 1)), mask = be.alloc(300_000), y = be.alloc(300_000);
        be.dropoutForward(x, mask, y, 300_000, 0.25f, 77, 1234);
        be.dropoutBackward(x, mask, x, 300_000);
        outs.add(down(be, y));
        outs.add(down(be, x));
        be.sumSquares(big, 0, 2000 * 600, stats, Stats.GRAD_SQ);
        UpdateScalars sc = new UpdateScalars();
        sc.hyper[0] = 0.01f;
        sc.hyper[1] = 0.9f;
        sc.maxNorm = 1f;
        DeviceBuffer p = up(be, uniform(rnd, 2000 * 600, -1, 1)), buf = be.alloc(2000 * 600);
        be.update(UpdateRule.SGD, p, big, new DeviceBuffer[] {buf}, 2000 * 600, sc, stats);
        outs.add(down(be, p));
        outs.add(down(be, stats));
        int total = 0;
        for (float[] o : outs) total += o.length;
        float[] all = new float[total];
        int at = 0;
        for (float[] o : outs) {
            System.arraycopy(o, 0, all, at, o.length);
            at += o.length;
        }
        return all;
    }


    // ---- the seed workload: overhead and allocation -------------------------------------------------------

    /**
     * The seed step (3-9-9-9-3, batch 50) allocates nothing once warm (on two threads: its small ops run
     * inline, never touching the pool), learns (the mean loss falls), and takes well under a millisecond.
     */
    @Test
    void seedStepAllocatesNothingAndLearns() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        try (CpuBackend be = new CpuBackend(2); SeedStep seed = new SeedStep(be, 3)) {
            for (int s = 0; s < 20; s++) seed.step();
            double firstMean = seed.stats()[Stats.LOSS_SUM] / 20;
            for (int s = 0; s < 1000; s++) seed.step();   // warm: C2 compiles the step (C1 boxes vectors)
            float before = seed.stats()[Stats.LOSS_SUM];
            long bytes = -1;
            double usPerStep = 0;
            // steady state: a round of 300 steps with no allocation. Rounds repeat for up to 30 s: in the full
            // suite other tests' shapes get the vector methods' C2 code invalidated now and then, and until C2
            // has compiled them again (seconds, with the compile queue full) they run in C1, where every vector
            // op allocates (seen: VectorKernels.biasActivation and VectorPacking.packA); 10 rounds were 0.15 s
            long deadline = System.nanoTime() + 30_000_000_000L;
            for (int round = 0; bytes != 0 && (round < 10 || System.nanoTime() < deadline); round++) {
                long cpu0 = mx.getCurrentThreadCpuTime();
                long bytes0 = mx.getCurrentThreadAllocatedBytes();
                for (int s = 0; s < 300; s++) seed.step();
                bytes = mx.getCurrentThreadAllocatedBytes() - bytes0;
                // CPU time of this thread, not wall time: the test machine's cores are shared
                usPerStep = (mx.getCurrentThreadCpuTime() - cpu0) / 300 / 1e3;
            }
            double laterMean = (seed.stats()[Stats.LOSS_SUM] - before) / (seed.steps() - 1020);
            System.out.printf(java.util.Locale.ROOT, "seed step on 2 threads: %.1f us CPU/step, %d bytes allocated in 300 steps%n",
                    usPerStep, bytes);
            assertEquals(0, bytes, "bytes allocated by 300 warm steps");
            assertTrue(laterMean < 0.9 * firstMean, "mean loss per step fell: " + firstMean + " -> " + laterMean);
            assertTrue(usPerStep < 1000, usPerStep + " us per step");
        }
    }

    // ---- memory, misuse, provider ----------------------------------------------------------------------

    @Test
    void misuseFailsWithTheOpNamed() {
        DeviceBuffer f = cpu.alloc(10), i = cpu.allocInt(4);
        BackendException e = assertThrows(BackendException.class, () -> cpu.fill(f, 5, 6, 1f));
        assertTrue(e.getMessage().contains("cpu fill: dst range [5, 11) is outside a buffer of 10"), e.getMessage());
        e = assertThrows(BackendException.class, () -> cpu.fill(i, 0, 1, 1f));
        assertTrue(e.getMessage().contains("expected a float buffer"), e.getMessage());
        cpu.uploadInt(new int[] {0, 3, 9, 1}, 0, i, 0, 4);
        DeviceBuffer dst = cpu.alloc(8);
        e = assertThrows(BackendException.class, () -> cpu.gather(f, 2, i, 0, 4, dst));
        assertTrue(e.getMessage().contains("idx[2] = 9 is outside the 5 rows"), e.getMessage());
        e = assertThrows(BackendException.class, () -> cpu.alloc(-1));
        assertTrue(e.getMessage().contains("-1 floats"), e.getMessage());
        f.close();
        e = assertThrows(BackendException.class, () -> cpu.fill(f, 0, 1, 1f));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        i.close();
        dst.close();
    }

    @Test
    void gatherOneHotWritesOneHotRowsAndNamesABadIndexOrLabel() {
        DeviceBuffer labels = cpu.allocInt(4), idx = cpu.allocInt(6), dst = cpu.alloc(3 * 3 + 2);
        cpu.uploadInt(new int[] {2, 0, 1, 2}, 0, labels, 0, 4);
        cpu.uploadInt(new int[] {9, 9, 3, 1, 2, 9}, 0, idx, 0, 6);
        cpu.fill(dst, 0, dst.length(), 7f);
        cpu.gatherOneHot(labels, idx, 2, 3, 3, dst);
        // rows 3, 1, 2 of the labels: classes 2, 0, 1; the two elements past the batch keep their 7
        assertArrayEquals(new float[] {0, 0, 1, 1, 0, 0, 0, 1, 0, 7, 7}, get(dst));

        BackendException e = assertThrows(BackendException.class, () -> cpu.gatherOneHot(labels, idx, 3, 3, 3, dst));
        assertEquals("cpu gatherOneHot: idx[5] = 9 is outside the 4 labels", e.getMessage());
        cpu.uploadInt(new int[] {-1}, 0, idx, 5, 1);
        e = assertThrows(BackendException.class, () -> cpu.gatherOneHot(labels, idx, 3, 3, 3, dst));
        assertEquals("cpu gatherOneHot: idx[5] = -1 is outside the 4 labels", e.getMessage());

        e = assertThrows(BackendException.class, () -> cpu.gatherOneHot(labels, idx, 2, 3, 2, dst));
        assertEquals("cpu gatherOneHot: label 2 of row 3 is outside [0, 2)", e.getMessage());
        cpu.uploadInt(new int[] {-4}, 0, labels, 1, 1);
        e = assertThrows(BackendException.class, () -> cpu.gatherOneHot(labels, idx, 3, 2, 3, dst));
        assertEquals("cpu gatherOneHot: label -4 of row 1 is outside [0, 3)", e.getMessage());
        assertArrayEquals(new float[] {0, 0, 1, 1, 0, 0, 0, 1, 0, 7, 7}, get(dst), "a rejected call leaves dst alone");

        e = assertThrows(BackendException.class, () -> cpu.gatherOneHot(labels, idx, 4, 3, 3, dst));
        assertTrue(e.getMessage().contains("cpu gatherOneHot: idx range [4, 7) is outside a buffer of 6"), e.getMessage());
        e = assertThrows(BackendException.class, () -> cpu.gatherOneHot(labels, idx, 0, 3, 4, dst));
        assertTrue(e.getMessage().contains("cpu gatherOneHot: dst range [0, 12) is outside a buffer of 11"), e.getMessage());
        e = assertThrows(BackendException.class, () -> cpu.gatherOneHot(dst, idx, 0, 1, 3, dst));
        assertTrue(e.getMessage().contains("cpu gatherOneHot: expected an int buffer, got a float buffer"), e.getMessage());
        labels.close();
        idx.close();
        dst.close();
    }

    @Test
    void closingTheBackendClosesItsBuffers() {
        CpuBackend be = new CpuBackend(2);
        CpuBuffer b = (CpuBuffer) be.alloc(5);
        be.close();
        assertTrue(b.isClosed());
        assertThrows(BackendException.class, () -> be.alloc(1));
    }

    @Test
    void providerIsFoundAndConfigured() {
        BackendProvider p = Backends.provider("cpu");
        assertEquals(100, p.rank());
        assertTrue(p.isAvailable());
        assertEquals(null, p.unavailabilityCause());
        assertEquals(1, p.devices().size());
        assertThrows(IllegalArgumentException.class, () -> p.create(1));
        String old = System.getProperty(CpuBackendProvider.THREADS_PROPERTY);
        try {
            System.setProperty(CpuBackendProvider.THREADS_PROPERTY, "3");
            assertEquals(3, CpuBackendProvider.configuredThreads());
            try (CpuBackend be = (CpuBackend) p.create(-1)) {
                assertEquals(3, be.threads());
                assertEquals("3", be.provenance().get("threads"));
            }
            System.setProperty(CpuBackendProvider.THREADS_PROPERTY, "zero");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, CpuBackendProvider::configuredThreads);
            assertTrue(e.getMessage().contains("-Dkiln.cpu.threads: expected a thread count in [1, 1024], got 'zero'"), e.getMessage());
        } finally {
            if (old == null) System.clearProperty(CpuBackendProvider.THREADS_PROPERTY);
            else System.setProperty(CpuBackendProvider.THREADS_PROPERTY, old);
        }
    }

    /** A JVM without --add-modules jdk.incubator.vector falls back to the scalar kernel instead of failing. */
    @Test
    void jvmWithoutVectorModuleFallsBackToScalar() throws Exception {
        String javaBin = java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process proc = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"),
                "dev.kiln.backend.cpu.GemmBench", "--probe").redirectErrorStream(true).start();
        String out = new String(proc.getInputStream().readAllBytes());
        assertTrue(proc.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "probe JVM finished");
        assertEquals(0, proc.exitValue(), out);
        assertTrue(out.contains("scalar Java") && out.contains(" ok ") && out.contains("jdk.incubator.vector not loaded"), out);
    }
}
