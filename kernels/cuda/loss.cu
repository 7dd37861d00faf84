/*
 * loss.cu: the loss of a batch and its gradient (Backend.loss), and the count of correct rows
 * (Backend.countCorrect). One thread per row calls kiln_loss_row / kiln_correct_row (kiln_nn.h); each
 * block writes the sum over its rows to partials[blockIdx.x], and kiln_reduce_finish (reduce.cu) adds
 * the partials to the statistics buffer in index order: deterministic, with no float atomics.
 */
#include "kiln_cuda.cuh"

/* Row losses of kind (LossKind codes) summed per block into partials; if grad is not null it receives
 * kiln_loss_grad_row: dZ for the fused kinds (from z alone), dA for MSE (from a), times grad_scale.
 * The fused kinds never read a and MSE never reads z, so the host may pass 0 for the unread one. */
extern "C" __global__ void kiln_loss(int kind, const float* z, const float* a, const float* y, int rows, int cols,
                                     float grad_scale, float* grad, float* partials) {
    float sum = 0.0f;
    KILN_GRID_STRIDE(r, rows) {
        const long long o = r * cols;
        sum = sum + kiln_loss_row(kind, z + o, a + o, y + o, cols);
        if (grad != nullptr) kiln_loss_grad_row(kind, z + o, a + o, y + o, grad + o, cols, grad_scale);
    }
    const float s = kiln_block_sum(sum);
    if (threadIdx.x == 0) partials[blockIdx.x] = s;
}

/* Number of correctly classified rows per block into partials (exact in float below 2^24 rows). */
extern "C" __global__ void kiln_count_correct(const float* __restrict__ a, const float* __restrict__ y,
                                              int rows, int cols, float* __restrict__ partials) {
    float count = 0.0f;
    KILN_GRID_STRIDE(r, rows) {
        const long long o = r * cols;
        count = count + (float) kiln_correct_row(a + o, y + o, cols);
    }
    const float s = kiln_block_sum(count);
    if (threadIdx.x == 0) partials[blockIdx.x] = s;
}
