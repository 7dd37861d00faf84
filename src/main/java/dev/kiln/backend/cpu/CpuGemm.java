package dev.kiln.backend.cpu;

import java.util.Arrays;

/**
 * Row-major SGEMM, C = alpha op(A) op(B) + beta C, cache-blocked after Goto and van de Geijn (2008): for each
 * NC-wide column block and KC-deep slice of k, op(B) is packed into NR-wide panels and op(A) into MR-row
 * panels (both shared by the threads, packed in parallel in one pool run), then the tiles are computed in a
 * second pool run whose chunks are (MC-row block) x (a few B panels); a chunk walks its B panels (each kept
 * in L1) against the row block's A panels (kept in L2) with the {@link MicroKernel}. Small chunks claimed
 * from a shared counter balance the two cores even when another process takes one of them for a while.
 * Packing reads op(A) and op(B) through their transposes, so one micro-kernel serves all four cases.
 *
 * <p>Rounding and determinism: element (i, j) is, for the first k slice, {@code alpha*acc + beta*C} (just
 * {@code alpha*acc} when beta = 0, so old NaNs in C are ignored), and for each later slice
 * {@code C + alpha*acc}, where acc is the fused multiply-add chain over the slice; k is cut into
 * ceil(k / KC) slices of equal depth (the last one shorter by the remainder). This depends only on the
 * shape, never on the thread count, the row/column chunking or which thread ran which chunk, so
 * results are bit-identical for any number of threads. Small products take the same path on the calling
 * thread: packing a 50 x 9 block costs less than the latency-bound dot products of a naive loop. alpha = 0
 * or k = 0 gives C = beta C (BLAS: A and B unread).
 *
 * <p>Not thread-safe: one call at a time (the backend is one stream).
 */
final class CpuGemm {
    /** Depth of a k slice: a packed B panel is KC x NR floats (16 KiB at NR = 16), kept in L1. */
    static final int KC = 256;
    /** Rows of an A row block (rounded down to whole MR-row panels): MC x KC floats, 144 KiB, kept in L2. */
    static final int MC = 144;
    /**
     * Width of a packed B block: KC x NC floats (4 MiB, in L3). As wide as the widest layer of the standard
     * workloads, so that op(A) is packed once per k slice rather than once per column block (at NC = 1024,
     * a 512 x 4096 x 4096 product packed A four times).
     */
    static final int NC = 4096;
    /** Products of fewer flops than this stay on the calling thread (splitting costs more than it saves). */
    static final long PARALLEL_FLOPS = 1L << 21;
    /** Panels (of A or B) packed per chunk of the parallel packing run. */
    private static final int PACK_PANELS = 8;
    /** B panels per compute chunk: 2 x 16 columns, small enough to balance, large enough that a chunk is ~100 us. */
    private static final int CHUNK_PANELS = 2;

    private final CpuPool pool;
    private final MicroKernel[] kernels;   // one per thread (the scalar kernel keeps a tile accumulator)
    private final int mr, nr, mc;

    // buffers, grown to the largest call seen and kept
    private float[] packB;
    private float[] packA = new float[0];
    private final float[][] edge;

    // the current call
    private boolean tA, tB, first;
    private int m, n, aOff, lda, bOff, ldb, cOff, ldc;
    private float alpha, beta;
    private float[] a, b, c;
    private int jc, nc, pc, kc, panels, aPanels, aPackChunks, bPackChunks, mcBlock, rowBlocks, colGroups;

    /** Chunks [0, aPackChunks) pack A panels, the rest pack B panels. */
    private final CpuPool.Body packBody = (chunk, worker) -> {
        if (chunk < aPackChunks) {
            int p0 = chunk * PACK_PANELS;
            packA(p0, Math.min(aPanels, p0 + PACK_PANELS));
        } else {
            int p0 = (chunk - aPackChunks) * PACK_PANELS;
            packB(p0, Math.min(panels, p0 + PACK_PANELS));
        }
    };
    private final CpuPool.Body computeBody = this::computeChunk;

    /** A GEMM on {@code pool}'s threads with the given micro-kernel kind (see {@link #bestKind}). */
    CpuGemm(CpuPool pool, boolean vector) {
        this.pool = pool;
        int t = pool.threads();
        kernels = new MicroKernel[t];
        for (int i = 0; i < t; i++) kernels[i] = vector ? new VectorMicroKernel() : new ScalarMicroKernel();
        mr = kernels[0].mr();
        nr = kernels[0].nr();
        mc = MC / mr * mr;
        edge = new float[t][];
    }

    /** What runs, for provenance. */
    String describe() { return kernels[0].describe(); }

    // ---- which kernel -----------------------------------------------------------------------------------

