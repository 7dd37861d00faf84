/*
 * loss.cl: per-row loss and accuracy. Each row's value goes to a scratch vector that reduce.cl sums in a
 * fixed order into the statistics buffer (OpenCL 1.2 has no float atomics, and atomics would make the
 * sum depend on timing).
 */

/* row_out[r] = loss of row r; if has_grad, grad[r, :] = kiln_loss_grad_row(...) (dZ or, for MSE, dA). */
__kernel void kiln_loss_rows(const int kind, __global const float* z, __global const float* a,
                             __global const float* y, const int rows, const int cols, const float scale,
                             const int has_grad, __global float* grad, __global float* row_out) {
    const int r = get_global_id(0);
    if (r >= rows) return;
    const long o = (long)r * cols;
    row_out[r] = kiln_loss_row(kind, z + o, a + o, y + o, cols);
    if (has_grad) kiln_loss_grad_row(kind, z + o, a + o, y + o, grad + o, cols, scale);
}

/* row_out[r] = 1 if row r is classified correctly, else 0. */
__kernel void kiln_correct_rows(__global const float* a, __global const float* y, const int rows, const int cols,
                                __global float* row_out) {
    const int r = get_global_id(0);
    if (r >= rows) return;
    const long o = (long)r * cols;
    row_out[r] = kiln_correct_row(a + o, y + o, cols) ? 1.0f : 0.0f;
}
