package dev.kiln.backend.cpu;

import java.util.Arrays;

/**
 * Row-major SGEMM, C = alpha op(A) op(B) + beta C, cache-blocked after Goto and van de Geijn (2008), in two
 * pool runs per call. The first packs op(A), every k slice of it, into MR-row panels (shared by the threads).
 * The second computes chunks of (a block of at most MC rows) x (up to four NR-wide columns of C, sixteen where B
 * is untransposed and the slices deep), each chunk
 * walking the k slices itself: per slice it packs its B panels (each up to KC x NR) into its own buffer, then
 * runs the micro-kernel down the row block's A panels (streamed from L3) against one panel after the other
 * (each kept in L2), merging each tile into C; when the panels together fit L2 (slices of at most
 * KC / panels, as in every weight gradient, k = batch) it runs each A panel against all of them in turn
 * instead, so that a row of tiles merges along C's rows.
 * Slices are deep (KC = 4096: every product of the standard workloads is one slice), so each element of C is
 * merged once per product rather than once per 256 of k, each B element is packed once per row block, and
 * the threads meet twice per call whatever k is (the earlier form packed all of op(B) per slice and met twice
 * per slice: 8 barriers for a k = 784 product, and C streamed from L3 once per slice).
 * Small chunks claimed from a shared counter balance the two cores even when another process takes one of
 * them for a while. Packing reads op(A) and op(B) through their transposes, so one micro-kernel serves all
 * four cases.
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
    /**
     * Greatest depth of a k slice: a packed B panel is up to KC x NR floats (256 KiB at NR = 16, half of Zen 3's
     * L2; the kernel's two B loads per k step stream from there). Deeper slices mean fewer merges of C: with C
     * rows 16 KiB apart (n = 4096), the rows of a chunk's C region share a handful of cache sets and miss to L3
     * on every merge. Measured over a wide step's eight GEMMs on two threads, in one JVM, interleaved: KC = 256
     * / 512 / 1024 / 4096 ran at 88-94 / 97-102 / 98-101 / 99-105 GFLOP/s, and mnist-mlp's eight at
     * 45-64 / 45-69 / 46-68 / 47-68 (docs/benchmarks.md).
     */
    static final int KC = 4096;
    /**
     * Rows of a chunk's row block (rounded down to whole MR-row panels). Each row block packs its own copy of
     * the B panels, so for the standard workloads' 512-row products one block is best: measured over a wide
     * step's eight GEMMs on two threads, row blocks of 144 / 256 / 516 / 768 / 1024 / 4096 rows ran at
     * 59 / 64 / 71-72 / 72-73 / 74-77 / 75 GFLOP/s (the 4096 x 4096 weight was repacked 3-4 times at 144-256);
     * the block's A slice (up to 1 MiB) then streams from L3, which the prefetchers keep up with. (Buffering
     * a chunk's C region across the k slices, against the 16 KiB row stride of those products, measured the
     * same, 75 against 75 GFLOP/s, so C is merged in place.)
     */
    static final int MC = 1024;
    /** Products of fewer flops than this stay on the calling thread (splitting costs more than it saves). */
    static final long PARALLEL_FLOPS = 1L << 21;
    /** Panels of A packed per chunk of the packing run. */
    private static final int PACK_PANELS = 8;
    /** Compute chunks wanted per thread: enough to balance cores that another process sometimes takes. */
    private static final int CHUNKS_PER_THREAD = 8;
    /** At most this many B panels per compute chunk (64 columns); the packing buffer holds them all. */
    private static final int MAX_CHUNK_PANELS = 4;
    /**
     * At most this many (256 columns) where B is untransposed and the slice deep (the chunk's panels do not fit
     * L2 together, so they are used one at a time anyway): packing reads 64 bytes of every stored row per panel,
     * and where rows are far apart (the wide set's 4096 x 4096 weight in its input gradient, rows 16 KiB apart)
     * each row is a new page, so a chunk of four panels walked 4096 pages (twice what the TLB holds) for 1 MiB
     * of panels: that product's B packing took 26 ms per thread at a quiet moment against 6 for the transposed
     * forward product, which reads the same matrix along its rows. Packing the whole 4096 x 4096 matrix on two
     * threads in chunks of 4 / 8 / 16 / 32 panels took about 40 / 28 / 22 / 17 ms; 16 costs 3 MiB more
     * buffer per thread (docs/benchmarks.md).
     */
    private static final int MAX_UNTRANSPOSED_DEEP_PANELS = 16;

    private final CpuPool pool;
    private final MicroKernel[] kernels;   // one per thread (the scalar kernel keeps a tile accumulator)
    private final Packing packing;
    private final int mr, nr, mc;

    // buffers, grown to the largest call seen and kept
    private float[] packA = new float[0];
    private final float[][] packB;         // per thread, a chunk's B panels (up to KC x NR x MAX_UNTRANSPOSED_DEEP_PANELS floats)
    private final float[][] edge;          // one tile per thread, as the micro-kernel leaves it

    // which compiled copy of the micro-kernel's loop runs (MicroKernel#copies): while choosing (-1), chunks
    // rotate through the copies and record their speed; see choose()
    /**
     * Chunks each copy runs before the choice (each chunk is tens of tile calls, so C2 has compiled every
     * copy well before); the last WINDOW of each are compared. Only products of at least PARALLEL_FLOPS take
     * part: in smaller ones the kernel is not what the time measures, and they run copy 0 (the seed network
     * never leaves it, which also keeps its steps free of the allocations of a copy still in C1).
     */
    static final int EXPLORE_CHUNKS = 600, WINDOW = 256;
    private final int copies;
    private volatile int chosen;
    private int calls;
    private boolean exploring;
    private final double[][][] rates;      // [worker][copy][WINDOW] flops per nanosecond, a ring per worker
    private final int[][] counts;          // [worker][copy] chunks recorded

    // the current call
    private boolean tA, tB;
    private int m, n, k, aOff, lda, bOff, ldb, cOff, ldc;
    private float alpha, beta;
    private float[] a, b, c;
    private int kSlice, slices, aPanels, aPackChunks, panels, chunkPanels, mcBlock, rowBlocks, colGroups;

    /** Packing chunk: PACK_PANELS consecutive (slice, panel) pairs of op(A), slice-major. */
    private final CpuPool.Body packBody = (chunk, worker) -> {
        int q0 = chunk * PACK_PANELS, q1 = Math.min(slices * aPanels, q0 + PACK_PANELS);
        for (int q = q0; q < q1; q++) packA(q / aPanels, q % aPanels);
    };
    private final CpuPool.Body computeBody = this::computeChunk;

    /** A GEMM on {@code pool}'s threads with the given micro-kernel kind (see {@link #bestKind}). */
    CpuGemm(CpuPool pool, boolean vector) {
        this.pool = pool;
        int t = pool.threads();
        kernels = new MicroKernel[t];
        for (int i = 0; i < t; i++) kernels[i] = vector ? new VectorMicroKernel() : new ScalarMicroKernel();
        packing = vector && VectorPacking.usable() ? new VectorPacking() : new Packing();
        copies = kernels[0].copies();
        chosen = copies == 1 ? 0 : -1;
        rates = new double[t][copies][WINDOW];
        counts = new int[t][copies];
        mr = kernels[0].mr();
        nr = kernels[0].nr();
        mc = MC / mr * mr;
        packB = new float[t][0];
        edge = new float[t][mr * nr];
    }

    /** What runs, for provenance. */
    String describe() { return kernels[0].describe(); }

    /** The copy of the micro-kernel loop in use, or -1 while the copies are still being timed. */
    int chosenCopy() { return chosen; }

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
        this.tA = transA; this.tB = transB; this.m = m; this.n = n; this.k = k;
        this.alpha = alpha; this.beta = beta;
        this.a = a; this.aOff = aOff; this.lda = lda;
        this.b = b; this.bOff = bOff; this.ldb = ldb;
        this.c = c; this.cOff = cOff; this.ldc = ldc;
        int threads = pool.threads();
        boolean parallel = threads > 1 && 2L * m * n * k >= PARALLEL_FLOPS;
        // k slices of at most KC, as equal as possible (9000 = 3 x 3000, not 2 x 4096 + 808: a thin last slice
        // pays a whole merge of C for a few FMAs); a function of k alone, like everything that fixes rounding
        slices = (k + KC - 1) / KC;
        kSlice = (k + slices - 1) / slices;
        // row blocks of at most MC rows, as equal as whole MR-row panels allow (1100 rows: 550 + 550, not
        // 1020 + 80); the blocking never changes an element's FMA chain, only which tile computes it
        int blocks = (m + mc - 1) / mc;
        mcBlock = roundUp((m + blocks - 1) / blocks, mr);
        rowBlocks = (m + mcBlock - 1) / mcBlock;
        aPanels = (m + mr - 1) / mr;
        panels = (n + nr - 1) / nr;
        // columns per chunk: as many panels as keep CHUNKS_PER_THREAD chunks per thread, at most four (sixteen
        // for deep untransposed B, whose packing pays per stored row visited)
        int wanted = parallel ? threads * CHUNKS_PER_THREAD : 1;
        int perBlock = Math.max(1, (wanted + rowBlocks - 1) / rowBlocks);
        int maxPanels = !transB && kSlice * MAX_CHUNK_PANELS > KC ? MAX_UNTRANSPOSED_DEEP_PANELS : MAX_CHUNK_PANELS;
        chunkPanels = Math.max(1, Math.min(maxPanels, parallel ? panels / perBlock : panels));
        colGroups = (panels + chunkPanels - 1) / chunkPanels;
        long aSize = (long) slices * aPanels * mr * kSlice;
        if (aSize > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("gemm: packed A of " + aSize + " floats is too large");
        if (packA.length < aSize) packA = new float[(int) aSize];
        // grown here, on the calling thread before the pool runs: a seed-sized product needs a few KiB, the
        // wide set's 4 MiB per thread
        int bSize = kSlice * nr * chunkPanels;
        if (packB[0].length < bSize) for (int i = 0; i < packB.length; i++) packB[i] = new float[bSize];
        calls++;
        exploring = chosen < 0 && 2L * m * n * k >= PARALLEL_FLOPS;
        try {
            if (parallel) {
                aPackChunks = (slices * aPanels + PACK_PANELS - 1) / PACK_PANELS;
                pool.run(packBody, aPackChunks);
                pool.run(computeBody, rowBlocks * colGroups);
            } else {
                for (int s = 0; s < slices; s++) for (int ir = 0; ir < aPanels; ir++) packA(s, ir);
                for (int ch = 0, nch = rowBlocks * colGroups; ch < nch; ch++) computeChunk(ch, 0);
            }
        } finally {
            this.a = null; this.b = null; this.c = null;
        }
        if (exploring) choose();
    }

    /**
     * Picks the copy of the micro-kernel loop to keep once every copy has run EXPLORE_CHUNKS chunks of large
     * products (by then C2 has compiled each; the chunks rotate through the copies within each product, so all see the same
     * mix of shapes): the one with the highest median speed over its last WINDOW chunks. The copies compute
     * the same floats, so this choice changes the speed only, never a result. Runs on the calling thread
     * after the pool has finished, when no chunk is recording.
     */
    private void choose() {
        int[] total = new int[copies];
        for (int[] w : counts) for (int c = 0; c < copies; c++) total[c] += w[c];
        for (int c = 0; c < copies; c++) if (total[c] < EXPLORE_CHUNKS) return;
        int best = 0;
        double bestRate = -1;
        for (int c = 0; c < copies; c++) {
            double[] all = new double[counts.length * WINDOW];
            int n = 0;
            for (int w = 0; w < counts.length; w++) {
                int have = Math.min(counts[w][c], WINDOW);
                System.arraycopy(rates[w][c], 0, all, n, have);
                n += have;
            }
            Arrays.sort(all, 0, n);
            double median = all[n / 2];
            if (median > bestRate) { bestRate = median; best = c; }
        }
        chosen = best;
    }

    // ---- packing ----------------------------------------------------------------------------------------

    /** Start of A panel {@code ir} of slice {@code s} in packA: slices of aPanels x MR x kSlice floats. */
    private int aPanelBase(int s, int ir, int kc) { return s * aPanels * mr * kSlice + ir * kc * mr; }

    /**
     * Packs B panels [jr0, jr1) of slice (pc, kc) into dst, panel jr at (jr - jr0)*kc*NR:
     * dst[(jr - jr0)*kc*NR + p*NR + j] = op(B)[pc+p][jr*NR + j], zero past n.
     */
    private void packB(float[] dst, int jr0, int jr1, int pc, int kc) {
        int col0 = jr0 * nr, cols = Math.min(n, jr1 * nr) - col0;
        int off = tB ? bOff + col0 * ldb + pc : bOff + pc * ldb + col0;
        packing.packBPanels(tB, b, off, ldb, kc, cols, nr, dst);
    }

    /** Packs A panel ir of slice s (rows [ir*mr, ir*mr + mr) of op(A), its k columns): [p*mr + r]. */
    private void packA(int s, int ir) {
        int pc = s * kSlice, kc = Math.min(kSlice, k - pc);
        int r0 = ir * mr, rs = Math.min(mr, m - r0);
        int off = tA ? aOff + pc * lda + r0 : aOff + r0 * lda + pc;
        packing.packA(tA, a, off, lda, kc, rs, mr, packA, aPanelBase(s, ir, kc));
    }

    // ---- compute ----------------------------------------------------------------------------------------

    /** One chunk: row block chunk / colGroups against B panels [cg*chunkPanels, ...) over every k slice. */
    private void computeChunk(int chunk, int worker) {
        int rb = chunk / colGroups, cg = chunk % colGroups;
        int i0 = rb * mcBlock, rows = Math.min(mcBlock, m - i0);
        int jr0 = cg * chunkPanels, jr1 = Math.min(panels, jr0 + chunkPanels);
        float[] out = edge[worker], pb = packB[worker];
        MicroKernel kern = kernels[worker];
        int ir0 = i0 / mr, ir1 = (i0 + rows + mr - 1) / mr;
        boolean timed = exploring;
        int ch = chosen, copy = timed ? (chunk + calls) % copies : Math.max(ch, 0);
        kern.use(copy);
        long t0 = timed ? System.nanoTime() : 0;
        for (int s = 0; s < slices; s++) {
            int pc = s * kSlice, kc = Math.min(kSlice, k - pc);
            boolean first = s == 0;
            // all of the chunk's B panels at once: untransposed, VectorPacking reads each stored row's pieces
            // for all of them together (far cheaper than a pass per panel where rows are 16 KiB apart)
            packB(pb, jr0, jr1, pc, kc);
            if (kc * (jr1 - jr0) <= KC) {
                // the panels together fit L2 (KC x NR floats): run each A panel against them in turn while it
                // sits in L1, so that a row of tiles merges into C along its rows. In the order below every
                // tile's merge starts new lines of C, and where C's rows are 16 KiB apart (the wide set's
                // weight gradients, k = batch = 512) new pages too
                for (int ir = ir0; ir < ir1; ir++) {
                    for (int jr = jr0; jr < jr1; jr++) tileInto(kern, out, s, kc, ir, pb, (jr - jr0) * kc * nr, jr, first);
                }
            } else {
                // deep panels (up to KC x NR, 256 KiB): one at a time in L2 while the A panels stream past
                for (int jr = jr0; jr < jr1; jr++) {
                    for (int ir = ir0; ir < ir1; ir++) tileInto(kern, out, s, kc, ir, pb, (jr - jr0) * kc * nr, jr, first);
                }
            }
        }
        if (timed) {
            long ns = Math.max(1, System.nanoTime() - t0);
            int cols = Math.min(n, jr1 * nr) - jr0 * nr;
            rates[worker][copy][counts[worker][copy]++ % WINDOW] = 2.0 * rows * cols * k / ns;
        }
    }

    /**
     * The tile of A panel {@code ir} (slice s, depth kc) and the B panel {@code jr} packed at pb[bp], computed
     * into out and merged into C.
     */
    private void tileInto(MicroKernel kern, float[] out, int s, int kc, int ir, float[] pb, int bp, int jr, boolean first) {
        int r0 = ir * mr, rs = Math.min(mr, m - r0), col0 = jr * nr, cols = Math.min(nr, n - col0);
        int ci = cOff + r0 * ldc + col0;
        kern.tile(kc, packA, aPanelBase(s, ir, kc), pb, bp, out);
        if (rs == mr && cols == nr) kern.mergeFull(out, c, ci, ldc, alpha, beta, first);
        else merge(out, nr, rs, cols, c, ci, ldc, alpha, beta, first);
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
