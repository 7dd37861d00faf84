/*
 * reduce.cu: the sum of squares of a range (Backend.sumSquares, the global gradient norm of
 * torch.nn.utils.clip_grad_norm_) and the second pass shared by every reduction.
 *
 * Two passes, both deterministic: pass 1 gives each of G blocks (G a function of n alone) a fixed
 * strided share of the range and writes the block's sum to partials[block]; pass 2, one block, adds
 * the G partials in index order. No float atomics, so the sum is the same on every run.
 */
#include "kiln_cuda.cuh"

/* partials[blockIdx.x] = sum of x[off + i]^2 over this block's share of i < n. NaN and Inf propagate
 * (the finite guard of the update relies on it). */
extern "C" __global__ void kiln_sum_squares(const float* __restrict__ x, long long off, long long n,
                                            float* __restrict__ partials) {
    float s = 0.0f;
    KILN_GRID_STRIDE(i, n) {
        const float v = x[off + i];
        s = s + v * v;
    }
    const float b = kiln_block_sum(s);
    if (threadIdx.x == 0) partials[blockIdx.x] = b;
}

/* Pass 2, one block: S = sum of partials[0 .. count) in a fixed order; then
 *   stats[slot_a] = (accumulate ? stats[slot_a] : 0) + S,
 *   stats[slot_b] += S        when slot_b >= 0,
 *   stats[slot_c] += add_c    when slot_c >= 0   (the row count of Backend.loss).
 * Slot numbers come from dev.kiln.backend.Stats on the host. */
extern "C" __global__ void kiln_reduce_finish(const float* __restrict__ partials, int count,
                                              float* __restrict__ stats, int accumulate, int slot_a,
                                              int slot_b, int slot_c, float add_c) {
    float s = 0.0f;
    for (int i = threadIdx.x; i < count; i += blockDim.x) s = s + partials[i];
    const float total = kiln_block_sum(s);
    if (threadIdx.x == 0) {
        stats[slot_a] = (accumulate ? stats[slot_a] : 0.0f) + total;
        if (slot_b >= 0) stats[slot_b] = stats[slot_b] + total;
        if (slot_c >= 0) stats[slot_c] = stats[slot_c] + add_c;
    }
}
