package dev.kiln.backend.cuda;

/**
 * Kiln's SGEMM kernels (kernels/cuda/gemm.cu): one kernel per transposition, a 64 x 64 tile of C per block of
 * 256 threads, each thread a 4 x 4 register block. Deterministic: every element of C is one thread's
 * sequential sum over k.
 */
final class KilnGemm implements Gemm {
    private final Kernel[] kernels;
    private final boolean sync;

    KilnGemm(CudaKernels kernels, boolean sync) {
        this.kernels = kernels.sgemm;
        this.sync = sync;
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     CudaBuffer a, long aOff, int lda, CudaBuffer b, long bOff, int ldb,
                     float beta, CudaBuffer c, long cOff, int ldc) {
        int tilesM = (m + CudaKernels.GEMM_TILE - 1) / CudaKernels.GEMM_TILE;
        int tilesN = (n + CudaKernels.GEMM_TILE - 1) / CudaKernels.GEMM_TILE;
        if (tilesN > 65_535)
            throw new dev.kiln.backend.BackendException("cuda: gemm: n = " + n + " exceeds the SGEMM grid (at most 4194240 columns)");
        kernels[(transA ? 2 : 0) + (transB ? 1 : 0)]
                .i32(0, m).i32(1, n).i32(2, k).f32(3, alpha)
                .ptr(4, a).i64(5, aOff).i32(6, lda)
                .ptr(7, b).i64(8, bOff).i32(9, ldb)
                .f32(10, beta).ptr(11, c).i64(12, cOff).i32(13, ldc)
                .launch(tilesM, tilesN, CudaKernels.GEMM_THREADS, sync);
    }

    @Override
    public String describe() { return "kiln-sgemm (64x64 tiles, 4x4 per thread)"; }

    @Override
    public void close() {}
}
