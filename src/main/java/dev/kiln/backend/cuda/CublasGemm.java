package dev.kiln.backend.cuda;

import dev.kiln.backend.BackendException;
import jcuda.Pointer;
import jcuda.driver.JCudaDriver;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasMath;
import jcuda.jcublas.cublasOperation;
import jcuda.jcublas.cublasStatus;

/**
 * GEMM through cuBLAS (JCublas2 12.6.0, which links {@code libcublas.so.12}). cuBLAS is column-major, so
 * the row-major {@code C = op(A) op(B)} runs as the column-major {@code C^T = op(B)^T op(A)^T}: the same
 * buffers and leading dimensions with the operands swapped, {@code sgemm(opB, opA, n, m, k, B, A, C)}.
 * Plain FP32 math ({@code CUBLAS_DEFAULT_MATH}: no TF32), so results stay within the conformance
 * tolerances of the CPU backend.
 */
final class CublasGemm implements Gemm {
    /** A cuBLAS handle, or why there is none. */
    record Attempt(CublasGemm gemm, String cause) {}

    private final cublasHandle handle;
    private final int version;
    private final boolean sync;
    private final float[] alpha = new float[1], beta = new float[1];
    private final Pointer alphaPtr = Pointer.to(alpha), betaPtr = Pointer.to(beta);

    private CublasGemm(cublasHandle handle, int version, boolean sync) {
        this.handle = handle;
        this.version = version;
        this.sync = sync;
    }

    /** Tries to load JCublas2 and create a handle in the current context; never throws. */
    static Attempt open(boolean sync) {
        try {
            JCublas2.setExceptionsEnabled(false);      // first touch: loads libJCublas2 and libcublas.so.12
            cublasHandle h = new cublasHandle();
            int st = JCublas2.cublasCreate(h);
            if (st != cublasStatus.CUBLAS_STATUS_SUCCESS) return new Attempt(null, "cublasCreate failed: " + cublasStatus.stringFor(st));
            int[] v = {0};
            st = JCublas2.cublasGetVersion(h, v);
            if (st == cublasStatus.CUBLAS_STATUS_SUCCESS) st = JCublas2.cublasSetMathMode(h, cublasMath.CUBLAS_DEFAULT_MATH);
            if (st != cublasStatus.CUBLAS_STATUS_SUCCESS) {
                JCublas2.cublasDestroy(h);
                return new Attempt(null, "cuBLAS setup failed: " + cublasStatus.stringFor(st));
            }
            return new Attempt(new CublasGemm(h, v[0], sync), null);
        } catch (UnsatisfiedLinkError e) {
            String msg = e.getMessage() == null ? "" : e.getMessage();
            if (msg.contains("version `libcublas.so.12' not found"))
                return new Attempt(null, "the libcublas.so.12 found is not CUDA 12's cuBLAS");
            if (msg.contains("libcublas.so")) return new Attempt(null, "libcublas.so.12 not found");
            return new Attempt(null, "JCublas2 does not load: " + msg.lines().findFirst().orElse("").trim());
        } catch (LinkageError e) {
            return new Attempt(null, "JCublas2 is unavailable: " + e);
        }
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     CudaBuffer a, long aOff, int lda, CudaBuffer b, long bOff, int ldb,
                     float beta, CudaBuffer c, long cOff, int ldc) {
        this.alpha[0] = alpha;
        this.beta[0] = beta;
        int st = JCublas2.cublasSgemm(handle,
                transB ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N,
                transA ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N,
                n, m, k, alphaPtr, at(b, bOff), ldb, at(a, aOff), lda, betaPtr, at(c, cOff), ldc);
        if (st != cublasStatus.CUBLAS_STATUS_SUCCESS)
            throw new BackendException("cuda: gemm [cublasSgemm " + m + "x" + n + "x" + k + "]: " + cublasStatus.stringFor(st));
        if (sync) CudaCheck.check(JCudaDriver.cuCtxSynchronize(), "synchronize after launch (-Dkiln.cuda.sync=true)", "cublasSgemm");
    }

    /** The buffer's pointer moved by {@code off} floats (a small Java object when off != 0; JCuda pointers are immutable). */
    private static Pointer at(CudaBuffer buffer, long off) {
        return off == 0 ? buffer.pointer() : buffer.pointer().withByteOffset(off * Float.BYTES);
    }

    @Override
    public String describe() {
        return "cublas " + version / 10000 + "." + (version % 10000) / 100 + "." + version % 100 + " (JCublas2 12.6.0, FP32 default math)";
    }

    @Override
    public void close() {
        JCublas2.cublasDestroy(handle);
    }
}
