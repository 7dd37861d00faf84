package dev.kiln.backend.cuda;

/**
 * One way of running {@link dev.kiln.backend.Backend#gemm} on the device: cuBLAS ({@link CublasGemm}) or
 * Kiln's own kernels ({@link KilnGemm}). Arguments arrive checked by {@link CudaBackend}; m, n and k are
 * positive.
 */
interface Gemm extends AutoCloseable {
    void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
              CudaBuffer a, long aOff, int lda, CudaBuffer b, long bOff, int ldb,
              float beta, CudaBuffer c, long cOff, int ldc);

    /** What the run's provenance records, e.g. "kiln-sgemm (64x64 tiles)" or "cublas 12.x (JCublas2)". */
    String describe();

    @Override
    void close();
}
