package dev.kiln.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.Tolerance;
import dev.kiln.backend.cpu.CpuBackend;
import dev.kiln.optim.Optimizer;
import dev.kiln.optim.Optimizers;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The backend conformance suite: every {@link Backend} op runs on the backend under test and on the CPU
 * reference backend with the same seeded inputs, at awkward sizes (1, 31, 33, 1000 and non-square shapes),
 * and the results are compared with the named {@link Tolerances} (the first five mismatches are printed).
 *
 * <p>A backend joins by subclassing: {@code class OpenClConformanceTest extends BackendConformanceTest {
 * protected BackendProvider provider() { return new OpenClBackendProvider(); } }}. When the provider is
 * unavailable on this machine, every test is skipped with its {@link BackendProvider#unavailabilityCause()}.
 * {@link #coversEveryBackendMethod} fails when {@link Backend} gains a method this suite does not exercise
 * (EJML's CheckMultiThreadAgainstSingleThread).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class BackendConformanceTest {

    /** The provider of the backend under test. */
    protected abstract BackendProvider provider();

    /** Opens the backend under test (the best device by default). */
    protected Backend openBackend(BackendProvider provider) {
        return provider.create(-1);
    }

    /** The reference every result is compared with: the CPU backend on one thread. */
    protected Backend openReference() {
        return new CpuBackend(1);
    }

    /** The Backend methods this suite exercises; see {@link #coversEveryBackendMethod}. */
    static final Set<String> COVERED = Set.of(
            "name", "device", "provenance",
            "alloc", "allocInt", "upload", "uploadInt", "download", "downloadInt", "fill", "copy",
            "gather", "gemm", "biasActivation", "activationBackward", "biasGrad", "loss", "countCorrect",
            "dropoutForward", "dropoutBackward", "sumSquares", "update", "synchronize", "close");

    /** Row counts of the batch-shaped tests. */
    static final int[] ROWS = {1, 31, 33, 1000};

    protected Backend dut;
    protected Backend ref;
    private final List<DeviceBuffer> open = new ArrayList<>();

    private String unavailable;

    @BeforeAll
    void openBackends() {
        BackendProvider p = provider();
        if (!p.isAvailable()) {
            unavailable = "backend " + p.name() + " unavailable: " + p.unavailabilityCause();
            return;
        }
        dut = openBackend(p);
        ref = openReference();
    }

    /** Each test is skipped, with the provider's reason, where the backend is unavailable (reports list every skip). */
    @BeforeEach
    void requireBackend() {
        assumeTrue(unavailable == null, unavailable);
    }

    @AfterAll
    void closeBackends() {
        if (dut != null) dut.close();
        if (ref != null) ref.close();
    }

    // ---- helpers ------------------------------------------------------------------------------------

    /** One logical buffer held on both backends. */
    protected final class Both {
        final DeviceBuffer d, r;
        final int n;

        Both(int n) {
            this.n = n;
            d = dut.alloc(n);
            r = ref.alloc(n);
            open.add(d);
            open.add(r);
        }

        Both(float[] init) {
            this(init.length);
            dut.upload(init, 0, d, 0, init.length);
            ref.upload(init, 0, r, 0, init.length);
        }

        float[] dut() { return get(dut, d, n); }

        float[] ref() { return get(ref, r, n); }

        /** Asserts the two agree within tol, naming the op and the case. */
        void check(String what, Tolerance tol) {
            tol.assertClose(dut.name() + " vs cpu: " + what, ref(), dut());
        }
    }

    static float[] get(Backend be, DeviceBuffer b, int n) {
        float[] out = new float[n];
        be.download(b, 0, out, 0, n);
        return out;
    }

    /** Uniform floats in [lo, hi). */
    static float[] uniform(Random rnd, int n, float lo, float hi) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = lo + (hi - lo) * rnd.nextFloat();
        return x;
    }

    /** One-hot rows (a random class per row). */
    static float[] oneHot(Random rnd, int rows, int cols) {
        float[] y = new float[rows * cols];
        for (int r = 0; r < rows; r++) y[r * cols + rnd.nextInt(cols)] = 1f;
        return y;
    }

    /** Probability rows (positive, summing to 1): soft targets for cross-entropy. */
    static float[] probabilities(Random rnd, int rows, int cols) {
        float[] y = uniform(rnd, rows * cols, 0.01f, 1f);
        for (int r = 0; r < rows; r++) {
            float s = 0;
            for (int c = 0; c < cols; c++) s += y[r * cols + c];
            for (int c = 0; c < cols; c++) y[r * cols + c] /= s;
        }
        return y;
    }

    private void freeAll() {
        for (DeviceBuffer b : open) b.close();
        open.clear();
    }

    // ---- identity, memory -----------------------------------------------------------------------------

    @Test
    void identity() {
        assertEquals(provider().name(), dut.name(), "name() is the provider's name");
        assertNotNull(dut.device());
        assertFalse(dut.device().isBlank(), "device() says what it runs on");
        assertEquals(dut.name(), dut.provenance().get("backend"), "provenance names the backend");
        assertTrue(dut.provenance().containsKey("gemm"), "provenance says which GEMM ran: " + dut.provenance());
    }

    @Test
    void memory() {
        Random rnd = new Random(11);
        for (int n : new int[] {1, 31, 33, 1000}) {
            DeviceBuffer f = dut.alloc(n + 7), i = dut.allocInt(n + 7);
            try {
                assertEquals(n + 7, f.length());
                assertFalse(f.isInt());
                assertTrue(i.isInt());
                Tolerances.EXACT.assertClose("alloc is zeroed", new float[n + 7], get(dut, f, n + 7));
                int[] zi = new int[n + 7];
                dut.downloadInt(i, 0, zi, 0, n + 7);
                assertTrue(Arrays.equals(new int[n + 7], zi), "allocInt is zeroed");

                float[] src = uniform(rnd, n + 3, -1, 1);
                dut.upload(src, 3, f, 5, n);
                float[] back = new float[n + 2];
                dut.download(f, 5, back, 2, n);
                Tolerances.EXACT.assertClose("upload/download with offsets n=" + n,
                        Arrays.copyOfRange(src, 3, n + 3), Arrays.copyOfRange(back, 2, n + 2));

                int[] is = new int[n + 1];
                for (int k = 0; k < is.length; k++) is[k] = rnd.nextInt() ;
                dut.uploadInt(is, 1, i, 2, n);
                int[] ib = new int[n];
                dut.downloadInt(i, 2, ib, 0, n);
                assertTrue(Arrays.equals(Arrays.copyOfRange(is, 1, n + 1), ib), "uploadInt/downloadInt n=" + n);

                dut.fill(f, 1, n, -2.5f);
                float[] all = get(dut, f, n + 7);
                for (int k = 1; k < n + 1; k++) assertEquals(-2.5f, all[k], "fill at " + k);
                assertEquals(0f, all[0], "fill leaves what is before the range");

                DeviceBuffer g = dut.alloc(n + 4);
                dut.copy(f, 1, g, 3, n);
                float[] copied = get(dut, g, n + 4);
                Tolerances.EXACT.assertClose("copy n=" + n, Arrays.copyOfRange(all, 1, n + 1), Arrays.copyOfRange(copied, 3, n + 3));
                assertEquals(0f, copied[0]);
                g.close();
            } finally {
                f.close();
                i.close();
            }
        }
        dut.synchronize();
    }

    @Test
    void closeReleasesABackend() {
        Backend other = openBackend(provider());
        DeviceBuffer b = other.alloc(33);
        other.upload(new float[] {1, 2, 3}, 0, b, 30, 3);
        float[] x = new float[3];
        other.download(b, 30, x, 0, 3);
        assertEquals(3f, x[2]);
        other.synchronize();
        other.close();
    }

    // ---- gather, GEMM -----------------------------------------------------------------------------------

    @Test
    void gather() {
        Random rnd = new Random(12);
        for (int rows : ROWS) {
            for (int cols : new int[] {1, 31, 33}) {
                int srcRows = 50;
                Both src = new Both(uniform(rnd, srcRows * cols, -1, 1));
                int[] idx = new int[rows + 5];
                for (int k = 0; k < idx.length; k++) idx[k] = rnd.nextInt(srcRows);
                DeviceBuffer id = dut.allocInt(idx.length), ir = ref.allocInt(idx.length);
                dut.uploadInt(idx, 0, id, 0, idx.length);
                ref.uploadInt(idx, 0, ir, 0, idx.length);
                Both dst = new Both(rows * cols);
                dut.gather(src.d, cols, id, 5, rows, dst.d);
                ref.gather(src.r, cols, ir, 5, rows, dst.r);
                dst.check("gather " + rows + "x" + cols, Tolerances.EXACT);
                id.close();
                ir.close();
                freeAll();
            }
        }
    }

    /** (m, n, k) shapes: 1, 31, 33, 1000 and non-square, small enough for the naive double check to stay quick. */
    static Stream<Arguments> gemmShapes() {
        int[][] shapes = {{1, 1, 1}, {31, 31, 31}, {33, 33, 33}, {31, 33, 1}, {1, 33, 31}, {33, 1, 31},
                {1000, 31, 33}, {31, 1000, 33}, {33, 31, 1000}, {1000, 1, 1}, {1, 1000, 7}, {64, 40, 129}};
        List<Arguments> out = new ArrayList<>();
        for (int[] s : shapes) for (int t = 0; t < 4; t++) out.add(Arguments.of(s[0], s[1], s[2], (t & 1) != 0, (t & 2) != 0));
        return out.stream();
    }

    @ParameterizedTest(name = "m={0} n={1} k={2} transA={3} transB={4}")
    @MethodSource("gemmShapes")
    void gemm(int m, int n, int k, boolean tA, boolean tB) {
        Random rnd = new Random(31L * m + 17L * n + k + (tA ? 1 : 0) + (tB ? 2 : 0));
        // padded leading dimensions and offsets: ld = stored columns + pad
        int lda = (tA ? m : k) + 3, ldb = (tB ? k : n) + 2, ldc = n + 1;
        int aOff = 5, bOff = 2, cOff = 7;
        Both a = new Both(uniform(rnd, aOff + (tA ? k : m) * lda, -1, 1));
        Both b = new Both(uniform(rnd, bOff + (tB ? n : k) * ldb, -1, 1));
        Tolerance tol = Tolerances.gemm(k);
        float[][] ab = {{1f, 0f}, {0.5f, -1.5f}, {-2f, 1f}};
        for (float[] albe : ab) {
            float[] c0 = uniform(rnd, cOff + m * ldc, -1, 1);
            if (albe[1] == 0f) Arrays.fill(c0, Float.NaN);   // beta = 0 must ignore even NaN
            Both c = new Both(c0);
            if (albe[1] == 0f) {
                // keep the padding finite so the comparison checks only that C's window is overwritten
                for (int i = 0; i < m; i++) {
                    float[] pad = new float[ldc - n];
                    dut.upload(pad, 0, c.d, cOff + i * ldc + n, pad.length);
                    ref.upload(pad, 0, c.r, cOff + i * ldc + n, pad.length);
                }
                float[] head = new float[cOff];
                dut.upload(head, 0, c.d, 0, cOff);
                ref.upload(head, 0, c.r, 0, cOff);
            }
            dut.gemm(tA, tB, m, n, k, albe[0], a.d, aOff, lda, b.d, bOff, ldb, albe[1], c.d, cOff, ldc);
            ref.gemm(tA, tB, m, n, k, albe[0], a.r, aOff, lda, b.r, bOff, ldb, albe[1], c.r, cOff, ldc);
            c.check("gemm alpha=" + albe[0] + " beta=" + albe[1], tol);
        }
        freeAll();
    }

    // ---- activations ----------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(Activation.class)
    void biasActivation(Activation act) {
        Random rnd = new Random(40 + act.ordinal());
        for (int[] s : new int[][] {{1, 1}, {31, 33}, {33, 31}, {1000, 10}, {7, 1000}}) {
            int rows = s[0], cols = s[1];
            Both z = new Both(uniform(rnd, rows * cols, -4, 4));
            Both bias = new Both(uniform(rnd, cols + 3, -1, 1));
            Both a = new Both(rows * cols);
            dut.biasActivation(act, 0.1f, z.d, bias.d, 3, a.d, rows, cols);
            ref.biasActivation(act, 0.1f, z.r, bias.r, 3, a.r, rows, cols);
            z.check(act + " Z += bias " + rows + "x" + cols, Tolerances.EXACT);
            a.check(act + " A " + rows + "x" + cols, Tolerances.activation(act));
            freeAll();
        }
    }

    @ParameterizedTest
    @EnumSource(Activation.class)
    void activationBackward(Activation act) {
        Random rnd = new Random(50 + act.ordinal());
        for (int[] s : new int[][] {{1, 1}, {31, 33}, {1000, 10}, {7, 1000}}) {
            int rows = s[0], cols = s[1];
            for (boolean inPlace : new boolean[] {false, true}) {
                Both z = new Both(uniform(rnd, rows * cols, -4, 4));
                Both bias = new Both(cols);
                Both a = new Both(rows * cols);
                // A from the reference forward, so both backends differentiate at the same point
                ref.biasActivation(act, 0.1f, z.r, bias.r, 0, a.r, rows, cols);
                float[] av = a.ref();
                dut.upload(av, 0, a.d, 0, av.length);
                Both dA = new Both(uniform(rnd, rows * cols, -1, 1));
                Both dZ = inPlace ? dA : new Both(rows * cols);
                dut.activationBackward(act, 0.1f, z.d, a.d, dA.d, dZ.d, rows, cols);
                ref.activationBackward(act, 0.1f, z.r, a.r, dA.r, dZ.r, rows, cols);
                dZ.check(act + " dZ " + rows + "x" + cols + (inPlace ? " in place" : ""), Tolerances.activation(act));
                freeAll();
            }
        }
    }

    @Test
    void biasGrad() {
        Random rnd = new Random(60);
        for (int[] s : new int[][] {{1, 1}, {31, 33}, {1000, 31}, {33, 1000}, {1000, 300}}) {
            int rows = s[0], cols = s[1];
            Both dz = new Both(uniform(rnd, rows * cols, -1, 1));
            Both db = new Both(uniform(rnd, cols + 4, -1, 1));
            dut.biasGrad(dz.d, rows, cols, db.d, 4);
            ref.biasGrad(dz.r, rows, cols, db.r, 4);
            db.check("biasGrad " + rows + "x" + cols, Tolerances.BIAS_GRAD);
            freeAll();
        }
    }

    // ---- losses, accuracy -------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(LossKind.class)
    void loss(LossKind kind) {
        Random rnd = new Random(70 + kind.ordinal());
        for (int rows : ROWS) {
            for (int cols : new int[] {1, 3, 33}) {
                if (kind == LossKind.SOFTMAX_CROSS_ENTROPY && cols == 1) continue;
                float[] y = switch (kind) {
                    case SOFTMAX_CROSS_ENTROPY -> rows % 2 == 0 ? oneHot(rnd, rows, cols) : probabilities(rnd, rows, cols);
                    case BINARY_CROSS_ENTROPY -> uniform(rnd, rows * cols, 0, 1);
                    case MSE -> uniform(rnd, rows * cols, -2, 2);
                };
                Both z = new Both(uniform(rnd, rows * cols, -5, 5));
                Both a = new Both(uniform(rnd, rows * cols, -2, 2));
                Both target = new Both(y);
                float[] st0 = {1.5f, 2f, 0.25f, 3f, 40f, -0.5f, 7f, 8f};
                for (boolean withGrad : new boolean[] {true, false}) {
                    Both stats = new Both(st0);
                    Both grad = new Both(rows * cols);
                    float scale = 1f / rows;
                    dut.loss(kind, z.d, a.d, target.d, rows, cols, scale, withGrad ? grad.d : null, stats.d);
                    ref.loss(kind, z.r, a.r, target.r, rows, cols, scale, withGrad ? grad.r : null, stats.r);
                    String what = kind + " " + rows + "x" + cols;
                    checkStats(what, stats, Tolerances.LOSS_SUM);
                    if (withGrad) grad.check(what + " gradient", Tolerances.lossGrad(scale));
                }
                freeAll();
            }
        }
    }

    /** Compares a stats buffer slot by slot: loss slots within tol, every other slot exactly. */
    private void checkStats(String what, Both stats, Tolerance lossTol) {
        float[] d = stats.dut(), r = stats.ref();
        for (int s = 0; s < Stats.SIZE; s++) {
            Tolerance t = s == Stats.LOSS_SUM || s == Stats.STEP_LOSS ? lossTol : Tolerances.EXACT;
            t.assertClose(dut.name() + " vs cpu: " + what + " stats[" + s + "]", r[s], d[s]);
        }
    }

    @Test
    void countCorrect() {
        Random rnd = new Random(80);
        for (int rows : ROWS) {
            for (int cols : new int[] {1, 2, 10, 33}) {
                float[] av = uniform(rnd, rows * cols, 0, 1);
                // ties: quantised activations make equal maxima common, where the first index must win
                for (int i = 0; i < av.length; i++) av[i] = Math.round(av[i] * 3) / 3f;
                float[] y = cols == 1 ? uniform(rnd, rows, 0, 1) : oneHot(rnd, rows, cols);
                Both a = new Both(av), target = new Both(y);
                Both stats = new Both(new float[] {0, 5, 0, 0, 0, 0, 0, 0});
                dut.countCorrect(a.d, target.d, rows, cols, stats.d);
                ref.countCorrect(a.r, target.r, rows, cols, stats.r);
                checkStats("countCorrect " + rows + "x" + cols, stats, Tolerances.EXACT);
                freeAll();
            }
        }
    }

    // ---- dropout -----------------------------------------------------------------------------------------

    @Test
    void dropout() {
        Random rnd = new Random(90);
        long[][] seeds = {{0, 0}, {42, 1000}, {-7, 1L << 40}, {0x123456789ABCDEFL, -3}};
        for (int n : new int[] {1, 31, 33, 1000, 70001}) {
            for (long[] sc : seeds) {
                for (float p : new float[] {0f, 0.1f, 0.5f}) {
                    Both x = new Both(uniform(rnd, n, -1, 1));
                    Both mask = new Both(n), y = new Both(n);
                    dut.dropoutForward(x.d, mask.d, y.d, n, p, sc[0], sc[1]);
                    ref.dropoutForward(x.r, mask.r, y.r, n, p, sc[0], sc[1]);
                    String what = "dropout n=" + n + " p=" + p + " seed=" + sc[0] + " counter=" + sc[1];
                    mask.check(what + " mask", Tolerances.EXACT);
                    y.check(what + " y", Tolerances.EXACT);
                    Both dy = new Both(uniform(rnd, n, -1, 1)), dx = new Both(n);
                    dut.dropoutBackward(dy.d, mask.d, dx.d, n);
                    ref.dropoutBackward(dy.r, mask.r, dx.r, n);
                    dx.check(what + " dX", Tolerances.EXACT);
                    dut.dropoutBackward(dy.d, mask.d, dy.d, n);   // dX may be dY
                    ref.dropoutBackward(dy.r, mask.r, dy.r, n);
                    dy.check(what + " dX in place", Tolerances.EXACT);
                    freeAll();
                }
            }
        }
    }

    // ---- update ------------------------------------------------------------------------------------------

    @Test
    void sumSquares() {
        Random rnd = new Random(100);
        for (int n : new int[] {1, 31, 33, 1000, 100003}) {
            Both x = new Both(uniform(rnd, n + 9, -1, 1));
            Both stats = new Both(new float[] {1, 2, 3, 4, 5, 6, 7, 8});
            dut.sumSquares(x.d, 9, n, stats.d, Stats.GRAD_SQ);
            ref.sumSquares(x.r, 9, n, stats.r, Stats.GRAD_SQ);
            stats.check("sumSquares n=" + n, Tolerances.SUM_SQUARES);
            assertEquals(4f, stats.dut()[Stats.SKIPPED], "sumSquares writes only its slot");
            freeAll();
        }
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY}) {
            float[] v = uniform(rnd, 1000, -1, 1);
            v[517] = bad;
            Both x = new Both(v), stats = new Both(Stats.SIZE);
            dut.sumSquares(x.d, 0, 1000, stats.d, 6);
            ref.sumSquares(x.r, 0, 1000, stats.r, 6);
            stats.check("sumSquares propagates " + bad, Tolerances.EXACT);
            freeAll();
        }
    }

    /** An optimizer per rule, with the options that exercise the rule's branches. */
    static String optimizerSpec(UpdateRule rule) {
        return switch (rule) {
            case SGD -> "sgd:lr=0.05,momentum=0.9,weight_decay=0.01";
            case ADAGRAD -> "adagrad:lr=0.1,lr_decay=0.01,weight_decay=0.01";
            case ADADELTA -> "adadelta:lr=1.0,rho=0.9,weight_decay=0.01";
            case RMSPROP -> "rmsprop:lr=0.01,alpha=0.9,momentum=0.9,centered,weight_decay=0.01";
            case ADAM -> "adam:lr=0.01,amsgrad,weight_decay=0.01";
            case NADAM -> "nadam:lr=0.01";
            case RADAM -> "radam:lr=0.01,weight_decay=0.01";
            case LION -> "lion:lr=0.001,weight_decay=0.1";
        };
    }

    @ParameterizedTest
    @EnumSource(UpdateRule.class)
    void update(UpdateRule rule) {
        Optimizer opt = Optimizers.parse(optimizerSpec(rule));
        assertEquals(rule, opt.rule(), optimizerSpec(rule));
        Random rnd = new Random(110 + rule.ordinal());
        for (int n : new int[] {1, 31, 33, 1000, 70001}) {
            Both p = new Both(uniform(rnd, n, -1, 1));
            Both[] state = new Both[rule.stateCount()];
            DeviceBuffer[] sd = new DeviceBuffer[state.length], sr = new DeviceBuffer[state.length];
            for (int s = 0; s < state.length; s++) {
                state[s] = new Both(n);
                sd[s] = state[s].d;
                sr[s] = state[s].r;
            }
            Both stats = new Both(Stats.SIZE);
            UpdateScalars sc = new UpdateScalars();
            // 7 steps: RAdam's rectification switches on at step 6, clipping varies by step
            for (long t = 1; t <= 7; t++) {
                Both g = new Both(uniform(rnd, n, -1, 1));
                sc.clear();
                opt.scalars(t, opt.lr(), Double.NaN, sc);
                sc.maxNorm = t % 3 == 0 ? 0.5f : 0f;
                sc.clipValue = t % 3 == 1 ? 0.3f : 0f;
                sc.skipNonFinite = true;
                dut.sumSquares(g.d, 0, n, stats.d, Stats.GRAD_SQ);
                ref.sumSquares(g.r, 0, n, stats.r, Stats.GRAD_SQ);
                // the reference's grad norm for both, so clipping scales agree exactly
                float[] st = stats.ref();
                dut.upload(st, 0, stats.d, 0, Stats.SIZE);
                try {
                    ref.update(rule, p.r, g.r, sr, n, sc, stats.r);
                } catch (UnsupportedOperationException e) {
                    freeAll();
                    assumeTrue(false, "CPU reference has no " + rule + " update yet: " + e.getMessage());
                }
                dut.update(rule, p.d, g.d, sd, n, sc, stats.d);
                String what = rule + " n=" + n + " step " + t;
                p.check(what + " param", Tolerances.UPDATE);
                for (int s = 0; s < state.length; s++) state[s].check(what + " state" + s, Tolerances.UPDATE);
                // re-align: the next step starts both from the reference values (errors must not compound)
                float[] pv = p.ref();
                dut.upload(pv, 0, p.d, 0, n);
                for (Both s : state) {
                    float[] sv = s.ref();
                    dut.upload(sv, 0, s.d, 0, n);
                }
            }
            freeAll();
        }
    }

    /**
     * The stats slots: loss adds to LOSS_SUM and STEP_LOSS and ROWS, countCorrect to CORRECT, sumSquares
     * overwrites its slot, and a guarded update with a non-finite gradient norm or step loss leaves the
     * parameters alone and adds 1 to SKIPPED.
     */
    @Test
    void statsSlots() {
        Random rnd = new Random(120);
        int rows = 33, cols = 3;
        Both z = new Both(uniform(rnd, rows * cols, -2, 2)), a = new Both(uniform(rnd, rows * cols, 0, 1));
        Both y = new Both(oneHot(rnd, rows, cols));
        Both stats = new Both(Stats.SIZE);
        for (int rep = 0; rep < 2; rep++) {
            dut.loss(LossKind.SOFTMAX_CROSS_ENTROPY, z.d, a.d, y.d, rows, cols, 1f / rows, null, stats.d);
            ref.loss(LossKind.SOFTMAX_CROSS_ENTROPY, z.r, a.r, y.r, rows, cols, 1f / rows, null, stats.r);
            dut.countCorrect(a.d, y.d, rows, cols, stats.d);
            ref.countCorrect(a.r, y.r, rows, cols, stats.r);
        }
        checkStats("two losses and counts", stats, Tolerances.LOSS_SUM);
        float[] s = stats.dut();
        assertEquals(2f * rows, s[Stats.ROWS], "ROWS counts rows twice");
        assertEquals(s[Stats.LOSS_SUM], s[Stats.STEP_LOSS], Tolerances.LOSS_SUM.abs(), "STEP_LOSS accumulates like LOSS_SUM");
        assertTrue(s[Stats.LOSS_SUM] > 0, "a cross-entropy is positive");

        Both g = new Both(uniform(rnd, 100, -1, 1));
        dut.sumSquares(g.d, 0, 100, stats.d, Stats.GRAD_SQ);
        dut.sumSquares(g.d, 0, 100, stats.d, Stats.GRAD_SQ);
        ref.sumSquares(g.r, 0, 100, stats.r, Stats.GRAD_SQ);
        checkStats("sumSquares overwrites", stats, Tolerances.LOSS_SUM);

        // a non-finite loss with the guard on: skipped, parameters untouched
        Both p = new Both(uniform(rnd, 100, -1, 1)), buf = new Both(100);
        float[] p0 = p.dut();
        UpdateScalars sc = new UpdateScalars();
        sc.hyper[0] = 0.1f;
        sc.skipNonFinite = true;
        float[] st = stats.dut();
        st[Stats.STEP_LOSS] = Float.POSITIVE_INFINITY;
        dut.upload(st, 0, stats.d, 0, Stats.SIZE);
        ref.upload(st, 0, stats.r, 0, Stats.SIZE);
        dut.update(UpdateRule.SGD, p.d, g.d, new DeviceBuffer[] {buf.d}, 100, sc, stats.d);
        ref.update(UpdateRule.SGD, p.r, g.r, new DeviceBuffer[] {buf.r}, 100, sc, stats.r);
        Tolerances.EXACT.assertClose("a skipped update leaves the parameters", p0, p.dut());
        assertEquals(1f, stats.dut()[Stats.SKIPPED], "SKIPPED counts the skip");
        checkStats("after a skip", stats, Tolerances.EXACT);

        // the same with the guard off: the update runs (and agrees with the reference)
        sc.skipNonFinite = false;
        dut.update(UpdateRule.SGD, p.d, g.d, new DeviceBuffer[] {buf.d}, 100, sc, stats.d);
        ref.update(UpdateRule.SGD, p.r, g.r, new DeviceBuffer[] {buf.r}, 100, sc, stats.r);
        p.check("unguarded update", Tolerances.UPDATE);
        assertEquals(1f, stats.dut()[Stats.SKIPPED], "no skip without the guard");
        freeAll();
    }

    // ---- coverage ------------------------------------------------------------------------------------

    /** Every method declared by Backend is exercised here: a new op must join the suite. */
    @Test
    void coversEveryBackendMethod() {
        Set<String> declared = new TreeSet<>();
        for (Method m : Backend.class.getDeclaredMethods()) {
            if (!Modifier.isStatic(m.getModifiers()) && !m.isSynthetic()) declared.add(m.getName());
        }
        Set<String> missing = new TreeSet<>(declared);
        missing.removeAll(COVERED);
        assertTrue(missing.isEmpty(), "Backend methods the conformance suite does not cover: " + missing);
        Set<String> stale = new TreeSet<>(COVERED);
        stale.removeAll(declared);
        assertTrue(stale.isEmpty(), "COVERED names methods Backend no longer has: " + stale);
        assertEquals(24, declared.size(), "Backend declares " + declared);
    }
}
