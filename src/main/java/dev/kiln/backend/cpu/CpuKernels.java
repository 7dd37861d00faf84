package dev.kiln.backend.cpu;

/**
 * The CPU backend's kernels over a range of rows or elements, so that one op can be split into chunks with
 * boundaries fixed by the data size alone. Element math follows kernels/common/kiln_math.h through
 * {@link CpuMath}; sums over a row or a chunk accumulate in double in index order (exact enough that the
 * CPU stays the reference, and a fixed order keeps results independent of the thread count).
 */
final class CpuKernels {
    private CpuKernels() {}

    // Activation codes (Activation.code(), the KILN_ACT_* of kiln_math.h)
    static final int LINEAR = 0, RELU = 1, LEAKY_RELU = 2, SOFTMAX = 6;

    /**
     * Whether the piecewise-linear activations run through {@link VectorKernels} (same bits, several times
     * faster): when {@code jdk.incubator.vector} is loaded, unless {@code -Dkiln.cpu.vector=false}.
     */
    static final boolean VECTOR = CpuGemm.bestKind() && vectorKernelsLoad();

    private static boolean vectorKernelsLoad() {
        try {
            return VectorKernels.lanes() > 0;
        } catch (LinkageError e) {
            return false;
        }
    }

    private static boolean piecewiseLinear(int act) { return act == LINEAR || act == RELU || act == LEAKY_RELU; }

    // ---- forward -----------------------------------------------------------------------------------

    /**
     * Rows [r0, r1): Z[r, c] += bias[bo + c], then A = act(Z); softmax a_i = exp(z_i - max) / sum_j exp(z_j - max)
     * with the exponentials kept in double in {@code scratch} (at least cols long) so each is computed once.
     */
    static void biasActivation(int act, float slope, float[] z, float[] bias, int bo, float[] a,
                               int cols, int r0, int r1, double[] scratch) {
        if (VECTOR && piecewiseLinear(act)) {
            VectorKernels.biasActivation(act, slope, z, bias, bo, a, cols, r0, r1);
            return;
        }
        // one fused pass per row: v = z + b; Z = v; A = act(v) (kiln_act_forward), the switch outside the loops
        for (int r = r0; r < r1; r++) {
            int row = r * cols;
            switch (act) {
                case SOFTMAX -> {
                    for (int c = 0; c < cols; c++) z[row + c] += bias[bo + c];
                    softmaxRow(z, a, row, cols, scratch);
                }
                case LINEAR -> {
                    for (int c = 0; c < cols; c++) a[row + c] = z[row + c] += bias[bo + c];
                }
                case RELU -> {
                    for (int c = 0; c < cols; c++) {
                        float v = z[row + c] += bias[bo + c];
                        a[row + c] = v < 0f ? 0f : v;    // torch's clamp_min: NaN and -0 kept
                    }
                }
                case LEAKY_RELU -> {
                    for (int c = 0; c < cols; c++) {
                        float v = z[row + c] += bias[bo + c];
                        a[row + c] = v > 0f ? v : slope * v;
                    }
                }
                default -> {
                    for (int c = 0; c < cols; c++) a[row + c] = CpuMath.actForward(act, z[row + c] += bias[bo + c], slope);
                }
            }
        }
    }

    private static void softmaxRow(float[] z, float[] a, int row, int cols, double[] e) {
        float max = Float.NEGATIVE_INFINITY;
        for (int c = 0; c < cols; c++) max = Math.max(max, z[row + c]);
        double sum = 0;
        for (int c = 0; c < cols; c++) sum += e[c] = Math.exp((double) z[row + c] - max);
        for (int c = 0; c < cols; c++) a[row + c] = (float) (e[c] / sum);
    }

    /** Rows [r0, r1): dZ = dA * act'(Z); softmax dZ_i = a_i (dA_i - sum_j dA_j a_j). dZ may be dA. */
    static void activationBackward(int act, float slope, float[] z, float[] a, float[] dA, float[] dZ,
                                   int cols, int r0, int r1) {
        if (act == SOFTMAX) {
            for (int r = r0; r < r1; r++) {
                int row = r * cols;
                double dot = 0;
                for (int c = 0; c < cols; c++) dot += (double) dA[row + c] * a[row + c];
                for (int c = 0; c < cols; c++) dZ[row + c] = (float) (a[row + c] * (dA[row + c] - dot));
            }
            return;
        }
        int i0 = r0 * cols, i1 = r1 * cols;
        if (VECTOR && piecewiseLinear(act)) {
            VectorKernels.activationBackward(act, slope, z, dA, dZ, i0, i1);
            return;
        }
        switch (act) {
            case LINEAR -> { for (int i = i0; i < i1; i++) dZ[i] = dA[i] * 1f; }
            case RELU -> { for (int i = i0; i < i1; i++) dZ[i] = dA[i] * (z[i] <= 0f ? 0f : 1f); }
            case LEAKY_RELU -> { for (int i = i0; i < i1; i++) dZ[i] = dA[i] * (z[i] > 0f ? 1f : slope); }
            default -> { for (int i = i0; i < i1; i++) dZ[i] = dA[i] * CpuMath.actDerivative(act, z[i], a[i], slope); }
        }
    }

