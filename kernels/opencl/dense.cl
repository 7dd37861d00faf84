/*
 * dense.cl: the element-wise and row-wise parts of a Dense layer around its GEMM. Thin wrappers: compute
 * the index, guard it, call the formula of kiln_math.h / kiln_nn.h.
 */

/* z[r, c] += bias[c]; a[r, c] = act(z[r, c]) for the element-wise activations. One work-item per element. */
__kernel void kiln_bias_activation(const int act, const float slope, __global float* z, __global const float* bias,
                                   const long bias_off, __global float* a, const int rows, const int cols) {
    const int i = get_global_id(0);
    if (i >= rows * cols) return;
    const int c = i - (i / cols) * cols;
    const float v = z[i] + bias[bias_off + c];
    z[i] = v;
    a[i] = kiln_act_forward(act, v, slope);
}

/* Softmax output layer: z[r, :] += bias; a[r, :] = softmax(z[r, :]). One work-item per row. */
__kernel void kiln_bias_softmax(__global float* z, __global const float* bias, const long bias_off,
                                __global float* a, const int rows, const int cols) {
    const int r = get_global_id(0);
    if (r >= rows) return;
    __global float* zr = z + (long)r * cols;
    for (int c = 0; c < cols; c++) zr[c] = zr[c] + bias[bias_off + c];
    kiln_softmax_row(zr, a + (long)r * cols, cols);
}

/* dz = da * act'(z, a), element-wise; dz may be da. */
__kernel void kiln_activation_backward(const int act, const float slope, __global const float* z,
                                       __global const float* a, __global const float* da, __global float* dz,
                                       const int n) {
    const int i = get_global_id(0);
    if (i >= n) return;
    dz[i] = da[i] * kiln_act_derivative(act, z[i], a[i], slope);
}

/* Softmax backward, one work-item per row: dz_i = a_i (da_i - sum_j da_j a_j). */
__kernel void kiln_softmax_backward(__global const float* a, __global const float* da, __global float* dz,
                                    const int rows, const int cols) {
    const int r = get_global_id(0);
    if (r >= rows) return;
    const long o = (long)r * cols;
    kiln_softmax_backward_row(a + o, da + o, dz + o, cols);
}

/* db[c] = sum over r of dz[r, c]; one work-item per column, rows summed in order (deterministic). */
__kernel void kiln_bias_grad(__global const float* dz, const int rows, const int cols, __global float* db,
                             const long db_off) {
    const int c = get_global_id(0);
    if (c >= cols) return;
    db[db_off + c] = kiln_column_sum(dz, rows, cols, c);
}
