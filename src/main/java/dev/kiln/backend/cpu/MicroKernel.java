package dev.kiln.backend.cpu;

/**
 * The innermost GEMM kernel: one MR x NR tile of C from a packed A panel and a packed B panel
 * (Goto and van de Geijn, "Anatomy of high-performance matrix multiplication", 2008).
 *
 * <p>Packed layouts: A panel {@code a[ap + p*MR + r]} (r < MR), B panel {@code b[bp + p*NR + j]} (j < NR),
 * for p < kc, zero-padded past the matrix edge. Each tile element is the fused multiply-add chain
 * {@code acc = fma(a_p, b_p, acc)} over p = 0, 1, ..., kc-1 from acc = 0, the same in every implementation,
 * so the scalar and the Vector API kernels give bit-identical results whatever their NR.
 */
interface MicroKernel {
    /** Rows of a tile (the height of a packed A panel). */
    int mr();

    /** Columns of a tile (the width of a packed B panel). */
    int nr();

    /** What ran, for provenance: e.g. "vector-api 16 lanes, 4x32 micro-kernel". */
    String describe();

    /**
     * Computes the tile t[r*NR + j] = sum_p a[r][p] b[p][j] (row-major, MR x NR). Nothing else: the tile
     * method has no branch but its loop, so the JIT compiles the same code whatever the workload (with the
     * merge inside it, C2's code for it depended on which branches the warm-up had seen, 2240 or 2496 bytes,
     * and whole runs of the mnist-mlp benchmark went at 12,000 or at 17,000-20,000 samples/s accordingly).
     */
    void tile(int kc, float[] a, int ap, float[] b, int bp, float[] t);

    /** How many independently compiled copies of the tile loop this kernel has (1 unless it says otherwise). */
    default int copies() { return 1; }

    /** Runs copy {@code copy} (< {@link #copies}) from now on. */
    default void use(int copy) {}

    /** Merges a full tile t into C at ci by {@link CpuGemm#merge}'s rule, with exactly its roundings. */
    void mergeFull(float[] t, float[] c, int ci, int ldc, float alpha, float beta, boolean first);
}
