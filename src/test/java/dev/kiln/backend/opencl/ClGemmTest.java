package dev.kiln.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.Tolerance;
import dev.kiln.backend.DeviceBuffer;
import dev.kiln.backend.Tolerances;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Both GEMM kernel families on the same device (PoCL's CPU device runs the GPU-style tiled kernel too,
 * slowly but correctly), at shapes around the 4 x 16 block and the 64 x 64 tile, with all four transposes,
 * offsets, padded leading dimensions, alpha and beta. Each element must equal, bit for bit, the float
 * reference {@code acc = fma(a_ip, b_pj, acc)} over increasing p followed by {@code alpha acc + beta c}
 * (the order both kernel families promise), and lie within Tolerances.gemm(k) of a double-precision
 * product; so the two variants agree exactly with each other and from run to run.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClGemmTest {
    OpenClBackend blocked, tiled;

    @BeforeAll
    void open() {
        OpenClBackendProvider p = new OpenClBackendProvider();
        assumeTrue(p.isAvailable(), () -> "opencl unavailable: " + p.unavailabilityCause());
        ClDevice d = p.clDevices().get(ClDevice.best(p.clDevices()));
        blocked = new OpenClBackend(d, ClGemm.Variant.CPU_BLOCKED);
        tiled = new OpenClBackend(d, ClGemm.Variant.GPU_TILED);
    }

    @AfterAll
    void close() {
        if (blocked != null) blocked.close();
        if (tiled != null) tiled.close();
    }

    static Stream<Arguments> shapes() {
        // direct path (m n k <= ClGemm.DIRECT_MAX): exact blocks, one more and one less than a block, k = 0
        // packed path: padded row and column panels (m % 4, n % 16 != 0), exact panels, k = 1, a tile edge
        int[][] s = {{4, 16, 8}, {5, 17, 3}, {3, 15, 9}, {7, 33, 0}, {1, 48, 5}, {12, 1, 20},
                {67, 45, 129}, {33, 17, 100}, {4, 16, 2100}, {200, 170, 1}, {65, 64, 17}};
        List<Arguments> out = new ArrayList<>();
        for (int[] x : s) for (int t = 0; t < 4; t++) out.add(Arguments.of(x[0], x[1], x[2], (t & 1) != 0, (t & 2) != 0));
        return out.stream();
    }

    @ParameterizedTest(name = "m={0} n={1} k={2} transA={3} transB={4}")
    @MethodSource("shapes")
    void bothVariantsGiveTheFmaChain(int m, int n, int k, boolean tA, boolean tB) {
        SplittableRandom rnd = new SplittableRandom(1000L * m + 100L * n + k + (tA ? 7 : 0) + (tB ? 11 : 0));
        int lda = (tA ? m : k) + 2, ldb = (tB ? k : n) + 3, ldc = n + 5;
        int aOff = 3, bOff = 6, cOff = 4;
        float[] a = random(rnd, aOff + (long) (tA ? k : m) * lda);
        float[] b = random(rnd, bOff + (long) (tB ? n : k) * ldb);
        for (float[] ab : new float[][] {{1f, 0f}, {0.75f, -0.5f}}) {
            float alpha = ab[0], beta = ab[1];
            float[] c = random(rnd, cOff + (long) m * ldc);
            if (beta == 0f) for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) c[cOff + i * ldc + j] = Float.NaN;
            float[] chain = c.clone();
            double[] exact = new double[m * n];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    float acc = 0f;
                    double d = 0;
                    for (int p = 0; p < k; p++) {
                        float x = a[aOff + (tA ? p * lda + i : i * lda + p)], y = b[bOff + (tB ? j * ldb + p : p * ldb + j)];
                        acc = Math.fma(x, y, acc);
                        d += (double) x * y;
                    }
                    int o = cOff + i * ldc + j;
                    chain[o] = beta == 0f ? alpha * acc : alpha * acc + beta * c[o];
                    exact[i * n + j] = alpha * d + (beta == 0f ? 0 : beta * (double) c[o]);
                }
            }
            float[] fromBlocked = run(blocked, tA, tB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            float[] fromTiled = run(tiled, tA, tB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            String what = "alpha=" + alpha + " beta=" + beta;
            assertArrayEquals(chain, fromBlocked, "blocked kernel = fma chain, " + what);
            assertArrayEquals(chain, fromTiled, "tiled kernel = fma chain, " + what);
            float[] window = new float[m * n];
            for (int i = 0; i < m; i++) System.arraycopy(fromBlocked, cOff + i * ldc, window, i * n, n);
            Tolerance tol = Tolerances.gemm(k);
            tol.assertClose("gemm vs double " + what, exact, Tolerance.toDouble(window));
            assertEquals(fromBlocked.length, c.length);
        }
    }

    private static float[] run(OpenClBackend be, boolean tA, boolean tB, int m, int n, int k, float alpha,
                               float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                               float beta, float[] c, int cOff, int ldc) {
        try (DeviceBuffer da = be.alloc(a.length); DeviceBuffer db = be.alloc(b.length); DeviceBuffer dc = be.alloc(c.length)) {
            be.upload(a, 0, da, 0, a.length);
            be.upload(b, 0, db, 0, b.length);
            be.upload(c, 0, dc, 0, c.length);
            be.gemm(tA, tB, m, n, k, alpha, da, aOff, lda, db, bOff, ldb, beta, dc, cOff, ldc);
            float[] out = new float[c.length];
            be.download(dc, 0, out, 0, out.length);
            return out;
        }
    }

    private static float[] random(SplittableRandom rnd, long n) {
        float[] x = new float[(int) n];
        for (int i = 0; i < x.length; i++) x[i] = (float) (rnd.nextDouble() * 2 - 1);
        return x;
    }
}
