/*
 * optim.cu: the fused optimizer updates, one thin kernel per dev.kiln.backend.UpdateRule, named
 * UpdateRule.kernelName(), all with the same signature so that a backend launches any rule the same way
 * (the same kernels and argument order as kernels/opencl/optim.cl):
 *
 *   p, g          parameters and gradients (the flat parameter layout), n elements
 *   s0, s1, s2    optimizer state buffers (UpdateRule.stateCount() are used; the others may be any buffer)
 *   stats         the statistics buffer (dev.kiln.backend.Stats): reads GRAD_SQ [2] and STEP_LOSS [5],
 *                 thread 0 adds 1 to SKIPPED [3] when the finite guard drops the step
 *   max_norm, clip_value, guard   the clipping and guard fields of UpdateScalars
 *   h0 .. h11     UpdateScalars.hyper
 *
 * Every kernel: guard the index, apply the finite guard, clip the gradient (kiln_math.h), then the rule's
 * per-element function (kiln_optim.h). Thread 0 writes stats[3] while the others read stats[2] and
 * stats[5]: different slots, so there is no race.
 */
#include "../common/kiln_math.h"
#include "../common/kiln_optim.h"

#define KILN_UPDATE_PARAMS                                                                              \
    float* p, const float* g, float* s0, float* s1, float* s2, int n, float* stats, float max_norm,     \
    float clip_value, int guard, float h0, float h1, float h2, float h3, float h4, float h5, float h6,  \
    float h7, float h8, float h9, float h10, float h11

/* Declares i, gi (the clipped gradient of element i) and h[12]; returns early for a skipped step. */
#define KILN_UPDATE_PROLOGUE                                                                            \
    const int i = blockIdx.x * blockDim.x + threadIdx.x;                                                \
    if (i >= n) return;                                                                                 \
    const float grad_sq = stats[2], step_loss = stats[5];                                               \
    if (kiln_skip_step(guard, grad_sq, step_loss)) {                                                    \
        if (i == 0) stats[3] += 1.0f;                                                                   \
        return;                                                                                         \
    }                                                                                                   \
    const float gi = kiln_grad(g[i], kiln_clip_scale(grad_sq, max_norm), clip_value);                   \
    const float h[12] = {h0, h1, h2, h3, h4, h5, h6, h7, h8, h9, h10, h11}

extern "C" __global__ void kiln_update_sgd(KILN_UPDATE_PARAMS) {
    KILN_UPDATE_PROLOGUE;
    kiln_sgd(p + i, gi, s0 + i, h);
}

extern "C" __global__ void kiln_update_adagrad(KILN_UPDATE_PARAMS) {
    KILN_UPDATE_PROLOGUE;
    kiln_adagrad(p + i, gi, s0 + i, h);
}

extern "C" __global__ void kiln_update_adadelta(KILN_UPDATE_PARAMS) {
    KILN_UPDATE_PROLOGUE;
    kiln_adadelta(p + i, gi, s0 + i, s1 + i, h);
}

extern "C" __global__ void kiln_update_rmsprop(KILN_UPDATE_PARAMS) {
    KILN_UPDATE_PROLOGUE;
    kiln_rmsprop(p + i, gi, s0 + i, s1 + i, s2 + i, h);
}

extern "C" __global__ void kiln_update_adam(KILN_UPDATE_PARAMS) {
    KILN_UPDATE_PROLOGUE;
    kiln_adam(p + i, gi, s0 + i, s1 + i, s2 + i, h);
}

extern "C" __global__ void kiln_update_nadam(KILN_UPDATE_PARAMS) {
    KILN_UPDATE_PROLOGUE;
    kiln_nadam(p + i, gi, s0 + i, s1 + i, h);
}

extern "C" __global__ void kiln_update_radam(KILN_UPDATE_PARAMS) {
    KILN_UPDATE_PROLOGUE;
    kiln_radam(p + i, gi, s0 + i, s1 + i, h);
}

extern "C" __global__ void kiln_update_lion(KILN_UPDATE_PARAMS) {
    KILN_UPDATE_PROLOGUE;
    kiln_lion(p + i, gi, s0 + i, h);
}
