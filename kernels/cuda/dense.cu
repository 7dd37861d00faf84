/*
 * dense.cu: the element-wise and row-wise parts of a Dense layer: the fused bias + activation of the
 * forward pass, the activation backward pass and the bias gradient. Thin wrappers over kiln_math.h and
 * kiln_nn.h: each kernel locates an element, row or column and calls the shared formula, so the math is
 * the one the OpenCL kernels and the CPU backend use.
 */
#include "kiln_cuda.cuh"

/* ---- forward --------------------------------------------------------------------------------------- */

/* z[r, c] += bias[bias_off + c]; a[r, c] = act(z[r, c]) for the element-wise activations
 * (Activation codes, kiln_act_forward). */
extern "C" __global__ void kiln_bias_activation(int act, float slope, float* __restrict__ z,
                                                const float* __restrict__ bias, long long bias_off,
                                                float* __restrict__ a, int rows, int cols) {
    const long long total = (long long) rows * cols;
    KILN_GRID_STRIDE(e, total) {
        const long long c = e % cols;
        const float v = z[e] + bias[bias_off + c];
        z[e] = v;
        a[e] = kiln_act_forward(act, v, slope);
    }
}

/* The same for softmax, one thread per row: z[r, :] += bias, then a[r, :] = softmax(z[r, :]). */
extern "C" __global__ void kiln_bias_softmax(float* __restrict__ z, const float* __restrict__ bias,
                                             long long bias_off, float* __restrict__ a, int rows, int cols) {
    KILN_GRID_STRIDE(r, rows) {
        float* zr = z + r * cols;
        for (int c = 0; c < cols; c++) zr[c] = zr[c] + bias[bias_off + c];
        kiln_softmax_row(zr, a + r * cols, cols);
    }
}

/* ---- backward -------------------------------------------------------------------------------------- */

/* dZ = dA * act'(Z) element by element (kiln_act_derivative). dZ may be dA, hence no __restrict__. */
extern "C" __global__ void kiln_activation_backward(int act, float slope, const float* z, const float* a,
                                                    const float* dA, float* dZ, int rows, int cols) {
    const long long total = (long long) rows * cols;
    KILN_GRID_STRIDE(e, total) dZ[e] = dA[e] * kiln_act_derivative(act, z[e], a[e], slope);
}

/* The softmax Jacobian-vector product, one thread per row: dZ_i = a_i (dA_i - sum_j dA_j a_j).
 * dZ may be dA (kiln_softmax_backward_row finishes the dot product before writing). */
extern "C" __global__ void kiln_softmax_backward(const float* a, const float* dA, float* dZ, int rows, int cols) {
    KILN_GRID_STRIDE(r, rows) {
        const long long o = r * cols;
        kiln_softmax_backward_row(a + o, dA + o, dZ + o, cols);
    }
}

/* db[db_off + c] = sum over r of dZ[r, c], one thread per column summing in increasing r (the CPU
 * backend's order, so the bias gradient is bit-identical to it). Adjacent threads read adjacent
 * columns of a row, so the loads coalesce. */
extern "C" __global__ void kiln_bias_grad(const float* __restrict__ dZ, int rows, int cols,
                                          float* __restrict__ db, long long db_off) {
    KILN_GRID_STRIDE(c, cols) db[db_off + c] = kiln_column_sum(dZ, rows, cols, (int) c);
}
