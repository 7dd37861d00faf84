package dev.kiln.backend;

import java.math.BigInteger;

/**
 * The double-precision reference of every {@link Backend} op, written from the Javadoc formulas alone and as
 * plainly as possible (naive loops, no blocking, no shared code with any backend), so that it can check the
 * CPU backend, which in turn checks the GPU backends. Results are doubles; the float inputs are widened
 * exactly.
 */
public final class ReferenceOps {
    private ReferenceOps() {}

    // ---- GEMM -------------------------------------------------------------------------------------------

    /**
     * The whole C buffer after C = alpha op(A) op(B) + beta C (row-major, BLAS semantics: beta = 0 ignores C,
     * alpha = 0 or k = 0 leaves beta C): a naive triple loop in double. Elements of c outside the m x n
     * window are returned unchanged.
     */
    public static double[] gemm(boolean tA, boolean tB, int m, int n, int k, double alpha,
                                float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                double beta, float[] c, int cOff, int ldc) {
        double[] out = widen(c);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double acc = 0;
                if (alpha != 0) {
                    for (int p = 0; p < k; p++) {
                        double av = tA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                        double bv = tB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                        acc += av * bv;
                    }
                }
                int ci = cOff + i * ldc + j;
                out[ci] = alpha * acc + (beta == 0 ? 0 : beta * c[ci]);
            }
        }
        return out;
    }

    private static double[] widen(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) d[i] = x[i];
        return d;
    }

    // ---- activations ------------------------------------------------------------------------------------

    /** act(z) in double, from the formulas on {@link Activation} (not softmax, which is row-wise). */
    public static double act(Activation act, double z, double slope) {
        return switch (act) {
            case LINEAR -> z;
            case RELU -> z < 0 ? 0 : z;                 // torch's clamp_min: NaN and -0 kept
            case LEAKY_RELU -> z > 0 ? z : slope * z;
            case SIGMOID -> 1 / (1 + Math.exp(-z));
            case TANH -> Math.tanh(z);
            case GELU -> 0.5 * z * (1 + erf(z / Math.sqrt(2)));
            case SOFTMAX -> throw new IllegalArgumentException("softmax is row-wise");
        };
    }

    /** act'(z) in double, analytically (relu' = 0 at 0, as PyTorch). */
    public static double actDerivative(Activation act, double z, double slope) {
        return switch (act) {
            case LINEAR -> 1;
            case RELU -> z <= 0 ? 0 : 1;                // torch's threshold_backward: 1 at NaN
            case LEAKY_RELU -> z > 0 ? 1 : slope;
            case SIGMOID -> {
                double s = 1 / (1 + Math.exp(-z));
                yield s * (1 - s);
            }
            case TANH -> 1 - Math.tanh(z) * Math.tanh(z);
            case GELU -> 0.5 * (1 + erf(z / Math.sqrt(2))) + z * Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
            case SOFTMAX -> throw new IllegalArgumentException("softmax is row-wise");
        };
    }

    /** softmax of one row of z (rows x cols, row-major), written into out at the same place. */
    public static void softmaxRow(double[] z, int row, int cols, double[] out) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < cols; c++) max = Math.max(max, z[row * cols + c]);
        double sum = 0;
        for (int c = 0; c < cols; c++) sum += Math.exp(z[row * cols + c] - max);
        for (int c = 0; c < cols; c++) out[row * cols + c] = Math.exp(z[row * cols + c] - max) / sum;
    }

    /** {Z + bias, act(Z + bias)} for rows x cols. */
    public static double[][] biasActivation(Activation act, double slope, float[] z, float[] bias, int biasOff,
                                            int rows, int cols) {
        double[] zb = new double[rows * cols], a = new double[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                // Z[r, c] += bias[c] is a float32 store in the contract, so round the sum to float
                zb[r * cols + c] = (float) (z[r * cols + c] + bias[biasOff + c]);
            }
        }
        if (act == Activation.SOFTMAX) {
            for (int r = 0; r < rows; r++) softmaxRow(zb, r, cols, a);
        } else {
            for (int i = 0; i < zb.length; i++) a[i] = act(act, zb[i], slope);
        }
        return new double[][] {zb, a};
    }

    /** dZ = dA act'(Z); softmax dZ_i = a_i (dA_i - sum_j dA_j a_j) per row. */
    public static double[] activationBackward(Activation act, double slope, float[] z, float[] a, float[] dA,
                                              int rows, int cols) {
        double[] dz = new double[rows * cols];
        for (int r = 0; r < rows; r++) {
            double dot = 0;
            if (act == Activation.SOFTMAX) for (int c = 0; c < cols; c++) dot += (double) dA[r * cols + c] * a[r * cols + c];
            for (int c = 0; c < cols; c++) {
                int i = r * cols + c;
                dz[i] = act == Activation.SOFTMAX ? a[i] * (dA[i] - dot) : dA[i] * actDerivative(act, z[i], slope);
            }
        }
        return dz;
    }

    /** db[c] = sum over r of dZ[r, c]. */
    public static double[] biasGrad(float[] dz, int rows, int cols) {
        double[] db = new double[cols];
        for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) db[c] += dz[r * cols + c];
        return db;
    }

    // ---- losses ----------------------------------------------------------------------------------------

    /** One row's loss (LossKind formulas): x is the logits row (fused kinds) or the activations row (MSE). */
    public static double rowLoss(LossKind kind, double[] x, double[] y) {
        int cols = x.length;
        double loss = 0;
        switch (kind) {
            case SOFTMAX_CROSS_ENTROPY -> {
                double max = Double.NEGATIVE_INFINITY;
                for (double v : x) max = Math.max(max, v);
                double sum = 0, dot = 0;
                for (int c = 0; c < cols; c++) {
                    sum += Math.exp(x[c] - max);
                    dot += y[c] * x[c];
                }
                loss = max + Math.log(sum) - dot;
            }
            case BINARY_CROSS_ENTROPY -> {
                for (int c = 0; c < cols; c++) loss += Math.max(x[c], 0) - x[c] * y[c] + Math.log1p(Math.exp(-Math.abs(x[c])));
                loss /= cols;
            }
            case MSE -> {
                for (int c = 0; c < cols; c++) loss += (x[c] - y[c]) * (x[c] - y[c]);
                loss /= cols;
            }
        }
        return loss;
    }

    /** The gradient of one row's loss times scale: dZ for the fused kinds, dA for MSE. */
    public static double[] rowGrad(LossKind kind, double[] x, double[] y, double scale) {
        int cols = x.length;
        double[] g = new double[cols];
        switch (kind) {
            case SOFTMAX_CROSS_ENTROPY -> {
                double[] p = new double[cols];
                softmaxRow(x, 0, cols, p);
                for (int c = 0; c < cols; c++) g[c] = (p[c] - y[c]) * scale;
            }
            case BINARY_CROSS_ENTROPY -> {
                for (int c = 0; c < cols; c++) g[c] = (1 / (1 + Math.exp(-x[c])) - y[c]) / cols * scale;
            }
            case MSE -> {
                for (int c = 0; c < cols; c++) g[c] = 2 * (x[c] - y[c]) / cols * scale;
            }
        }
        return g;
    }

    /** {sum of row losses} followed by the gradient, rows x cols, for the buffer the kind reads. */
    public static double[] loss(LossKind kind, float[] x, float[] y, int rows, int cols, double scale, double[] gradOut) {
        double total = 0;
        for (int r = 0; r < rows; r++) {
            double[] xr = new double[cols], yr = new double[cols];
            for (int c = 0; c < cols; c++) {
                xr[c] = x[r * cols + c];
                yr[c] = y[r * cols + c];
            }
            total += rowLoss(kind, xr, yr);
            if (gradOut != null) System.arraycopy(rowGrad(kind, xr, yr, scale), 0, gradOut, r * cols, cols);
        }
        return new double[] {total};
    }

    /** Rows whose argmax (first on ties) of a equals that of y; one column: (a >= 0.5) == (y >= 0.5). */
    public static int countCorrect(float[] a, float[] y, int rows, int cols) {
        int n = 0;
        for (int r = 0; r < rows; r++) {
            if (cols == 1) {
                if ((a[r] >= 0.5f) == (y[r] >= 0.5f)) n++;
                continue;
            }
            int ia = 0, iy = 0;
            for (int c = 1; c < cols; c++) {
                if (a[r * cols + c] > a[r * cols + ia]) ia = c;
                if (y[r * cols + c] > y[r * cols + iy]) iy = c;
            }
            if (ia == iy) n++;
        }
        return n;
    }

    // ---- dropout --------------------------------------------------------------------------------------

    private static final BigInteger MASK64 = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    /**
     * kiln_uniform(seed, counter) with unsigned 64-bit arithmetic done in BigInteger (mod 2^64), independent of
     * Java's wrapping long arithmetic: x = mix64(seed + (counter + 1) * 0x9E3779B97F4A7C15), u = (x >> 40) / 2^24.
     */
    public static double uniform(long seed, long counter) {
        BigInteger s = new BigInteger(Long.toUnsignedString(seed));
        BigInteger c = new BigInteger(Long.toUnsignedString(counter));
        BigInteger z = s.add(c.add(BigInteger.ONE).multiply(new BigInteger("9E3779B97F4A7C15", 16))).and(MASK64);
        z = z.xor(z.shiftRight(30)).multiply(new BigInteger("BF58476D1CE4E5B9", 16)).and(MASK64);
        z = z.xor(z.shiftRight(27)).multiply(new BigInteger("94D049BB133111EB", 16)).and(MASK64);
        z = z.xor(z.shiftRight(31));
        return z.shiftRight(40).doubleValue() / (1 << 24);
    }

    /** The dropout mask element: u >= p ? 1 / (1 - p) (in float, as the contract) : 0. */
    public static float dropoutMask(long seed, long counter, float p) {
        return uniform(seed, counter) >= p ? 1f / (1f - p) : 0f;
    }

    // ---- reductions and updates -------------------------------------------------------------------------

    /** sum of x[off + i]^2, i < n. */
    public static double sumSquares(float[] x, int off, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) s += (double) x[off + i] * x[off + i];
        return s;
    }

    /**
     * torch.optim.SGD with the common prologue of {@link UpdateScalars}, in double: g' = clamp(g * scale, +-clip),
     * scale = min(1, maxNorm / (sqrt(gradSq) + 1e-6)); then g += wd p; momentum buffer b = first ? g : mu b +
     * (1 - dampening) g; g = nesterov ? g + mu b : b; p -= lr g (maximize flips g first). Returns {p, b}.
     */
    public static double[][] sgd(float[] p, float[] g, float[] buf, UpdateScalars s, double gradSq) {
        double[] h = new double[UpdateScalars.HYPER];
        for (int i = 0; i < h.length; i++) h[i] = s.hyper[i];
        double scale = s.maxNorm > 0 ? Math.min(1, s.maxNorm / (Math.sqrt(gradSq) + 1e-6)) : 1;
        double[] np = new double[p.length], nb = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            double gi = g[i] * scale;
            if (s.clipValue > 0) gi = Math.max(-s.clipValue, Math.min(s.clipValue, gi));
            if (h[6] != 0) gi = -gi;
            if (h[3] != 0) gi += h[3] * p[i];
            nb[i] = buf[i];
            if (h[1] != 0) {
                nb[i] = h[5] != 0 ? gi : h[1] * buf[i] + (1 - h[2]) * gi;
                gi = h[4] != 0 ? gi + h[1] * nb[i] : nb[i];
            }
            np[i] = p[i] - h[0] * gi;
        }
        return new double[][] {np, nb};
    }

    // ---- erf -------------------------------------------------------------------------------------------

    /**
     * erf(x) in double by a method independent of the backend's (fdlibm rational approximations): the Maclaurin
     * series 2/sqrt(pi) sum (-1)^n x^(2n+1) / (n! (2n+1)) for |x| < 3 (terms below 1e-17 relative), and
     * 1 - erfc by Lentz's continued fraction erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...))))
     * beyond.
     */
    public static double erf(double x) {
        double ax = Math.abs(x);
        if (ax < 3) {
            double term = x, sum = x, x2 = x * x;
            for (int n = 1; n < 200; n++) {
                term *= -x2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.abs(add) < 1e-18 * Math.abs(sum)) break;
            }
            return 2 / Math.sqrt(Math.PI) * sum;
        }
        // continued fraction for erfc, evaluated backwards from a deep truncation
        double f = ax;
        for (int n = 120; n >= 1; n--) f = ax + (n / 2.0) / f;
        double erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
        return Math.signum(x) * (1 - erfc);
    }
}
