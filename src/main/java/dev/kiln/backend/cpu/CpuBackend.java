package dev.kiln.backend.cpu;

import dev.kiln.backend.Activation;
import dev.kiln.backend.Backend;
import dev.kiln.backend.BackendException;
import dev.kiln.backend.DeviceBuffer;
import dev.kiln.backend.HostSharing;
import dev.kiln.backend.LossKind;
import dev.kiln.backend.Stats;
import dev.kiln.backend.UpdateRule;
import dev.kiln.backend.UpdateScalars;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The pure-Java backend and the reference the GPU backends are tested against. Buffers are Java arrays
 * ({@link CpuBuffer}); every op runs synchronously on the calling thread, or, when it is large enough to
 * pay for it, split into chunks over a small fixed pool of daemon threads ({@link CpuPool}). Chunk
 * boundaries depend only on the data size and partial sums are combined in chunk order, so the results
 * are bit-identical for every thread count. The GEMM is {@link CpuGemm} (Vector API micro-kernel, or a
 * scalar one when {@code jdk.incubator.vector} is not loaded).
 *
 * <p>Like a device stream, one backend serves one thread at a time. Nothing is allocated per op once the
 * scratch arrays have grown to the largest op seen.
 */
public final class CpuBackend implements Backend, HostSharing {
    /** Elements (or row elements) per chunk of a split op; ops smaller than this run on the calling thread. */
    static final int CHUNK = 32768;
    /** Columns per chunk of biasGrad. */
    static final int BIAS_COLS = 256;

    private final CpuPool pool;
    private final CpuGemm gemm;
    private final Task task = new Task();
    private final String device;
    private final Map<String, String> provenance;
    private final Set<CpuBuffer> open = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
    private final float[][] stateArrays;
    private double[] partial = new double[16];
    private final double[][] scratch;
    private volatile boolean closed;

    /** A backend on the configured number of threads ({@link CpuBackendProvider#configuredThreads()}). */
    public CpuBackend() {
        this(CpuBackendProvider.configuredThreads());
    }

    /** A backend on {@code threads} threads (the caller included), with the best GEMM kernel this JVM has. */
    public CpuBackend(int threads) {
        this(threads, CpuGemm.bestKind());
    }

