/*
 * kiln_nn.h: the per-row and per-column formulas of the layer and loss ops, shared by CUDA (.cu) and
 * OpenCL (.cl). Requires kiln_math.h first (KILN_FN, KILN_GLOBAL, KILN_EXP, ...).
 *
 * Each function works on one row (or one column) that the caller's kernel has located; the kernels
 * only compute an index, guard it and call in here, so a row's arithmetic is the same whatever the
 * launch geometry (one work-item or thread per row, loops in index order: results are deterministic).
 * Rows are contiguous runs of `cols` floats (row-major). The dev.kiln.backend.cpu package is the Java
 * reference the conformance suite compares these with; sums run in increasing index order and no
 * expression relies on contraction into fma (OpenCL builds with FP_CONTRACT OFF).
 */
#ifndef KILN_NN_H
#define KILN_NN_H

/* ---- loss kinds: codes of dev.kiln.backend.LossKind ------------------------------------------------- */
#define KILN_LOSS_SOFTMAX_XENT 0
#define KILN_LOSS_BINARY_XENT  1
#define KILN_LOSS_MSE          2

/* ---- targets ------------------------------------------------------------------------------------------ */

/* Element c of a one-hot target row for class `label`: 1 at the label, 0 elsewhere (Backend.gatherOneHot).
 * A label outside [0, classes), which the kernels also pass for a row index outside the labels, gives NaN:
 * a kernel cannot report it, and the loss and the finite guard then make it visible. */
KILN_FN float kiln_one_hot(int label, int classes, long c) {
    if (label < 0 || label >= classes) return KILN_NAN;
    return c == label ? 1.0f : 0.0f;
}

/* ---- softmax ------------------------------------------------------------------------------------------ */

/* a_j = exp(z_j - max_k z_k) / sum_k exp(z_k - max_k z_k): subtracting the row maximum keeps every exp in
 * (0, 1] (no overflow) and does not change the quotient. a must not alias z. */
KILN_FN void kiln_softmax_row(KILN_GLOBAL const float* z, KILN_GLOBAL float* a, int cols) {
    float m = z[0];
    for (int j = 1; j < cols; j++) m = z[j] > m ? z[j] : m;
    float s = 0.0f;
    for (int j = 0; j < cols; j++) {
        float e = KILN_EXP(z[j] - m);
        a[j] = e;
        s = s + e;
    }
    for (int j = 0; j < cols; j++) a[j] = a[j] / s;
}

/* Softmax Jacobian-vector product: dz_i = a_i (da_i - sum_j da_j a_j). dz may alias da: the dot product is
 * complete before the first write. */
KILN_FN void kiln_softmax_backward_row(KILN_GLOBAL const float* a, KILN_GLOBAL const float* da,
                                      KILN_GLOBAL float* dz, int cols) {
    float dot = 0.0f;
    for (int j = 0; j < cols; j++) dot = dot + da[j] * a[j];
    for (int j = 0; j < cols; j++) dz[j] = a[j] * (da[j] - dot);
}

/* ---- losses ------------------------------------------------------------------------------------------- */

/* The loss of one row (dev.kiln.backend.LossKind):
 *   softmax cross-entropy: logsumexp(z) - sum_j y_j z_j, logsumexp(z) = m + log(sum_j exp(z_j - m)), m = max z
 *   binary cross-entropy:  sum_j [max(z_j, 0) - z_j y_j + log1p(exp(-|z_j|))] / cols
 *   mean squared error:    sum_j (a_j - y_j)^2 / cols
 * BCE and MSE average over the row's outputs, so that the batch mean over rows is the mean over all
 * rows x cols elements, as torch's BCEWithLogitsLoss and MSELoss (reduction='mean') and Keras's
 * binary_crossentropy and mean_squared_error (a mean over the last axis) compute them. */
KILN_FN float kiln_loss_row(int kind, KILN_GLOBAL const float* z, KILN_GLOBAL const float* a,
                            KILN_GLOBAL const float* y, int cols) {
    if (kind == KILN_LOSS_SOFTMAX_XENT) {
        float m = z[0];
        for (int j = 1; j < cols; j++) m = z[j] > m ? z[j] : m;
        float s = 0.0f, dot = 0.0f;
        for (int j = 0; j < cols; j++) {
            s = s + KILN_EXP(z[j] - m);
            dot = dot + y[j] * z[j];
        }
        return (m + KILN_LOG(s)) - dot;
    }
    if (kind == KILN_LOSS_BINARY_XENT) {
        float s = 0.0f;
        for (int j = 0; j < cols; j++) {
            float zj = z[j];
            float pos = zj > 0.0f ? zj : 0.0f;
            s = s + ((pos - zj * y[j]) + KILN_LOG1P(KILN_EXP(-KILN_FABS(zj))));
        }
        return s / (float)cols;
    }
    /* KILN_LOSS_MSE */
    float s = 0.0f;
    for (int j = 0; j < cols; j++) {
        float d = a[j] - y[j];
        s = s + d * d;
    }
    return s / (float)cols;
}

