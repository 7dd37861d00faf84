/*
 * dropout.cu: inverted dropout (Backend.dropoutForward / dropoutBackward). The mask value of element i
 * is a pure function of (seed, counter + i) (kiln_dropout_mask, kiln_nn.h), so it does not depend on
 * the launch geometry and every backend draws the same mask.
 */
#include "kiln_cuda.cuh"

/* mask[i] = u(seed, counter + i) >= p ? 1 / (1 - p) : 0;  y[i] = x[i] * mask[i]. */
extern "C" __global__ void kiln_dropout_forward(const float* x, float* mask, float* y, long long n, float p,
                                                unsigned long long seed, unsigned long long counter) {
    KILN_GRID_STRIDE(i, n) {
        const float m = kiln_dropout_mask(seed, counter, (kiln_u64) i, p);
        mask[i] = m;
        y[i] = x[i] * m;
    }
}

/* dX[i] = dY[i] * mask[i]; dX may be dY. */
extern "C" __global__ void kiln_dropout_backward(const float* dY, const float* mask, float* dX, long long n) {
    KILN_GRID_STRIDE(i, n) dX[i] = dY[i] * mask[i];
}