    /**
     * A backend on {@code threads} threads; {@code vectorGemm} selects the Vector API GEMM kernel (it must be
     * available, see {@link #vectorAvailable()}) or the scalar one.
     */
    public CpuBackend(int threads, boolean vectorGemm) {
        if (threads < 1) throw new IllegalArgumentException("cpu backend: threads must be >= 1, got " + threads);
        if (vectorGemm && !CpuGemm.bestKind())
            throw new BackendException("cpu backend: the Vector API GEMM is unavailable: " + CpuGemm.vectorProblem());
        pool = new CpuPool(threads);
        gemm = new CpuGemm(pool, vectorGemm);
        int maxStates = 0;
        for (UpdateRule r : UpdateRule.values()) maxStates = Math.max(maxStates, r.stateCount());
        stateArrays = new float[maxStates][];
        scratch = new double[threads][];
        device = threads + (threads == 1 ? " thread, " : " threads, ") + gemm.describe();
        Map<String, String> p = new LinkedHashMap<>();
        p.put("backend", "cpu");
        p.put("device", device);
        p.put("driver", "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name", "?") + ")");
        p.put("gemm", "kiln cpu blocked sgemm: " + gemm.describe()
                + (vectorGemm ? "" : " (" + (CpuGemm.vectorProblem() == null ? "scalar requested" : CpuGemm.vectorProblem()) + ")"));
        p.put("threads", Integer.toString(threads));
        provenance = Collections.unmodifiableMap(p);
    }

    /** Whether this JVM can run the Vector API GEMM (started with --add-modules jdk.incubator.vector). */
    public static boolean vectorAvailable() { return CpuGemm.bestKind(); }

    /** Threads an op may use, the caller included. */
    public int threads() { return pool.threads(); }

    // ---- identity ------------------------------------------------------------------------------------

    @Override public String name() { return "cpu"; }

    @Override public String device() { return device; }

    @Override public Map<String, String> provenance() { return provenance; }

    // ---- memory --------------------------------------------------------------------------------------

    @Override public DeviceBuffer alloc(long n) { return allocate(n, false); }

    @Override public DeviceBuffer allocInt(long n) { return allocate(n, true); }

    /** The array itself as a buffer: on the CPU the device memory is the heap, so read-only data needs no copy. */
    @Override public DeviceBuffer shareReadOnly(float[] data) { return shared(new CpuBuffer(this, data)); }

    @Override public DeviceBuffer shareReadOnly(int[] data) { return shared(new CpuBuffer(this, data)); }

    private DeviceBuffer shared(CpuBuffer b) {
        if (closed) throw new BackendException("cpu shareReadOnly: backend is closed");
        open.add(b);
        return b;
    }

    private DeviceBuffer allocate(long n, boolean isInt) {
        String what = isInt ? " ints" : " floats";
        if (closed) throw new BackendException("cpu alloc: backend is closed");
        if (n < 0 || n > Integer.MAX_VALUE - 8)
            throw new BackendException("cpu alloc: " + n + what + " is outside [0, " + (Integer.MAX_VALUE - 8) + "], the size of a Java array");
        try {
            CpuBuffer b = new CpuBuffer(this, (int) n, isInt);
            open.add(b);
            return b;
        } catch (OutOfMemoryError e) {
            Runtime rt = Runtime.getRuntime();
            long free = rt.maxMemory() - rt.totalMemory() + rt.freeMemory();
            throw new BackendException("cpu alloc: cannot allocate " + n + what + " (" + (n * 4 >> 20) + " MiB); the JVM has "
                    + (free >> 20) + " MiB free of " + (rt.maxMemory() >> 20) + " MiB (raise -Xmx)", e);
        }
    }

    /** Called by a buffer that closes itself. */
    void forget(CpuBuffer b) { open.remove(b); }

    @Override
    public void upload(float[] src, int srcOff, DeviceBuffer dst, long dstOff, int n) {
        float[] d = floats("upload", dst);
        hostRange("upload", src.length, srcOff, n);
        System.arraycopy(src, srcOff, d, range("upload", "dst", d.length, dstOff, n), n);
    }

    @Override
    public void uploadInt(int[] src, int srcOff, DeviceBuffer dst, long dstOff, int n) {
        int[] d = ints("uploadInt", dst);
        hostRange("uploadInt", src.length, srcOff, n);
        System.arraycopy(src, srcOff, d, range("uploadInt", "dst", d.length, dstOff, n), n);
    }

    @Override
    public void download(DeviceBuffer src, long srcOff, float[] dst, int dstOff, int n) {
        float[] s = floats("download", src);
        hostRange("download", dst.length, dstOff, n);
        System.arraycopy(s, range("download", "src", s.length, srcOff, n), dst, dstOff, n);
    }

    @Override
    public void downloadInt(DeviceBuffer src, long srcOff, int[] dst, int dstOff, int n) {
        int[] s = ints("downloadInt", src);
        hostRange("downloadInt", dst.length, dstOff, n);
        System.arraycopy(s, range("downloadInt", "src", s.length, srcOff, n), dst, dstOff, n);
    }

    @Override
    public void fill(DeviceBuffer dst, long off, long n, float value) {
        float[] d = floats("fill", dst);
        int o = range("fill", "dst", d.length, off, n);
        java.util.Arrays.fill(d, o, o + (int) n, value);
    }

    @Override
    public void copy(DeviceBuffer src, long srcOff, DeviceBuffer dst, long dstOff, long n) {
        float[] s = floats("copy", src), d = floats("copy", dst);
        int so = range("copy", "src", s.length, srcOff, n), dO = range("copy", "dst", d.length, dstOff, n);
        System.arraycopy(s, so, d, dO, (int) n);
    }

    // ---- forward / backward --------------------------------------------------------------------------

    @Override
    public void gather(DeviceBuffer src, int cols, DeviceBuffer idx, int idxOff, int rows, DeviceBuffer dst) {
        float[] s = floats("gather", src), d = floats("gather", dst);
        int[] ix = ints("gather", idx);
        gatherShape("gather", rows, cols, ix.length, idxOff, d.length);
        long srcRows = cols == 0 ? Long.MAX_VALUE : s.length / cols;
        for (int r = 0; r < rows; r++) {
            int from = indexAt("gather", ix, idxOff + r, srcRows, "rows of src");
            System.arraycopy(s, from * cols, d, r * cols, cols);
        }
    }

    /** A gather of rows x cols: both non-negative, idx[idxOff, idxOff + rows) and dst's rows x cols in range. */
    private static void gatherShape(String op, int rows, int cols, int idxLength, int idxOff, int dstLength) {
        if (cols < 0 || rows < 0) throw new BackendException("cpu " + op + ": negative shape " + rows + " x " + cols);
        range(op, "idx", idxLength, idxOff, rows);
        range(op, "dst", dstLength, 0, (long) rows * cols);
    }

    /** idx[i], checked to lie in [0, count): else an error naming the op, the entry and what it indexes. */
    private static int indexAt(String op, int[] idx, int i, long count, String what) {
        int from = idx[i];
        if (from < 0 || from >= count)
            throw new BackendException("cpu " + op + ": idx[" + i + "] = " + from + " is outside the " + count + " " + what);
        return from;
    }

    @Override
    public void gatherOneHot(DeviceBuffer labels, DeviceBuffer idx, int idxOff, int rows, int classes, DeviceBuffer dst) {
        int[] l = ints("gatherOneHot", labels), ix = ints("gatherOneHot", idx);
        float[] d = floats("gatherOneHot", dst);
        gatherShape("gatherOneHot", rows, classes, ix.length, idxOff, d.length);
        // every row is checked before dst is touched: a rejected call leaves it as it was
        for (int r = 0; r < rows; r++) {
            int from = indexAt("gatherOneHot", ix, idxOff + r, l.length, "labels");
            int label = l[from];
            if (label < 0 || label >= classes)
                throw new BackendException("cpu gatherOneHot: label " + label + " of row " + from + " is outside [0, " + classes + ")");
        }
        Arrays.fill(d, 0, rows * classes, 0f);
        for (int r = 0; r < rows; r++) d[r * classes + l[ix[idxOff + r]]] = 1f;
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     DeviceBuffer a, long aOff, int lda, DeviceBuffer b, long bOff, int ldb,
                     float beta, DeviceBuffer c, long cOff, int ldc) {
        if (m < 0 || n < 0 || k < 0) throw new BackendException("cpu gemm: negative shape m=" + m + " n=" + n + " k=" + k);
        float[] aa = floats("gemm", a), bb = floats("gemm", b), cc = floats("gemm", c);
        // stored shapes: A is m x k (k x m if transposed), B is k x n (n x k), C is m x n
        long aExt = matrix("A", transA ? k : m, transA ? m : k, lda, aa.length, aOff, m != 0 && n != 0 && alpha != 0f);
        long bExt = matrix("B", transB ? n : k, transB ? k : n, ldb, bb.length, bOff, m != 0 && n != 0 && alpha != 0f);
        long cExt = matrix("C", m, n, ldc, cc.length, cOff, true);
        if ((cc == aa && overlaps(cOff, cExt, aOff, aExt)) || (cc == bb && overlaps(cOff, cExt, bOff, bExt)))
            throw new BackendException("cpu gemm: C overlaps A or B in the same buffer");
        gemm.gemm(transA, transB, m, n, k, alpha, aa, (int) aOff, lda, bb, (int) bOff, ldb, beta, cc, (int) cOff, ldc);
    }

    /** Checks a stored rows x cols matrix with row stride ld at off; returns the elements it spans. */
    private static long matrix(String name, int rows, int cols, int ld, int length, long off, boolean read) {
        if (rows == 0 || cols == 0 || !read) return 0;
        if (ld < cols)
            throw new BackendException("cpu gemm: ld" + name.toLowerCase() + " = " + ld + " is less than the " + cols + " columns of stored " + name);
        long ext = (long) (rows - 1) * ld + cols;
        if (off < 0 || off + ext > length)
            throw new BackendException("cpu gemm: " + name + " (" + rows + " x " + cols + ", ld " + ld + ") at offset " + off
                    + " needs " + (off + ext) + " elements, buffer has " + length);
        return ext;
    }

    private static boolean overlaps(long o1, long n1, long o2, long n2) {
        return n1 > 0 && n2 > 0 && o1 < o2 + n2 && o2 < o1 + n1;
    }

    @Override
    public void biasActivation(Activation act, float slope, DeviceBuffer z, DeviceBuffer bias, long biasOff,
                               DeviceBuffer a, int rows, int cols) {
        String op = "biasActivation";
        float[] zz = floats(op, z), bb = floats(op, bias), aa = floats(op, a);
        long size = shape(op, rows, cols);
        range(op, "z", zz.length, 0, size);
        range(op, "a", aa.length, 0, size);
        int bo = range(op, "bias", bb.length, biasOff, cols);
        if (zz == aa) throw new BackendException("cpu biasActivation: A and Z must be distinct buffers");
        Task t = task;
        t.op = Task.BIAS_ACT; t.act = act.code(); t.slope = slope; t.f0 = zz; t.f1 = bb; t.o1 = bo; t.f2 = aa;
        runRows(t, rows, cols);
    }

    @Override
    public void activationBackward(Activation act, float slope, DeviceBuffer z, DeviceBuffer a, DeviceBuffer dA,
                                   DeviceBuffer dZ, int rows, int cols) {
        String op = "activationBackward";
        float[] zz = floats(op, z), aa = floats(op, a), da = floats(op, dA), dz = floats(op, dZ);
        long size = shape(op, rows, cols);
        range(op, "z", zz.length, 0, size);
        range(op, "a", aa.length, 0, size);
        range(op, "dA", da.length, 0, size);
        range(op, "dZ", dz.length, 0, size);
        Task t = task;
        t.op = Task.ACT_BACK; t.act = act.code(); t.slope = slope; t.f0 = zz; t.f1 = aa; t.f2 = da; t.f3 = dz;
        runRows(t, rows, cols);
    }

    @Override
    public void biasGrad(DeviceBuffer dZ, int rows, int cols, DeviceBuffer db, long dbOff) {
        String op = "biasGrad";
        float[] dz = floats(op, dZ), d = floats(op, db);
        range(op, "dZ", dz.length, 0, shape(op, rows, cols));
        int o = range(op, "db", d.length, dbOff, cols);
        Task t = task;
        t.op = Task.BIAS_GRAD; t.f0 = dz; t.f1 = d; t.o1 = o; t.rows = rows; t.cols = cols;
        try {
            pool.run(t, (cols + BIAS_COLS - 1) / BIAS_COLS);
        } finally {
            t.clear();
        }
    }

    @Override
    public void loss(LossKind kind, DeviceBuffer z, DeviceBuffer a, DeviceBuffer target, int rows, int cols,
                     float gradScale, DeviceBuffer grad, DeviceBuffer stats) {
        String op = "loss";
        float[] zz = floats(op, z), aa = floats(op, a), y = floats(op, target), st = floats(op, stats);
        float[] g = grad == null ? null : floats(op, grad);
        long size = shape(op, rows, cols);
        range(op, kind == LossKind.MSE ? "a" : "z", (kind == LossKind.MSE ? aa : zz).length, 0, size);
        range(op, "target", y.length, 0, size);
        if (g != null) range(op, "grad", g.length, 0, size);
        range(op, "stats", st.length, 0, Stats.SIZE);
        Task t = task;
        t.op = switch (kind) {
            case SOFTMAX_CROSS_ENTROPY -> Task.LOSS_SCE;
            case BINARY_CROSS_ENTROPY -> Task.LOSS_BCE;
            case MSE -> Task.LOSS_MSE;
        };
        t.f0 = kind == LossKind.MSE ? aa : zz; t.f1 = y; t.f2 = g; t.slope = gradScale;
        double sum = runRowsSum(t, rows, cols);
        st[Stats.LOSS_SUM] = (float) (st[Stats.LOSS_SUM] + sum);
        st[Stats.STEP_LOSS] = (float) (st[Stats.STEP_LOSS] + sum);
        st[Stats.ROWS] = (float) ((double) st[Stats.ROWS] + rows);
    }

    @Override
    public void countCorrect(DeviceBuffer a, DeviceBuffer target, int rows, int cols, DeviceBuffer stats) {
        String op = "countCorrect";
        float[] aa = floats(op, a), y = floats(op, target), st = floats(op, stats);
        long size = shape(op, rows, cols);
        range(op, "a", aa.length, 0, size);
        range(op, "target", y.length, 0, size);
        range(op, "stats", st.length, 0, Stats.SIZE);
        if (cols == 0) return;
        Task t = task;
        t.op = Task.COUNT; t.f0 = aa; t.f1 = y;
        double correct = runRowsSum(t, rows, cols);
        st[Stats.CORRECT] = (float) (st[Stats.CORRECT] + correct);
    }

    @Override
    public void dropoutForward(DeviceBuffer x, DeviceBuffer mask, DeviceBuffer y, long n, float p, long seed, long counter) {
        String op = "dropoutForward";
        float[] xx = floats(op, x), mm = floats(op, mask), yy = floats(op, y);
        range(op, "x", xx.length, 0, n);
        range(op, "mask", mm.length, 0, n);
        range(op, "y", yy.length, 0, n);
        if (!(p >= 0f && p < 1f)) throw new BackendException("cpu dropoutForward: p = " + p + " is outside [0, 1)");
        Task t = task;
        t.op = Task.DROP_F; t.f0 = xx; t.f1 = mm; t.f2 = yy; t.slope = p; t.seed = seed; t.counter = counter;
        runElements(t, (int) n);
    }

    @Override
    public void dropoutBackward(DeviceBuffer dY, DeviceBuffer mask, DeviceBuffer dX, long n) {
        String op = "dropoutBackward";
        float[] dy = floats(op, dY), mm = floats(op, mask), dx = floats(op, dX);
        range(op, "dY", dy.length, 0, n);
        range(op, "mask", mm.length, 0, n);
        range(op, "dX", dx.length, 0, n);
        Task t = task;
        t.op = Task.DROP_B; t.f0 = dy; t.f1 = mm; t.f2 = dx;
        runElements(t, (int) n);
    }

    // ---- update --------------------------------------------------------------------------------------

    @Override
    public void sumSquares(DeviceBuffer x, long off, long n, DeviceBuffer stats, int slot) {
        String op = "sumSquares";
        float[] xx = floats(op, x), st = floats(op, stats);
        int o = range(op, "x", xx.length, off, n);
        range(op, "stats slot", st.length, slot, 1);
        Task t = task;
        t.op = Task.SUMSQ; t.f0 = xx; t.o1 = o;
        int chunks = chunks((int) n, CHUNK);
        t.count = (int) n; t.per = CHUNK;
        st[slot] = (float) runSum(t, chunks);
    }

    /**
     * {@inheritDoc}
     * <p>Reads stats[GRAD_SQ] and stats[STEP_LOSS] for the clipping scale and the guard; stats may be null
     * only when neither norm clipping nor the guard is asked for. The rule's formula is {@link CpuUpdate}'s.
     */
    @Override
    public void update(UpdateRule rule, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer[] state, long n,
                       UpdateScalars scalars, DeviceBuffer stats) {
        String op = "update";
        float[] p = floats(op, param), g = floats(op, grad);
        range(op, "param", p.length, 0, n);
        range(op, "grad", g.length, 0, n);
        int states = rule.stateCount();
        if (state == null || state.length < states)
            throw new BackendException("cpu update: " + rule + " needs " + states + " state buffers, got "
                    + (state == null ? "null" : Integer.toString(state.length)));
        for (int s = 0; s < states; s++) {
            stateArrays[s] = floats(op, state[s]);
            range(op, "state", stateArrays[s].length, 0, n);
        }
        float gradSq = 0f, stepLoss = 0f;
        float[] st = null;
        if (stats != null) {
            st = floats(op, stats);
            range(op, "stats", st.length, 0, Stats.SIZE);
            gradSq = st[Stats.GRAD_SQ];
            stepLoss = st[Stats.STEP_LOSS];
        } else if (scalars.maxNorm > 0f || scalars.skipNonFinite) {
            throw new BackendException("cpu update: norm clipping and the finite guard need the stats buffer");
        }
        try {
            if (CpuUpdate.skip(scalars.skipNonFinite, gradSq, stepLoss)) {
                st[Stats.SKIPPED] += 1f;
                return;
            }
            Task t = task;
            t.op = Task.UPDATE; t.rule = rule; t.f0 = p; t.f1 = g; t.scalars = scalars;
            t.slope = CpuUpdate.clipScale(gradSq, scalars.maxNorm);
            runElements(t, (int) n);
        } finally {
            java.util.Arrays.fill(stateArrays, null);
        }
    }

    // ---- control -------------------------------------------------------------------------------------

    /** Every op has finished when it returns, so there is nothing to wait for. */
    @Override public void synchronize() {
        if (closed) throw new BackendException("cpu synchronize: backend is closed");
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        pool.close();
        List<CpuBuffer> left;
        synchronized (open) { left = new ArrayList<>(open); }
        for (CpuBuffer b : left) b.close();
    }

    // ---- dispatch ------------------------------------------------------------------------------------

    private static int chunks(int n, int per) { return n <= 0 ? 0 : (n + per - 1) / per; }

    private static int rowsPerChunk(int cols) { return Math.max(1, CHUNK / Math.max(1, cols)); }

    private void runRows(Task t, int rows, int cols) {
        t.cols = cols; t.count = rows; t.per = rowsPerChunk(cols);
        try {
            pool.run(t, chunks(rows, t.per));
        } finally {
            t.clear();
        }
    }

    private double runRowsSum(Task t, int rows, int cols) {
        t.cols = cols; t.count = rows; t.per = rowsPerChunk(cols);
        return runSum(t, chunks(rows, t.per));
    }

    private void runElements(Task t, int n) {
        t.count = n; t.per = CHUNK;
        try {
            pool.run(t, chunks(n, CHUNK));
        } finally {
            t.clear();
        }
    }

    /** Runs t's chunks, each writing partial[chunk], and sums the partials in chunk order. */
    private double runSum(Task t, int chunks) {
        if (partial.length < chunks) partial = new double[Math.max(chunks, 2 * partial.length)];
        t.partial = partial;
        try {
            pool.run(t, chunks);
        } finally {
            t.clear();
        }
        double s = 0;
        for (int c = 0; c < chunks; c++) s += partial[c];
        return s;
    }

    /** A per-thread scratch of at least n doubles (BIAS_COLS at least), grown once to the widest op seen. */
    private double[] rowScratch(int worker, int n) {
        double[] s = scratch[worker];
        if (s == null || s.length < n) s = scratch[worker] = new double[Math.max(n, BIAS_COLS)];
        return s;
    }

    /** The one reusable body of every split op: the op code and its arguments in fields (no per-op allocation). */
    private final class Task implements CpuPool.Body {
        static final int BIAS_ACT = 1, ACT_BACK = 2, BIAS_GRAD = 3, LOSS_SCE = 4, LOSS_BCE = 5, LOSS_MSE = 6,
                COUNT = 7, DROP_F = 8, DROP_B = 9, SUMSQ = 10, UPDATE = 11;
        int op, act, o1, rows, cols, count, per;
        float slope;
        long seed, counter;
        float[] f0, f1, f2, f3;
        double[] partial;
        UpdateRule rule;
        UpdateScalars scalars;

        @Override
        public void run(int chunk, int worker) {
            int from = chunk * per, to = Math.min(count, from + per);
            switch (op) {
                case BIAS_ACT -> CpuKernels.biasActivation(act, slope, f0, f1, o1, f2, cols, from, to, rowScratch(worker, cols));
                case ACT_BACK -> CpuKernels.activationBackward(act, slope, f0, f1, f2, f3, cols, from, to);
                case BIAS_GRAD -> {
                    int c0 = chunk * BIAS_COLS;
                    CpuKernels.biasGrad(f0, rows, cols, f1, o1, c0, Math.min(cols, c0 + BIAS_COLS), rowScratch(worker, BIAS_COLS));
                }
                case LOSS_SCE -> partial[chunk] = CpuKernels.softmaxCrossEntropy(f0, f1, cols, slope, f2, from, to, rowScratch(worker, cols));
                case LOSS_BCE -> partial[chunk] = CpuKernels.binaryCrossEntropy(f0, f1, cols, slope, f2, from, to);
                case LOSS_MSE -> partial[chunk] = CpuKernels.mse(f0, f1, cols, slope, f2, from, to);
                case COUNT -> partial[chunk] = CpuKernels.countCorrect(f0, f1, cols, from, to);
                case DROP_F -> CpuKernels.dropoutForward(f0, 0, f1, 0, f2, 0, slope, seed, counter, from, to);
                case DROP_B -> CpuKernels.dropoutBackward(f0, 0, f1, 0, f2, 0, from, to);
                case SUMSQ -> partial[chunk] = CpuKernels.sumSquares(f0, o1, from, to);
                case UPDATE -> CpuUpdate.apply(rule, f0, f1, stateArrays, from, to, scalars, slope);
                default -> throw new IllegalStateException("cpu: no op " + op);
            }
        }

        /** Drops the references to the caller's arrays once the op is done. */
        void clear() {
            f0 = f1 = f2 = f3 = null;
            partial = null;
            rule = null;
            scalars = null;
        }
    }

    // ---- argument checks -----------------------------------------------------------------------------

    private static float[] floats(String op, DeviceBuffer b) {
        return cpu(op, b).floats(op);
    }

    private static int[] ints(String op, DeviceBuffer b) {
        return cpu(op, b).ints(op);
    }

    private static CpuBuffer cpu(String op, DeviceBuffer b) {
        if (b instanceof CpuBuffer c) return c;
        if (b == null) throw new BackendException("cpu " + op + ": buffer is null");
        throw new BackendException("cpu " + op + ": " + b.getClass().getSimpleName() + " belongs to another backend");
    }

    private static long shape(String op, int rows, int cols) {
        if (rows < 0 || cols < 0) throw new BackendException("cpu " + op + ": negative shape " + rows + " x " + cols);
        return (long) rows * cols;
    }

    /** Checks [off, off+n) inside a device buffer of {@code length}; returns off as an int. */
    private static int range(String op, String what, int length, long off, long n) {
        if (off < 0 || n < 0 || off + n > length)
            throw new BackendException("cpu " + op + ": " + what + " range [" + off + ", " + (off + n)
                    + ") is outside a buffer of " + length + " elements");
        return (int) off;
    }

    private static void hostRange(String op, int length, int off, int n) {
        if (off < 0 || n < 0 || (long) off + n > length)
            throw new BackendException("cpu " + op + ": host array range [" + off + ", " + ((long) off + n)
                    + ") is outside an array of " + length + " elements");
    }
}