    private static volatile String vectorProblem;
    private static volatile Boolean vectorOk;

    /**
     * Whether the Vector API kernel can run in this JVM: it needs {@code --add-modules jdk.incubator.vector}.
     * The probe loads {@link VectorMicroKernel} once and keeps the verdict; the system property
     * {@code kiln.cpu.vector=false} forces the scalar kernel.
     */
    static boolean bestKind() {
        Boolean ok = vectorOk;
        if (ok != null) return ok;
        synchronized (CpuGemm.class) {
            if (vectorOk != null) return vectorOk;
            if ("false".equalsIgnoreCase(System.getProperty("kiln.cpu.vector", "").trim())) {
                vectorProblem = "disabled by -Dkiln.cpu.vector=false";
                vectorOk = false;
            } else {
                try {
                    VectorMicroKernel.lanes();
                    vectorOk = true;
                } catch (LinkageError e) {
                    vectorProblem = "jdk.incubator.vector not loaded (" + e + "); run java with --add-modules jdk.incubator.vector";
                    vectorOk = false;
                }
            }
            return vectorOk;
        }
    }

    /** Why the Vector API kernel is not used, or null when it is available. */
    static String vectorProblem() {
        bestKind();
        return vectorProblem;
    }

    // ---- entry ------------------------------------------------------------------------------------------

