/*
 * dropout.cl: inverted dropout with the counter-based mask of kiln_nn.h (kiln_dropout_mask), so the mask
 * depends only on (seed, counter + i), never on the launch geometry or the backend.
 */

/* mask[i] = kiln_dropout_mask(seed, counter, i, p); y[i] = x[i] * mask[i]. */
__kernel void kiln_dropout_forward(__global const float* x, __global float* mask, __global float* y, const int n,
                                   const float p, const ulong seed, const ulong counter) {
    const int i = get_global_id(0);
    if (i >= n) return;
    const float m = kiln_dropout_mask(seed, counter, (ulong)i, p);
    mask[i] = m;
    y[i] = x[i] * m;
}

/* dx[i] = dy[i] * mask[i]; dx may be dy. */
__kernel void kiln_dropout_backward(__global const float* dy, __global const float* mask, __global float* dx,
                                    const int n) {
    const int i = get_global_id(0);
    if (i >= n) return;
    dx[i] = dy[i] * mask[i];
}
