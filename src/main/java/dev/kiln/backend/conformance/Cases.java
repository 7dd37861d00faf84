package dev.kiln.backend.conformance;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Predicate;

import dev.kiln.backend.Activation;
import dev.kiln.backend.Backend;
import dev.kiln.backend.BackendException;
import dev.kiln.backend.DeviceBuffer;
import dev.kiln.backend.LossKind;
import dev.kiln.backend.Stats;
import dev.kiln.backend.UpdateRule;
import dev.kiln.backend.UpdateScalars;
import dev.kiln.backend.conformance.Conformance.Case;
import dev.kiln.backend.conformance.Conformance.Margin;
import dev.kiln.backend.conformance.Conformance.Result;
import dev.kiln.optim.Optimizer;
import dev.kiln.optim.Optimizers;

/**
 * The cases of {@link Conformance}, the single list that both the JUnit suite
 * (src/test/java/dev/kiln/backend/BackendConformanceTest.java, which makes a test of each) and
 * {@code CudaSelfTest} run, so a failure on a GPU machine is the same case the suite runs wherever that
 * backend runs. Each case runs one op on both backends, at the awkward sizes 1, 31, 33, 1000 and
 * non-square shapes, and compares what they wrote within a named {@link Margin}. Each case draws its
 * inputs from a Random seeded by its own group and name, so cases do not depend on each other's order.
 */
final class Cases {
    /** The Backend methods the cases exercise. */
    static final Set<String> COVERED = Set.of(
            "name", "device", "provenance",
            "alloc", "allocInt", "upload", "uploadInt", "download", "downloadInt", "fill", "copy",
            "gather", "gatherOneHot", "gemm", "biasActivation", "activationBackward", "biasGrad", "loss", "countCorrect",
            "dropoutForward", "dropoutBackward", "sumSquares", "update", "synchronize", "close");

    private static final int[] ROWS = {1, 31, 33, 1000};

    private final Backend dut, ref;
    private final Predicate<String> groups;
    private final List<Runnable> cleanup = new ArrayList<>();
    private final List<Case> cases = new ArrayList<>();

    /** {@code groups} selects the case groups (the op names of the results) to list. */
    Cases(Backend subject, Backend reference, Predicate<String> groups) {
        this.dut = subject;
        this.ref = reference;
        this.groups = groups;
    }

    /** Every case of the selected groups, in order; none has run yet. */
    List<Case> list() {
        if (!cases.isEmpty()) return cases;
        identity();
        memory();
        gather();
        gatherOneHot();
        gemm();
        for (Activation act : Activation.values()) biasActivation(act);
        for (Activation act : Activation.values()) activationBackward(act);
        biasGrad();
        for (LossKind kind : LossKind.values()) loss(kind);
        countCorrect();
        dropout();
        sumSquares();
        for (UpdateRule rule : UpdateRule.values()) update(rule);
        statsSlots();
        return cases;
    }

    // ---- plumbing ---------------------------------------------------------------------------------------

    /** One logical buffer held on both backends. */
    private final class Pair {
        final DeviceBuffer d, r;
        final int n;

        Pair(int n) {
            this.n = n;
            d = dut.alloc(n);
            cleanup.add(d::close);
            r = ref.alloc(n);
            cleanup.add(r::close);
        }

        Pair(float[] init) {
            this(init.length);
            dut.upload(init, 0, d, 0, init.length);
            ref.upload(init, 0, r, 0, init.length);
        }

        float[] dut() { return get(dut, d, n); }

        float[] ref() { return get(ref, r, n); }
    }

    /** The comparisons of one case; the first mismatch is kept. */
    private final class Check {
        String failure;

        void same(String what, Pair p, Margin margin) { same(what, p.ref(), p.dut(), margin); }

        void same(String what, float[] expected, float[] actual, Margin margin) {
            String diff = Conformance.compare(expected, actual, margin);
            if (diff != null && failure == null) failure = what + ": " + diff;
        }