/* The gradient leaving the loss for one row, times `scale` (1/rows for a mean over the batch):
 *   softmax cross-entropy (dZ): (softmax(z)_j - y_j) scale, softmax recomputed from z as in kiln_softmax_row
 *   binary cross-entropy (dZ):  (sigmoid(z_j) - y_j) / cols * scale
 *   MSE (dA):                   2 (a_j - y_j) / cols * scale
 * The fused kinds read z, never a: the loss is defined on the logits (torch CrossEntropyLoss /
 * BCEWithLogitsLoss), whatever the output activation wrote into a. */
KILN_FN void kiln_loss_grad_row(int kind, KILN_GLOBAL const float* z, KILN_GLOBAL const float* a,
                                KILN_GLOBAL const float* y, KILN_GLOBAL float* grad, int cols, float scale) {
    if (kind == KILN_LOSS_SOFTMAX_XENT) {
        float m = z[0];
        for (int j = 1; j < cols; j++) m = z[j] > m ? z[j] : m;
        float s = 0.0f;
        for (int j = 0; j < cols; j++) s = s + KILN_EXP(z[j] - m);
        for (int j = 0; j < cols; j++) grad[j] = (KILN_EXP(z[j] - m) / s - y[j]) * scale;
        return;
    }
    if (kind == KILN_LOSS_BINARY_XENT) {
        for (int j = 0; j < cols; j++) grad[j] = ((1.0f / (1.0f + KILN_EXP(-z[j])) - y[j]) / (float)cols) * scale;
        return;
    }
    /* KILN_LOSS_MSE */
    for (int j = 0; j < cols; j++) grad[j] = ((2.0f * (a[j] - y[j])) / (float)cols) * scale;
}

/* ---- accuracy ------------------------------------------------------------------------------------------ */

/* 1 if the row is classified correctly: argmax a == argmax y (first index on ties); for a single output,
 * (a >= 0.5) == (y >= 0.5). */
KILN_FN int kiln_correct_row(KILN_GLOBAL const float* a, KILN_GLOBAL const float* y, int cols) {
    if (cols == 1) return (a[0] >= 0.5f) == (y[0] >= 0.5f);
    int ia = 0, iy = 0;
    for (int j = 1; j < cols; j++) {
        if (a[j] > a[ia]) ia = j;
        if (y[j] > y[iy]) iy = j;
    }
    return ia == iy;
}

/* ---- bias gradient ------------------------------------------------------------------------------------- */

/* sum over r of dz[r * cols + c], in increasing r. */
KILN_FN float kiln_column_sum(KILN_GLOBAL const float* dz, int rows, int cols, int c) {
    float s = 0.0f;
    for (int r = 0; r < rows; r++) s = s + dz[(long)r * cols + c];
    return s;
}

/* ---- dropout ------------------------------------------------------------------------------------------- */

/* Inverted dropout's mask value for element `index` of the draw that starts at `counter`:
 * u(seed, counter + index) >= p ? 1 / (1 - p) : 0, with kiln_uniform of kiln_math.h, so every backend and
 * every launch geometry draws the same mask. */
KILN_FN float kiln_dropout_mask(kiln_u64 seed, kiln_u64 counter, kiln_u64 index, float p) {
    float u = kiln_uniform(seed, counter + index);
    return u >= p ? 1.0f / (1.0f - p) : 0.0f;
}

/* ---- GEMM epilogue ------------------------------------------------------------------------------------ */

/* C = alpha acc + beta C, acc = sum_p op(A)(i,p) op(B)(p,j) accumulated with fma in increasing p. With
 * beta = 0 the old C is ignored, so garbage or NaN in an output buffer never leaks into the result
 * (BLAS semantics). */
KILN_FN float kiln_gemm_out(float acc, float alpha, float beta, float c_old) {
    return beta == 0.0f ? alpha * acc : alpha * acc + beta * c_old;
}

#endif /* KILN_NN_H */
