/*
 * memory.cu: filling a range and gathering batch rows (Backend.fill, Backend.gather).
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