        void truth(boolean ok, String what) {
            if (!ok && failure == null) failure = what;
        }
    }

    /** What a case does, given its checks and its own seeded Random. */
    private interface Body {
        void run(Check c, Random rnd);
    }

    /** Adds a case of group {@code op} (when selected), to run later. */
    private void run(String op, String name, Body body) {
        if (groups.test(op)) cases.add(new Case(op, name, () -> execute(op, name, body)));
    }

    /**
     * Runs one case, catching what either backend throws, and frees its buffers. The case's Random is seeded
     * from its group and name (String.hashCode is fixed by the JLS), so a case's inputs never depend on
     * which other cases ran before it.
     */
    private Result execute(String op, String name, Body body) {
        Check c = new Check();
        Throwable error = null;
        try {
            body.run(c, new Random(((long) op.hashCode() << 32) ^ name.hashCode()));
        } catch (RuntimeException | AssertionError e) {
            error = e;
            if (c.failure == null) c.failure = "threw " + e;
        } finally {
            for (int i = cleanup.size() - 1; i >= 0; i--) {
                try {
                    cleanup.get(i).run();
                } catch (RuntimeException ignored) {
                    // a faulted device context cannot free; the case has already failed
                }
            }
            cleanup.clear();
        }
        return new Result(op, name, c.failure == null, c.failure, error);
    }

    private static float[] get(Backend be, DeviceBuffer b, int n) {
        float[] out = new float[n];
        be.download(b, 0, out, 0, n);
        return out;
    }

