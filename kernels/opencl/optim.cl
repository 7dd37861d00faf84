/*
 * optim.cl: the fused optimizer updates, one thin kernel per dev.kiln.backend.UpdateRule, named
 * UpdateRule.kernelName(), all with the same signature so that a backend launches any rule the same way:
 *
 *   p, g          parameters and gradients (the flat parameter layout), n elements
 *   s0, s1, s2    optimizer state buffers (UpdateRule.stateCount() are used; the others may be any buffer)
 *   stats         the statistics buffer (dev.kiln.backend.Stats): reads GRAD_SQ [2] and STEP_LOSS [5],
 *                 work-item 0 adds 1 to SKIPPED [3] when the finite guard drops the step
 *   max_norm, clip_value, guard   the clipping and guard fields of UpdateScalars
 *   h0 .. h11     UpdateScalars.hyper
 *
 * Every kernel: guard the index, apply the finite guard, clip the gradient (kiln_math.h), then the rule's
 * per-element function (kiln_optim.h). Work-item 0 writes stats[3] while the others read stats[2] and
 * stats[5]: different slots, so there is no race.
 *
 * Compiled at run time with kiln_math.h and kiln_optim.h prepended as text (a jar has no include path).
 */

#define KILN_UPDATE_PARAMS                                                                              \
    __global float* p, __global const float* g, __global float* s0, __global float* s1,                 \
    __global float* s2, const int n, __global float* stats, const float max_norm,                       \
    const float clip_value, const int guard,                                                            \
    const float h0, const float h1, const float h2, const float h3, const float h4, const float h5,     \
    const float h6, const float h7, const float h8, const float h9, const float h10, const float h11

/* Declares i, gi (the clipped gradient of element i) and h[12]; returns early for a skipped step. */
#define KILN_UPDATE_PROLOGUE                                                                            \
    const int i = (int) get_global_id(0);                                                               \
    if (i >= n) return;                                                                                 \
    const float grad_sq = stats[2], step_loss = stats[5];                                               \
    if (kiln_skip_step(guard, grad_sq, step_loss)) {                                                    \
        if (i == 0) stats[3] += 1.0f;                                                                   \
        return;                                                                                         \
    }                                                                                                   \
    const float gi = kiln_grad(g[i], kiln_clip_scale(grad_sq, max_norm), clip_value);                   \
    const float h[12] = {h0, h1, h2, h3, h4, h5, h6, h7, h8, h9, h10, h11}

__kernel void kiln_update_sgd(KILN_UPDATE_PARAMS) {
    KILN_UPDATE_PROLOGUE;
    kiln_sgd(p + i, gi, s0 + i, h);
}

__kernel void kiln_update_adagrad(KILN_UPDATE_PARAMS) {
    KILN_UPDATE_PROLOGUE;
    kiln_adagrad(p + i, gi, s0 + i, h);
}

__kernel void kiln_update_adadelta(KILN_UPDATE_PARAMS) {
    KILN_UPDATE_PROLOGUE;
    kiln_adadelta(p + i, gi, s0 + i, s1 + i, h);
}

__kernel void kiln_update_rmsprop(KILN_UPDATE_PARAMS) {
    KILN_UPDATE_PROLOGUE;
    kiln_rmsprop(p + i, gi, s0 + i, s1 + i, s2 + i, h);
}

__kernel void kiln_update_adam(KILN_UPDATE_PARAMS) {
    KILN_UPDATE_PROLOGUE;
    kiln_adam(p + i, gi, s0 + i, s1 + i, s2 + i, h);
}

__kernel void kiln_update_nadam(KILN_UPDATE_PARAMS) {
    KILN_UPDATE_PROLOGUE;
    kiln_nadam(p + i, gi, s0 + i, s1 + i, h);
}

__kernel void kiln_update_radam(KILN_UPDATE_PARAMS) {
    KILN_UPDATE_PROLOGUE;
    kiln_radam(p + i, gi, s0 + i, s1 + i, h);
}

__kernel void kiln_update_lion(KILN_UPDATE_PARAMS) {
    KILN_UPDATE_PROLOGUE;
    kiln_lion(p + i, gi, s0 + i, h);
}
