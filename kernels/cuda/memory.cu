/*
 * memory.cu: filling a range, gathering batch rows and one-hot rows from integer labels (Backend.fill,
 * Backend.gather, Backend.gatherOneHot).
 * Offsets travel as kernel arguments rather than as offset device pointers, so the host builds no
 * pointer objects per call.
 */
#include "kiln_cuda.cuh"

/* x[off + i] = value for i < n. */
extern "C" __global__ void kiln_fill(float* x, long long off, long long n, float value) {
    KILN_GRID_STRIDE(i, n) x[off + i] = value;
}

/* dst[r, c] = src[idx[idx_off + r], c] for r < rows, c < cols: the rows of one batch, in the order of
 * the (seeded, shuffled) index list. An index outside [0, src_rows) cannot be reported from a kernel
 * without a copy back, so it yields a row of NaN (as kernels/opencl/memory.cl does), which the loss and
 * the finite guard then make visible, instead of reading foreign memory and faulting the context. */
extern "C" __global__ void kiln_gather(const float* __restrict__ src, int cols, long long src_rows,
                                       const int* __restrict__ idx, int idx_off, int rows, float* __restrict__ dst) {
    const long long total = (long long) rows * cols;
    KILN_GRID_STRIDE(e, total) {
        const long long r = e / cols, c = e - r * cols;
        const int row = idx[idx_off + r];
        dst[e] = (row >= 0 && row < src_rows) ? src[(long long) row * cols + c] : __int_as_float(0x7fc00000);
    }
}

/* dst[r, c] = (c == labels[idx[idx_off + r]]) ? 1 : 0 for r < rows, c < classes: the one-hot targets of
 * one batch from one int label per data-set row (kiln_one_hot, kernels/common/kiln_nn.h). An index outside
 * [0, n_labels), or a label outside [0, classes), yields a row of NaN, as in kiln_gather. */
extern "C" __global__ void kiln_gather_one_hot(const int* __restrict__ labels, long long n_labels,
                                               const int* __restrict__ idx, int idx_off, int rows, int classes,
                                               float* __restrict__ dst) {
    const long long total = (long long) rows * classes;
    KILN_GRID_STRIDE(e, total) {
        const long long r = e / classes, c = e - r * classes;
        const int row = idx[idx_off + r];
        dst[e] = kiln_one_hot((row >= 0 && row < n_labels) ? labels[row] : -1, classes, c);
    }
}