    private static float[] uniform(Random rnd, int n, float lo, float hi) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = lo + (hi - lo) * rnd.nextFloat();
        return x;
    }

    private static float[] oneHot(Random rnd, int rows, int cols) {
        float[] y = new float[rows * cols];
        for (int r = 0; r < rows; r++) y[r * cols + rnd.nextInt(cols)] = 1f;
        return y;
    }

    private static float[] probabilities(Random rnd, int rows, int cols) {
        float[] y = uniform(rnd, rows * cols, 0.01f, 1f);
        for (int r = 0; r < rows; r++) {
            float s = 0;
            for (int c = 0; c < cols; c++) s += y[r * cols + c];
            for (int c = 0; c < cols; c++) y[r * cols + c] /= s;
        }
        return y;
    }

    // ---- identity, memory -------------------------------------------------------------------------------

    private void identity() {
        run("identity", "name, device, provenance", (c, rnd) -> {
            c.truth(dut.name() != null && !dut.name().isBlank(), "name() is blank");
            c.truth(dut.device() != null && !dut.device().isBlank(), "device() is blank");
            c.truth(dut.name().equals(dut.provenance().get("backend")), "provenance does not name the backend: " + dut.provenance());
            c.truth(dut.provenance().containsKey("gemm"), "provenance does not say which GEMM ran: " + dut.provenance());
        });
    }

    private void memory() {
        for (int n : new int[] {1, 31, 33, 1000}) {
            run("memory", "alloc/upload/download/fill/copy n=" + n, (c, rnd) -> {
                DeviceBuffer f = dut.alloc(n + 7), i = dut.allocInt(n + 7);
                cleanup.add(f::close);
                cleanup.add(i::close);
                c.truth(f.length() == n + 7 && !f.isInt() && i.isInt(), "lengths or kinds of new buffers");
                c.same("alloc is zeroed", new float[n + 7], get(dut, f, n + 7), Conformance.EXACT);
                int[] zi = new int[n + 7];
                dut.downloadInt(i, 0, zi, 0, n + 7);
                c.truth(Arrays.equals(new int[n + 7], zi), "allocInt is not zeroed");

                float[] src = uniform(rnd, n + 3, -1, 1);
                dut.upload(src, 3, f, 5, n);
                float[] back = new float[n + 2];
                dut.download(f, 5, back, 2, n);
                c.same("upload/download with offsets", Arrays.copyOfRange(src, 3, n + 3), Arrays.copyOfRange(back, 2, n + 2), Conformance.EXACT);

                int[] is = new int[n + 1];
                for (int k = 0; k < is.length; k++) is[k] = rnd.nextInt();
                dut.uploadInt(is, 1, i, 2, n);
                int[] ib = new int[n];
                dut.downloadInt(i, 2, ib, 0, n);
                c.truth(Arrays.equals(Arrays.copyOfRange(is, 1, n + 1), ib), "uploadInt/downloadInt with offsets");

                dut.fill(f, 1, n, -2.5f);
                float[] all = get(dut, f, n + 7);
                float[] filled = new float[n];
                Arrays.fill(filled, -2.5f);
                c.same("fill", filled, Arrays.copyOfRange(all, 1, n + 1), Conformance.EXACT);
                c.truth(all[0] == 0f, "fill wrote before its range");

                DeviceBuffer g = dut.alloc(n + 4);
                cleanup.add(g::close);
                dut.copy(f, 1, g, 3, n);
                float[] copied = get(dut, g, n + 4);
                c.same("copy", Arrays.copyOfRange(all, 1, n + 1), Arrays.copyOfRange(copied, 3, n + 3), Conformance.EXACT);
                c.truth(copied[0] == 0f, "copy wrote before its range");
                dut.synchronize();
            });
        }
    }

    // ---- gather, GEMM -----------------------------------------------------------------------------------

    private void gather() {
        for (int rows : ROWS) {
            for (int cols : new int[] {1, 31, 33}) {
                run("gather", rows + "x" + cols, (c, rnd) -> {
                    int srcRows = 50;
                    Pair src = new Pair(uniform(rnd, srcRows * cols, -1, 1));
                    int[] idx = new int[rows + 5];
                    for (int k = 0; k < idx.length; k++) idx[k] = rnd.nextInt(srcRows);
                    DeviceBuffer id = dut.allocInt(idx.length);
                    cleanup.add(id::close);
                    DeviceBuffer ir = ref.allocInt(idx.length);
                    cleanup.add(ir::close);
                    dut.uploadInt(idx, 0, id, 0, idx.length);
                    ref.uploadInt(idx, 0, ir, 0, idx.length);
                    Pair dst = new Pair(rows * cols);
                    dut.gather(src.d, cols, id, 5, rows, dst.d);
                    ref.gather(src.r, cols, ir, 5, rows, dst.r);
                    c.same("dst", dst, Conformance.EXACT);
                });
            }
        }
    }

    /**
     * gatherOneHot at every row count, 1 to 1024 classes and two index offsets, into a dst of garbage 3
     * longer than the batch (every element of the batch written, none past it), against the reference
     * and against the definition; then a bad index and a bad label, which a host backend throws for and a
     * device turns into rows of NaN.
     */
    private void gatherOneHot() {
        for (int rows : ROWS) {
            for (int classes : new int[] {1, 10, 33, 1024}) {
                for (int idxOff : new int[] {5, 1}) {
                    run("gatherOneHot", rows + "x" + classes + " idxOff=" + idxOff, (c, rnd) -> {
                        int[] labels = new int[50 + rows / 4];
                        for (int k = 0; k < labels.length; k++) labels[k] = rnd.nextInt(classes);
                        int[] idx = new int[idxOff + rows + 2];
                        for (int k = 0; k < idx.length; k++) idx[k] = rnd.nextInt(labels.length);
                        float[] expected = uniform(rnd, rows * classes + 3, -1, 1);
                        Pair dst = new Pair(expected);
                        oneHotOnBoth(labels, idx, idxOff, rows, classes, dst);
                        c.same("dst", dst, Conformance.EXACT);
                        for (int r = 0; r < rows; r++) {
                            Arrays.fill(expected, r * classes, (r + 1) * classes, 0f);
                            expected[r * classes + labels[idx[idxOff + r]]] = 1f;
                        }
                        c.same("dst against the definition", expected, dst.dut(), Conformance.EXACT);
                    });
                }
            }
        }
        run("gatherOneHot", "a bad index and a bad label: the host throws, a device writes rows of NaN", (c, rnd) -> {
            int rows = 40, classes = 10, idxOff = 3;
            int[] labels = new int[60];
            for (int k = 0; k < labels.length; k++) labels[k] = rnd.nextInt(classes);
            labels[0] = -1;
            labels[1] = classes;
            int[] idx = new int[idxOff + rows];
            for (int k = 0; k < idx.length; k++) idx[k] = 2 + rnd.nextInt(labels.length - 2);
            idx[idxOff + 4] = -1;
            idx[idxOff + 11] = labels.length;
            idx[idxOff + 20] = 0;
            idx[idxOff + 33] = 1;
            Set<Integer> bad = Set.of(4, 11, 20, 33);
            DeviceBuffer lr = intsOn(ref, labels), ir = intsOn(ref, idx);
            DeviceBuffer dr = ref.alloc(rows * classes);
            cleanup.add(dr::close);
            try {
                ref.gatherOneHot(lr, ir, idxOff, rows, classes, dr);
                c.truth(false, "the reference did not throw for a bad index");
            } catch (BackendException expected) {
                // the CPU reference reports the first bad row
            }
            DeviceBuffer ld = intsOn(dut, labels), id = intsOn(dut, idx);
            DeviceBuffer dd = dut.alloc(rows * classes);
            cleanup.add(dd::close);
            float[] want = new float[rows * classes];
            for (int r = 0; r < rows; r++) {
                if (bad.contains(r)) Arrays.fill(want, r * classes, (r + 1) * classes, Float.NaN);
                else want[r * classes + labels[idx[idxOff + r]]] = 1f;
            }
            if (dut.name().equals(ref.name())) {
                try {
                    dut.gatherOneHot(ld, id, idxOff, rows, classes, dd);
                    c.truth(false, dut.name() + " did not throw for a bad index");
                } catch (BackendException expected) {
                    // a host backend reports the bad index (CpuBackendTest checks the messages)
                }
            } else {
                dut.gatherOneHot(ld, id, idxOff, rows, classes, dd);
                c.same("dst (4 rows of NaN)", want, get(dut, dd, rows * classes), Conformance.EXACT);
            }
        });
    }

    /** Runs gatherOneHot with the same int inputs on both backends. */
    private void oneHotOnBoth(int[] labels, int[] idx, int idxOff, int rows, int classes, Pair dst) {
        dut.gatherOneHot(intsOn(dut, labels), intsOn(dut, idx), idxOff, rows, classes, dst.d);
        ref.gatherOneHot(intsOn(ref, labels), intsOn(ref, idx), idxOff, rows, classes, dst.r);
    }

    /** An int buffer on {@code be} holding {@code values}, freed after the case. */
    private DeviceBuffer intsOn(Backend be, int[] values) {
        DeviceBuffer b = be.allocInt(values.length);
        cleanup.add(b::close);
        be.uploadInt(values, 0, b, 0, values.length);
        return b;
    }

    private void gemm() {
        int[][] shapes = {{1, 1, 1}, {31, 31, 31}, {33, 33, 33}, {31, 33, 1}, {1, 33, 31}, {33, 1, 31},
                {1000, 31, 33}, {31, 1000, 33}, {33, 31, 1000}, {1000, 1, 1}, {1, 1000, 7}, {64, 40, 129}};
        for (int[] s : shapes) {
            for (int t = 0; t < 4; t++) {
                int m = s[0], n = s[1], k = s[2];
                boolean tA = (t & 2) != 0, tB = (t & 1) != 0;
                run("gemm", "m=" + m + " n=" + n + " k=" + k + (tA ? " A^T" : "") + (tB ? " B^T" : ""), (c, rnd) -> {
                    int lda = (tA ? m : k) + 3, ldb = (tB ? k : n) + 2, ldc = n + 1;
                    int aOff = 5, bOff = 2, cOff = 7;
                    Pair a = new Pair(uniform(rnd, aOff + (tA ? k : m) * lda, -1, 1));
                    Pair b = new Pair(uniform(rnd, bOff + (tB ? n : k) * ldb, -1, 1));
                    for (float[] albe : new float[][] {{1f, 0f}, {0.5f, -1.5f}, {-2f, 1f}}) {
                        float[] c0 = uniform(rnd, cOff + m * ldc, -1, 1);
                        if (albe[1] == 0f) {
                            // beta = 0 must ignore even NaN in C's window; padding stays finite
                            for (int i = 0; i < m; i++) Arrays.fill(c0, cOff + i * ldc, cOff + i * ldc + n, Float.NaN);
                        }
                        Pair cc = new Pair(c0);
                        dut.gemm(tA, tB, m, n, k, albe[0], a.d, aOff, lda, b.d, bOff, ldb, albe[1], cc.d, cOff, ldc);
                        ref.gemm(tA, tB, m, n, k, albe[0], a.r, aOff, lda, b.r, bOff, ldb, albe[1], cc.r, cOff, ldc);
                        c.same("C (alpha " + albe[0] + ", beta " + albe[1] + ")", cc, Conformance.gemm(k));
                    }
                });
            }
        }
    }

    // ---- activations --------------------------------------------------------------------------------------

    private void biasActivation(Activation act) {
        for (int[] s : new int[][] {{1, 1}, {31, 33}, {33, 31}, {1000, 10}, {7, 1000}}) {
            int rows = s[0], cols = s[1];
            run("biasActivation", act + " " + rows + "x" + cols, (c, rnd) -> {
                Pair z = new Pair(uniform(rnd, rows * cols, -4, 4));
                Pair bias = new Pair(uniform(rnd, cols + 3, -1, 1));
                Pair a = new Pair(rows * cols);
                dut.biasActivation(act, 0.1f, z.d, bias.d, 3, a.d, rows, cols);
                ref.biasActivation(act, 0.1f, z.r, bias.r, 3, a.r, rows, cols);
                c.same("Z += bias", z, Conformance.EXACT);
                c.same("A", a, Conformance.activation(act));
            });
        }
    }

    private void activationBackward(Activation act) {
        for (int[] s : new int[][] {{1, 1}, {31, 33}, {1000, 10}, {7, 1000}}) {
            int rows = s[0], cols = s[1];
            for (boolean inPlace : new boolean[] {false, true}) {
                run("activationBackward", act + " " + rows + "x" + cols + (inPlace ? " in place" : ""), (c, rnd) -> {
                    Pair z = new Pair(uniform(rnd, rows * cols, -4, 4));
                    Pair bias = new Pair(cols);
                    Pair a = new Pair(rows * cols);
                    // A from the reference's forward pass, so both differentiate at the same point
                    ref.biasActivation(act, 0.1f, z.r, bias.r, 0, a.r, rows, cols);
                    float[] av = a.ref();
                    dut.upload(av, 0, a.d, 0, av.length);
                    Pair dA = new Pair(uniform(rnd, rows * cols, -1, 1));
                    Pair dZ = inPlace ? dA : new Pair(rows * cols);
                    dut.activationBackward(act, 0.1f, z.d, a.d, dA.d, dZ.d, rows, cols);
                    ref.activationBackward(act, 0.1f, z.r, a.r, dA.r, dZ.r, rows, cols);
                    c.same("dZ", dZ, Conformance.activation(act));
                });
            }
        }
    }

    private void biasGrad() {
        for (int[] s : new int[][] {{1, 1}, {31, 33}, {1000, 31}, {33, 1000}, {1000, 300}}) {
            int rows = s[0], cols = s[1];
            run("biasGrad", rows + "x" + cols, (c, rnd) -> {
                Pair dz = new Pair(uniform(rnd, rows * cols, -1, 1));
                Pair db = new Pair(uniform(rnd, cols + 4, -1, 1));
                dut.biasGrad(dz.d, rows, cols, db.d, 4);
                ref.biasGrad(dz.r, rows, cols, db.r, 4);
                c.same("db", db, Conformance.BIAS_GRAD);
            });
        }
    }

    // ---- losses, accuracy -----------------------------------------------------------------------------------

    /** Loss slots within {@code lossMargin}, every other slot exactly. */
    private static void sameStats(Check c, String what, Pair stats, Margin lossMargin) {
        float[] d = stats.dut(), r = stats.ref();
        for (int s = 0; s < Stats.SIZE; s++) {
            Margin m = s == Stats.LOSS_SUM || s == Stats.STEP_LOSS ? lossMargin : Conformance.EXACT;
            c.same(what + " stats[" + s + "]", new float[] {r[s]}, new float[] {d[s]}, m);
        }
    }

    private void loss(LossKind kind) {
        for (int rows : ROWS) {
            for (int cols : new int[] {1, 3, 33}) {
                if (kind == LossKind.SOFTMAX_CROSS_ENTROPY && cols == 1) continue;
                for (boolean withGrad : new boolean[] {true, false}) {
                    run("loss", kind + " " + rows + "x" + cols + (withGrad ? " with gradient" : ""), (c, rnd) -> {
                        // soft targets for cross-entropy on odd rows (probability rows), one-hot on even
                        float[] y = switch (kind) {
                            case SOFTMAX_CROSS_ENTROPY -> rows % 2 == 0 ? oneHot(rnd, rows, cols) : probabilities(rnd, rows, cols);
                            case BINARY_CROSS_ENTROPY -> uniform(rnd, rows * cols, 0, 1);
                            case MSE -> uniform(rnd, rows * cols, -2, 2);
                        };
                        Pair z = new Pair(uniform(rnd, rows * cols, -5, 5)), a = new Pair(uniform(rnd, rows * cols, -2, 2));
                        Pair target = new Pair(y);
                        Pair stats = new Pair(new float[] {1.5f, 2f, 0.25f, 3f, 40f, -0.5f, 7f, 8f});
                        Pair grad = new Pair(rows * cols);
                        float scale = 1f / rows;
                        dut.loss(kind, z.d, a.d, target.d, rows, cols, scale, withGrad ? grad.d : null, stats.d);
                        ref.loss(kind, z.r, a.r, target.r, rows, cols, scale, withGrad ? grad.r : null, stats.r);
                        sameStats(c, "loss", stats, Conformance.LOSS_SUM);
                        if (withGrad) c.same("gradient", grad, Conformance.lossGrad(scale));
                    });
                }
            }
        }
    }

    private void countCorrect() {
        for (int rows : ROWS) {
            for (int cols : new int[] {1, 2, 10, 33}) {
                run("countCorrect", rows + "x" + cols, (c, rnd) -> {
                    float[] av = uniform(rnd, rows * cols, 0, 1);
                    // quantised activations make tied maxima common, where the first index must win
                    for (int i = 0; i < av.length; i++) av[i] = Math.round(av[i] * 3) / 3f;
                    float[] y = cols == 1 ? uniform(rnd, rows, 0, 1) : oneHot(rnd, rows, cols);
                    Pair a = new Pair(av), target = new Pair(y);
                    Pair stats = new Pair(new float[] {0, 5, 0, 0, 0, 0, 0, 0});
                    dut.countCorrect(a.d, target.d, rows, cols, stats.d);
                    ref.countCorrect(a.r, target.r, rows, cols, stats.r);
                    sameStats(c, "countCorrect", stats, Conformance.EXACT);
                });
            }
        }
    }

    // ---- dropout ----------------------------------------------------------------------------------------------

    private void dropout() {
        long[][] seeds = {{0, 0}, {42, 1000}, {-7, 1L << 40}, {0x123456789ABCDEFL, -3}};
        for (int n : new int[] {1, 31, 33, 1000, 70001}) {
            for (long[] sc : seeds) {
                for (float p : new float[] {0f, 0.1f, 0.5f}) {
                    run("dropout", "n=" + n + " p=" + p + " seed=" + sc[0] + " counter=" + sc[1], (c, rnd) -> {
                        Pair x = new Pair(uniform(rnd, n, -1, 1));
                        Pair mask = new Pair(n), y = new Pair(n);
                        dut.dropoutForward(x.d, mask.d, y.d, n, p, sc[0], sc[1]);
                        ref.dropoutForward(x.r, mask.r, y.r, n, p, sc[0], sc[1]);
                        c.same("mask", mask, Conformance.EXACT);
                        c.same("y", y, Conformance.EXACT);
                        Pair dy = new Pair(uniform(rnd, n, -1, 1)), dx = new Pair(n);
                        dut.dropoutBackward(dy.d, mask.d, dx.d, n);
                        ref.dropoutBackward(dy.r, mask.r, dx.r, n);
                        c.same("dX", dx, Conformance.EXACT);
                        dut.dropoutBackward(dy.d, mask.d, dy.d, n);
                        ref.dropoutBackward(dy.r, mask.r, dy.r, n);
                        c.same("dX in place", dy, Conformance.EXACT);
                    });
                }
            }
        }
    }

    // ---- update -------------------------------------------------------------------------------------------------

    private void sumSquares() {
        for (int n : new int[] {1, 31, 33, 1000, 100003}) {
            run("sumSquares", "n=" + n, (c, rnd) -> {
                Pair x = new Pair(uniform(rnd, n + 9, -1, 1));
                Pair stats = new Pair(new float[] {1, 2, 3, 4, 5, 6, 7, 8});
                dut.sumSquares(x.d, 9, n, stats.d, Stats.GRAD_SQ);
                ref.sumSquares(x.r, 9, n, stats.r, Stats.GRAD_SQ);
                c.same("stats", stats, Conformance.SUM_SQUARES);
                c.truth(stats.dut()[Stats.SKIPPED] == 4f, "sumSquares wrote outside its slot");
            });
        }
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY}) {
            run("sumSquares", "propagates " + bad, (c, rnd) -> {
                float[] v = uniform(rnd, 1000, -1, 1);
                v[517] = bad;
                Pair x = new Pair(v), stats = new Pair(Stats.SIZE);
                dut.sumSquares(x.d, 0, 1000, stats.d, 6);
                ref.sumSquares(x.r, 0, 1000, stats.r, 6);
                c.same("stats", stats, Conformance.EXACT);
            });
        }
    }

    /** An optimizer per rule, with the options that exercise the rule's branches (as the JUnit suite). */
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

    private void update(UpdateRule rule) {
        for (int n : new int[] {1, 31, 33, 1000, 70001}) {
            run("update", rule + " n=" + n + " (7 steps)", (c, rnd) -> {
                Optimizer opt = Optimizers.parse(optimizerSpec(rule));
                c.truth(opt.rule() == rule, optimizerSpec(rule) + " parses to " + opt.rule() + ", not " + rule);
                Pair p = new Pair(uniform(rnd, n, -1, 1));
                Pair[] state = new Pair[rule.stateCount()];
                DeviceBuffer[] sd = new DeviceBuffer[state.length], sr = new DeviceBuffer[state.length];
                for (int s = 0; s < state.length; s++) {
                    state[s] = new Pair(n);
                    sd[s] = state[s].d;
                    sr[s] = state[s].r;
                }
                Pair stats = new Pair(Stats.SIZE);
                UpdateScalars sc = new UpdateScalars();
                // 7 steps: RAdam's rectification switches on at step 6; clipping varies by step
                for (long t = 1; t <= 7; t++) {
                    Pair g = new Pair(uniform(rnd, n, -1, 1));
                    sc.clear();
                    opt.scalars(t, opt.lr(), Double.NaN, sc);
                    sc.maxNorm = t % 3 == 0 ? 0.5f : 0f;
                    sc.clipValue = t % 3 == 1 ? 0.3f : 0f;
                    sc.skipNonFinite = true;
                    dut.sumSquares(g.d, 0, n, stats.d, Stats.GRAD_SQ);
                    ref.sumSquares(g.r, 0, n, stats.r, Stats.GRAD_SQ);
                    // the reference's gradient norm for both, so the clipping scales agree exactly
                    float[] st = stats.ref();
                    dut.upload(st, 0, stats.d, 0, Stats.SIZE);
                    ref.update(rule, p.r, g.r, sr, n, sc, stats.r);
                    dut.update(rule, p.d, g.d, sd, n, sc, stats.d);
                    c.same("step " + t + " param", p, Conformance.UPDATE);
                    for (int s = 0; s < state.length; s++) c.same("step " + t + " state" + s, state[s], Conformance.UPDATE);
                    // both continue from the reference's values, so errors do not compound
                    float[] pv = p.ref();
                    dut.upload(pv, 0, p.d, 0, n);
                    for (Pair s : state) {
                        float[] sv = s.ref();
                        dut.upload(sv, 0, s.d, 0, n);
                    }
                }
            });
        }
    }

    /** The stats slots: accumulation, overwrite, and the finite guard's skip count. */
    private void statsSlots() {
        run("statsSlots", "loss, countCorrect, sumSquares, guarded update", (c, rnd) -> {
            int rows = 33, cols = 3;
            Pair z = new Pair(uniform(rnd, rows * cols, -2, 2)), a = new Pair(uniform(rnd, rows * cols, 0, 1));
            Pair y = new Pair(oneHot(rnd, rows, cols));
            Pair stats = new Pair(Stats.SIZE);
            for (int rep = 0; rep < 2; rep++) {
                dut.loss(LossKind.SOFTMAX_CROSS_ENTROPY, z.d, a.d, y.d, rows, cols, 1f / rows, null, stats.d);
                ref.loss(LossKind.SOFTMAX_CROSS_ENTROPY, z.r, a.r, y.r, rows, cols, 1f / rows, null, stats.r);
                dut.countCorrect(a.d, y.d, rows, cols, stats.d);
                ref.countCorrect(a.r, y.r, rows, cols, stats.r);
            }
            sameStats(c, "two losses and counts", stats, Conformance.LOSS_SUM);
            float[] s = stats.dut();
            c.truth(s[Stats.ROWS] == 2f * rows, "ROWS = " + s[Stats.ROWS] + ", expected " + 2 * rows);
            c.same("STEP_LOSS accumulates like LOSS_SUM", new float[] {s[Stats.LOSS_SUM]}, new float[] {s[Stats.STEP_LOSS]}, Conformance.LOSS_SUM);
            c.truth(s[Stats.LOSS_SUM] > 0, "a cross-entropy sum is positive, got " + s[Stats.LOSS_SUM]);

            Pair g = new Pair(uniform(rnd, 100, -1, 1));
            dut.sumSquares(g.d, 0, 100, stats.d, Stats.GRAD_SQ);
            dut.sumSquares(g.d, 0, 100, stats.d, Stats.GRAD_SQ);
            ref.sumSquares(g.r, 0, 100, stats.r, Stats.GRAD_SQ);
            sameStats(c, "sumSquares overwrites", stats, Conformance.LOSS_SUM);

            Pair p = new Pair(uniform(rnd, 100, -1, 1)), buf = new Pair(100);
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
            c.same("a skipped update leaves the parameters", p0, p.dut(), Conformance.EXACT);
            c.truth(stats.dut()[Stats.SKIPPED] == 1f, "SKIPPED = " + stats.dut()[Stats.SKIPPED] + " after one skip");
            sameStats(c, "after a skip", stats, Conformance.EXACT);

            sc.skipNonFinite = false;
            dut.update(UpdateRule.SGD, p.d, g.d, new DeviceBuffer[] {buf.d}, 100, sc, stats.d);
            ref.update(UpdateRule.SGD, p.r, g.r, new DeviceBuffer[] {buf.r}, 100, sc, stats.r);
            c.same("unguarded update", p, Conformance.UPDATE);
            c.truth(stats.dut()[Stats.SKIPPED] == 1f, "a skip counted without the guard");
        });
    }
}
