package dev.kiln.backend;

import java.util.Map;

/**
 * The seam between the trainer and a device: a small set of coarse ops over {@link DeviceBuffer}s, each
 * writing into buffers it is given (EJML style) and allocating nothing. The trainer talks only to this
 * interface. Matrices are row-major; every op may be asynchronous, and only {@link #download},
 * {@link #downloadInt} and {@link #synchronize} wait for the device.
 *
 * <p>Every implementation is checked op by op against the CPU backend by the conformance suite
 * ({@code BackendConformanceTest}), which asserts that it covers every method declared here.
 */
public interface Backend extends AutoCloseable {

    // ---- identity -------------------------------------------------------------------------------

    /** "cpu", "opencl" or "cuda". */
    String name();

    /** The device in words, e.g. "NVIDIA H200 (sm_90, 139 GiB)" or "2 threads, AVX-512 (Vector API 16 lanes)". */
    String device();

    /** What a run records about where it ran: backend, device, driver, which GEMM, kernel hash. */
    Map<String, String> provenance();

    // ---- memory ---------------------------------------------------------------------------------

    /** A zeroed buffer of n floats. Throws {@link BackendException} naming the size and the free memory. */
    DeviceBuffer alloc(long n);

    /** A zeroed buffer of n ints. */
    DeviceBuffer allocInt(long n);

    /** dst[dstOff .. dstOff+n) = src[srcOff .. srcOff+n). */
    void upload(float[] src, int srcOff, DeviceBuffer dst, long dstOff, int n);

    /** dst[dstOff .. dstOff+n) = src[srcOff .. srcOff+n) for an int buffer. */
    void uploadInt(int[] src, int srcOff, DeviceBuffer dst, long dstOff, int n);

    /** Waits for pending work, then dst[dstOff ..) = src[srcOff .. srcOff+n). */
    void download(DeviceBuffer src, long srcOff, float[] dst, int dstOff, int n);

    /** Waits for pending work, then copies n ints to the host. */
    void downloadInt(DeviceBuffer src, long srcOff, int[] dst, int dstOff, int n);

    /** dst[off .. off+n) = value. */
    void fill(DeviceBuffer dst, long off, long n, float value);

    /** Device-to-device copy of n floats (non-overlapping ranges). */
    void copy(DeviceBuffer src, long srcOff, DeviceBuffer dst, long dstOff, long n);

    // ---- forward / backward ---------------------------------------------------------------------

    /** dst[r, :] = src[idx[idxOff + r], :] for r in [0, rows), rows of {@code cols} floats. */
    void gather(DeviceBuffer src, int cols, DeviceBuffer idx, int idxOff, int rows, DeviceBuffer dst);

    /**
     * One-hot rows from integer class labels: {@code dst[r, c] = (c == labels[idx[idxOff + r]]) ? 1 : 0} for r
     * in [0, rows), c in [0, classes). {@code labels} is an int buffer (one label per data-set row), so a data
     * set of integer labels is held as one int per row, not {@code classes} floats per row (64 MiB of one-hot
     * targets for the wide benchmark's 16,384 rows of 1,024 classes; PyTorch's {@code CrossEntropyLoss} takes
     * the class indices too). An index outside the labels, or a label outside [0, classes), is an error the CPU
     * backend throws and device kernels turn into a row of NaN (as {@link #gather} does), which the loss and
     * the finite guard then make visible.
     */
    void gatherOneHot(DeviceBuffer labels, DeviceBuffer idx, int idxOff, int rows, int classes, DeviceBuffer dst);

    /**
     * C = alpha * op(A) * op(B) + beta * C, row-major (BLAS sgemm semantics with row-major storage):
     * op(A) is m x k, op(B) is k x n, C is m x n; lda, ldb, ldc are the row strides of A, B, C as stored.
     * With beta = 0, C is overwritten (its old contents, even NaN, are ignored).
     */
    void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
              DeviceBuffer a, long aOff, int lda,
              DeviceBuffer b, long bOff, int ldb,
              float beta, DeviceBuffer c, long cOff, int ldc);

    /**
     * The fused bias and activation: Z[r, c] += bias[biasOff + c], then A = act(Z)
     * ({@code slope} is leaky_relu's negative slope). A and Z are distinct buffers of rows x cols.
     */
    void biasActivation(Activation act, float slope, DeviceBuffer z, DeviceBuffer bias, long biasOff,
                        DeviceBuffer a, int rows, int cols);

    /**
     * dZ = dA * act'(Z), element by element; for softmax the Jacobian-vector product
     * dZ_i = a_i (dA_i - sum_j dA_j a_j) over each row. dZ may be the same buffer as dA.
     */
    void activationBackward(Activation act, float slope, DeviceBuffer z, DeviceBuffer a, DeviceBuffer dA,
                            DeviceBuffer dZ, int rows, int cols);

    /** db[dbOff + c] = sum over r of dZ[r, c] (overwrites). */
    void biasGrad(DeviceBuffer dZ, int rows, int cols, DeviceBuffer db, long dbOff);

    /**
     * The loss of a batch (see {@link LossKind} for the formulas). Reads the output layer's Z (logits) and
     * A (activations) and the targets (rows x cols floats: one-hot or values); adds the sum of the row
     * losses to stats[LOSS_SUM] and stats[STEP_LOSS], and rows to stats[ROWS]. If {@code grad} is not null
     * it receives dZ (fused kinds) or dA (MSE), multiplied by {@code gradScale} (1/rows for a mean loss).
     */
    void loss(LossKind kind, DeviceBuffer z, DeviceBuffer a, DeviceBuffer target, int rows, int cols,
              float gradScale, DeviceBuffer grad, DeviceBuffer stats);

    /**
     * Adds to stats[CORRECT] the number of rows whose prediction matches the target: the argmax of A equals
     * the argmax of the target (first index on ties); for one output column, (a >= 0.5) == (y >= 0.5).
     */
    void countCorrect(DeviceBuffer a, DeviceBuffer target, int rows, int cols, DeviceBuffer stats);

    /**
     * Inverted dropout: mask[i] = u(seed, counter + i) >= p ? 1 / (1 - p) : 0 and y[i] = x[i] * mask[i],
     * with the counter-based generator {@code kiln_uniform} of kernels/common/kiln_math.h, so every backend
     * draws the same mask.
     */
    void dropoutForward(DeviceBuffer x, DeviceBuffer mask, DeviceBuffer y, long n, float p, long seed, long counter);

    /** dX[i] = dY[i] * mask[i]. dX may be dY. */
    void dropoutBackward(DeviceBuffer dY, DeviceBuffer mask, DeviceBuffer dX, long n);

    // ---- update ---------------------------------------------------------------------------------

    /** stats[slot] = sum of x[off + i]^2 over i &lt; n (overwrites; NaN/Inf propagate, which the guard uses). */
    void sumSquares(DeviceBuffer x, long off, long n, DeviceBuffer stats, int slot);

    /**
     * One fused optimizer step over n parameters: clipping and the finite guard of {@link UpdateScalars},
     * then the rule's formula with the host-computed scalars. If the guard skips, stats[SKIPPED] += 1.
     */
    void update(UpdateRule rule, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer[] state, long n,
                UpdateScalars scalars, DeviceBuffer stats);

    // ---- control --------------------------------------------------------------------------------

    /** Waits until all queued work is done; rethrows a device fault as {@link BackendException}. */
    void synchronize();

    /** Frees the device context. Buffers still open are freed too. */
    @Override
    void close();
}