    /** C = alpha op(A) op(B) + beta C on arrays; the caller has checked every index range. */
    void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
              float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
              float beta, float[] c, int cOff, int ldc) {
        if (m == 0 || n == 0) return;
        if (k == 0 || alpha == 0f) {
            scale(m, n, beta, c, cOff, ldc);
            return;
        }
        this.tA = transA; this.tB = transB; this.m = m; this.n = n;
        this.alpha = alpha; this.beta = beta;
        this.a = a; this.aOff = aOff; this.lda = lda;
        this.b = b; this.bOff = bOff; this.ldb = ldb;
        this.c = c; this.cOff = cOff; this.ldc = ldc;
        int threads = pool.threads();
        boolean parallel = threads > 1 && 2L * m * n * k >= PARALLEL_FLOPS;
        // row blocks of at most MC rows, as equal as whole MR-row panels allow (128 rows: one block of 132,
        // not 126 + 2); the blocking never changes an element's FMA chain, only which tile computes it
        int blocks = (m + mc - 1) / mc;
        mcBlock = roundUp((m + blocks - 1) / blocks, mr);
        rowBlocks = (m + mcBlock - 1) / mcBlock;
        aPanels = (m + mr - 1) / mr;
        // k slices of at most KC, as equal as possible (784 = 4 x 196, not 3 x 256 + 16: a thin last slice
        // pays a whole merge of C for a few FMAs); like the blocks, a function of k alone
        int slices = (k + KC - 1) / KC, kSlice = (k + slices - 1) / slices;
        int aSize = aPanels * mr * kSlice;
        if (packA.length < aSize) packA = new float[aSize];
        if (packB == null) packB = new float[KC * roundUp(NC, nr)];
        try {
            for (jc = 0; jc < n; jc += NC) {
                nc = Math.min(NC, n - jc);
                panels = (nc + nr - 1) / nr;
                colGroups = parallel ? (panels + CHUNK_PANELS - 1) / CHUNK_PANELS : 1;
                for (pc = 0; pc < k; pc += kSlice) {
                    kc = Math.min(kSlice, k - pc);
                    first = pc == 0;
                    // A is repacked per column block only when n > NC (rare; then it is 1/NC of the work)
                    aPackChunks = (aPanels + PACK_PANELS - 1) / PACK_PANELS;
                    bPackChunks = (panels + PACK_PANELS - 1) / PACK_PANELS;
                    if (parallel) {
                        pool.run(packBody, aPackChunks + bPackChunks);
                        pool.run(computeBody, rowBlocks * colGroups);
                    } else {
                        packA(0, aPanels);
                        packB(0, panels);
                        for (int rb = 0; rb < rowBlocks; rb++) computeChunk(rb, 0);
                    }
                }
            }
        } finally {
            this.a = null; this.b = null; this.c = null;
        }
    }

    // ---- packing ----------------------------------------------------------------------------------------

    /** Packs B panels [p0, p1) of the current (jc, pc) block: packB[(jr*kc + p)*NR + j] = op(B)[pc+p][jc + jr*NR + j]. */
    private void packB(int p0, int p1) {
        float[] dst = packB;
        for (int jr = p0; jr < p1; jr++) {
            int col0 = jc + jr * nr, cols = Math.min(nr, n - col0), base = jr * kc * nr;
            if (!tB) {
                for (int p = 0; p < kc; p++) {
                    int d = base + p * nr;
                    System.arraycopy(b, bOff + (pc + p) * ldb + col0, dst, d, cols);
                    if (cols < nr) Arrays.fill(dst, d + cols, d + nr, 0f);
                }
            } else {
                // op(B)[p][j] = B[j][p]: read each stored row contiguously, scatter with stride NR (in L1)
                for (int j = 0; j < cols; j++) {
                    int src = bOff + (col0 + j) * ldb + pc;
                    for (int p = 0; p < kc; p++) dst[base + p * nr + j] = b[src + p];
                }
                for (int j = cols; j < nr; j++) for (int p = 0; p < kc; p++) dst[base + p * nr + j] = 0f;
            }
        }
    }

    /** Packs A panels [p0, p1) (rows [p0*mr, p1*mr) of op(A), columns [pc, pc+kc)): packA[(ir*kc + p)*mr + r]. */
    private void packA(int p0, int p1) {
        float[] dst = packA;
        for (int ir = p0; ir < p1; ir++) {
            int r0 = ir * mr, rs = Math.min(mr, m - r0), base = ir * kc * mr;
            if (!tA) {
                for (int r = 0; r < rs; r++) {
                    int src = aOff + (r0 + r) * lda + pc;
                    for (int p = 0; p < kc; p++) dst[base + p * mr + r] = a[src + p];
                }
            } else {
                // op(A)[i][p] = A[p][i]: mr consecutive i of one stored row
                for (int p = 0; p < kc; p++) {
                    int src = aOff + (pc + p) * lda + r0, d = base + p * mr;
                    for (int r = 0; r < rs; r++) dst[d + r] = a[src + r];
                }
            }
            for (int r = rs; r < mr; r++) for (int p = 0; p < kc; p++) dst[base + p * mr + r] = 0f;
        }
    }

    // ---- compute ----------------------------------------------------------------------------------------

    /** One chunk: row block chunk / colGroups, B panel group chunk % colGroups of the current (jc, pc) block. */
    private void computeChunk(int chunk, int worker) {
        int rb = chunk / colGroups, cg = chunk % colGroups;
        int i0 = rb * mcBlock, rows = Math.min(mcBlock, m - i0);
        int per = (panels + colGroups - 1) / colGroups;
        int jr0 = cg * per, jr1 = Math.min(panels, jr0 + per);
        float[] out = edge[worker];
        if (out == null) out = edge[worker] = new float[mr * nr];
        float[] pa = packA;
        MicroKernel kern = kernels[worker];
        int ir0 = i0 / mr, ir1 = (i0 + rows + mr - 1) / mr;
        for (int jr = jr0; jr < jr1; jr++) {
            int col0 = jc + jr * nr, cols = Math.min(nr, n - col0), bp = jr * kc * nr;
            for (int ir = ir0; ir < ir1; ir++) {
                int r0 = ir * mr, rs = Math.min(mr, m - r0);
                int ci = cOff + r0 * ldc + col0;
                if (rs == mr && cols == nr) {
                    kern.tile(kc, pa, ir * kc * mr, packB, bp, c, ci, ldc, alpha, beta, first, null);
                } else {
                    kern.tile(kc, pa, ir * kc * mr, packB, bp, null, 0, 0, alpha, beta, first, out);
                    merge(out, nr, rs, cols, c, ci, ldc, alpha, beta, first);
                }
            }
        }
    }

    /**
     * Merges a computed tile (row stride {@code stride}) into the rows x cols corner of C at ci:
     * first slice {@code alpha*acc + beta*C} (or {@code alpha*acc} when beta = 0), later slices {@code C + alpha*acc}.
     */
    static void merge(float[] t, int stride, int rows, int cols, float[] c, int ci, int ldc,
                      float alpha, float beta, boolean first) {
        for (int r = 0; r < rows; r++) {
            int ti = r * stride, cr = ci + r * ldc;
            if (first) {
                if (beta == 0f) for (int j = 0; j < cols; j++) c[cr + j] = alpha * t[ti + j];
                else for (int j = 0; j < cols; j++) c[cr + j] = alpha * t[ti + j] + beta * c[cr + j];
            } else {
                for (int j = 0; j < cols; j++) c[cr + j] = c[cr + j] + alpha * t[ti + j];
            }
        }
    }

    /** C = beta C over m x n (beta = 0 writes zeros, ignoring NaN in C). */
    static void scale(int m, int n, float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            int row = cOff + i * ldc;
            if (beta == 0f) Arrays.fill(c, row, row + n, 0f);
            else if (beta != 1f) for (int j = 0; j < n; j++) c[row + j] = beta * c[row + j];
        }
    }

    private static int roundUp(int x, int q) { return (x + q - 1) / q * q; }
}