    /** Columns [c0, c1): db[dbo + c] = sum over r of dZ[r, c], in row order, via the double scratch acc. */
    static void biasGrad(float[] dZ, int rows, int cols, float[] db, int dbo, int c0, int c1, double[] acc) {
        int w = c1 - c0;
        java.util.Arrays.fill(acc, 0, w, 0.0);
        for (int r = 0; r < rows; r++) {
            int row = r * cols + c0;
            for (int j = 0; j < w; j++) acc[j] += dZ[row + j];
        }
        for (int j = 0; j < w; j++) db[dbo + c0 + j] = (float) acc[j];
    }

    // ---- losses (LossKind) --------------------------------------------------------------------------

    /**
     * Rows [r0, r1) of softmax cross-entropy on logits: row loss logsumexp(z) - sum_j y_j z_j; if grad is not
     * null, grad = (softmax(z) - y) * scale. Returns the sum of the row losses in row order. {@code e} is a
     * scratch row of at least cols doubles.
     */
    static double softmaxCrossEntropy(float[] z, float[] y, int cols, float scale, float[] grad, int r0, int r1,
                                      double[] e) {
        double total = 0;
        for (int r = r0; r < r1; r++) {
            int row = r * cols;
            float max = Float.NEGATIVE_INFINITY;
            for (int c = 0; c < cols; c++) max = Math.max(max, z[row + c]);
            double sum = 0, dot = 0;
            for (int c = 0; c < cols; c++) {
                sum += e[c] = Math.exp((double) z[row + c] - max);
                dot += (double) y[row + c] * z[row + c];
            }
            total += max + Math.log(sum) - dot;
            if (grad != null) {
                for (int c = 0; c < cols; c++) grad[row + c] = (float) ((e[c] / sum - y[row + c]) * scale);
            }
        }
        return total;
    }

    /**
     * Rows [r0, r1) of binary cross-entropy on logits, stable form max(z,0) - z y + log(1 + exp(-|z|)) averaged
     * over the row's outputs (torch BCEWithLogitsLoss and Keras binary_crossentropy average over every output);
     * grad = (sigmoid(z) - y) / cols * scale. Returns the sum of the row losses.
     */
    static double binaryCrossEntropy(float[] z, float[] y, int cols, float scale, float[] grad, int r0, int r1) {
        double total = 0;
        for (int i = r0 * cols, e = r1 * cols; i < e; i++) {
            double zi = z[i], yi = y[i];
            total += Math.max(zi, 0) - zi * yi + Math.log1p(Math.exp(-Math.abs(zi)));
            if (grad != null) grad[i] = (float) ((1.0 / (1.0 + Math.exp(-zi)) - yi) / cols * scale);
        }
        return total / cols;
    }

    /** Rows [r0, r1) of mean squared error on A: row loss sum_j (a_j - y_j)^2 / cols; grad = 2 (a - y) / cols * scale. */
    static double mse(float[] a, float[] y, int cols, float scale, float[] grad, int r0, int r1) {
        double total = 0;
        for (int r = r0; r < r1; r++) {
            int row = r * cols;
            double s = 0;
            for (int c = 0; c < cols; c++) {
                double d = (double) a[row + c] - y[row + c];
                s += d * d;
                if (grad != null) grad[row + c] = (float) (2.0 * d / cols * scale);
            }
            total += s / cols;
        }
        return total;
    }

    /** Rows [r0, r1): how many rows have argmax(a) == argmax(y) (first index on ties); one column: (a >= .5) == (y >= .5). */
    static int countCorrect(float[] a, float[] y, int cols, int r0, int r1) {
        int correct = 0;
        for (int r = r0; r < r1; r++) {
            int row = r * cols;
            if (cols == 1) {
                if ((a[row] >= 0.5f) == (y[row] >= 0.5f)) correct++;
            } else if (argmax(a, row, cols) == argmax(y, row, cols)) {
                correct++;
            }
        }
        return correct;
    }

    private static int argmax(float[] x, int row, int cols) {
        int best = 0;
        float max = x[row];
        for (int c = 1; c < cols; c++) {
            if (x[row + c] > max) {
                max = x[row + c];
                best = c;
            }
        }
        return best;
    }

    // ---- dropout, reductions ---------------------------------------------------------------------------

    /** Elements [i0, i1): mask = u(seed, counter + i) >= p ? 1/(1-p) : 0, y = x * mask (kiln_uniform, see Rng). */
    static void dropoutForward(float[] x, int xo, float[] mask, int mo, float[] y, int yo, float p,
                               long seed, long counter, int i0, int i1) {
        float keep = 1f / (1f - p);
        for (int i = i0; i < i1; i++) {
            float m = Rng.uniform(seed, counter + i) >= p ? keep : 0f;
            mask[mo + i] = m;
            y[yo + i] = x[xo + i] * m;
        }
    }

    /** Elements [i0, i1): dX = dY * mask. */
    static void dropoutBackward(float[] dY, int dyo, float[] mask, int mo, float[] dX, int dxo, int i0, int i1) {
        for (int i = i0; i < i1; i++) dX[dxo + i] = dY[dyo + i] * mask[mo + i];
    }

    /** Sum of x[off + i]^2 over [i0, i1) in double, in index order. */
    static double sumSquares(float[] x, int off, int i0, int i1) {
        double s = 0;
        for (int i = off + i0, e = off + i1; i < e; i++) s += (double) x[i] * x[i];
        return s;
    }
}
