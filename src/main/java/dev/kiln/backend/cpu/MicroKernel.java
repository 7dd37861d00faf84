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
     * Computes the tile acc[r][j] = sum_p a[r][p] b[p][j]. If {@code out} is null, the tile is full and is
     * merged into C at {@code c[ci + r*ldc + j]} by {@link CpuGemm#merge}'s rule; otherwise the tile is written
     * row-major to {@code out} (MR x NR, row stride NR) for the caller to merge the part inside C.
     */
    void tile(int kc, float[] a, int ap, float[] b, int bp,
              float[] c, int ci, int ldc, float alpha, float beta, boolean first, float[] out);
}
