package dev.kiln.backend.cpu;

import dev.kiln.backend.UpdateRule;
import dev.kiln.backend.UpdateScalars;

/**
 * The fused optimizer updates in Java: the twins of kernels/common/kiln_optim.h, same formulas in the
 * same order of float operations, over a range [from, to) of the flat parameter array so that the CPU
 * backend can split one update across its threads.
 *
 * <p>Every rule first forms the clipped gradient {@code g' = clamp(g * scale, -clipValue, clipValue)}
 * ({@link #grad}), then applies the torch.optim algorithm with the host-computed scalars of
 * {@link UpdateScalars#hyper} (slot meanings on {@link UpdateRule}). Java evaluates {@code a * b + c} as two
 * rounded operations, as the OpenCL kernels do under {@code FP_CONTRACT OFF}.
 */
public final class CpuUpdate {
    private CpuUpdate() {}

    /** Norm-clipping scale, twin of kiln_clip_scale. */
    public static float clipScale(float gradSq, float maxNorm) {
        if (maxNorm <= 0f) return 1f;
        float coef = maxNorm / ((float) Math.sqrt(gradSq) + 1e-6f);
        return coef < 1f ? coef : 1f;
    }

    /** Whether the guard drops the step, twin of kiln_skip_step. */
    public static boolean skip(boolean guard, float gradSq, float stepLoss) {
        return guard && !(Float.isFinite(gradSq) && Float.isFinite(stepLoss));
    }

    /** Gradient prologue, twin of kiln_grad. */
    static float grad(float g, float scale, float clipValue) {
        g = g * scale;
        if (clipValue > 0f) g = g > clipValue ? clipValue : (g < -clipValue ? -clipValue : g);
        return g;
    }

    /** torch.lerp for float (ATen/native/Lerp.h), twin of kiln_lerp: exact at both ends of the weight range. */
    static float lerp(float a, float b, float w) {
        return Math.abs(w) < 0.5f ? a + w * (b - a) : b - (b - a) * (1f - w);
    }

    /**
     * Applies {@code rule} to elements [from, to). {@code s} holds at least {@link UpdateRule#stateCount()}
     * state arrays with the parameter layout. {@code scale} is {@link #clipScale} of the step; the caller
     * has already decided the step is not skipped.
     */
    public static void apply(UpdateRule rule, float[] p, float[] g, float[][] s, int from, int to,
                             UpdateScalars sc, float scale) {
        float[] h = sc.hyper;
        float clip = sc.clipValue;
        switch (rule) {
            case SGD -> sgd(p, g, s[0], from, to, h, scale, clip);
            case ADAGRAD -> adagrad(p, g, s[0], from, to, h, scale, clip);
            case ADADELTA -> adadelta(p, g, s[0], s[1], from, to, h, scale, clip);
            case RMSPROP -> rmsprop(p, g, s[0], s[1], s[2], from, to, h, scale, clip);
            case ADAM -> adam(p, g, s[0], s[1], s[2], from, to, h, scale, clip);
            case NADAM -> nadam(p, g, s[0], s[1], from, to, h, scale, clip);
            case RADAM -> radam(p, g, s[0], s[1], from, to, h, scale, clip);
            case LION -> lion(p, g, s[0], from, to, h, scale, clip);
            default -> throw new IllegalArgumentException("no CPU update for rule " + rule);
        }
    }

    // torch.optim.SGD, see kiln_sgd
    private static void sgd(float[] p, float[] g, float[] buf, int from, int to, float[] h, float scale, float clip) {
        float lr = h[0], mu = h[1], damp = h[2], wd = h[3];
        boolean nesterov = h[4] != 0f, first = h[5] != 0f, maximize = h[6] != 0f;
        for (int i = from; i < to; i++) {
            float gi = grad(g[i], scale, clip);
            float w = p[i];
            if (maximize) gi = -gi;
            if (wd != 0f) gi = gi + wd * w;
            if (mu != 0f) {
                float b = first ? gi : mu * buf[i] + (1f - damp) * gi;
                buf[i] = b;
                gi = nesterov ? gi + mu * b : b;
            }
            p[i] = w - lr * gi;
        }
    }

    // torch.optim.Adagrad, see kiln_adagrad
    private static void adagrad(float[] p, float[] g, float[] sum, int from, int to, float[] h, float scale,
                                float clip) {
        float clr = h[0], wd = h[1], eps = h[2];
        for (int i = from; i < to; i++) {
            float gi = grad(g[i], scale, clip);
            float w = p[i];
            if (wd != 0f) gi = gi + wd * w;
            float s = sum[i] + gi * gi;
            sum[i] = s;
            float std = (float) Math.sqrt(s) + eps;
            p[i] = w + -clr * gi / std;
        }
    }

    // torch.optim.Adadelta, see kiln_adadelta
    private static void adadelta(float[] p, float[] g, float[] squareAvg, float[] accDelta, int from, int to,
                                 float[] h, float scale, float clip) {
        float lr = h[0], rho = h[1], eps = h[2], wd = h[3], omr = h[4];
        for (int i = from; i < to; i++) {
            float gi = grad(g[i], scale, clip);
            float w = p[i];
            if (wd != 0f) gi = gi + wd * w;
            float v = rho * squareAvg[i] + omr * gi * gi;
            squareAvg[i] = v;
            float std = (float) Math.sqrt(v + eps);
            float d = (float) Math.sqrt(accDelta[i] + eps) / std * gi;
            accDelta[i] = rho * accDelta[i] + omr * d * d;
            p[i] = w + -lr * d;
        }
    }

    // torch.optim.RMSprop, see kiln_rmsprop
    private static void rmsprop(float[] p, float[] g, float[] squareAvg, float[] buf, float[] gradAvg, int from,
                                int to, float[] h, float scale, float clip) {
        float lr = h[0], alpha = h[1], eps = h[2], wd = h[3], mu = h[4], oma = h[6];
        boolean centered = h[5] != 0f;
        for (int i = from; i < to; i++) {
            float gi = grad(g[i], scale, clip);
            float w = p[i];
            if (wd != 0f) gi = gi + wd * w;
            float v = alpha * squareAvg[i] + oma * gi * gi;
            squareAvg[i] = v;
            float avg;
            if (centered) {
                float ga = lerp(gradAvg[i], gi, oma);
                gradAvg[i] = ga;
                avg = (float) Math.sqrt(v - ga * ga);
            } else {
                avg = (float) Math.sqrt(v);
            }
            avg = avg + eps;
            if (mu > 0f) {
                float b = mu * buf[i] + gi / avg;
                buf[i] = b;
                p[i] = w + -lr * b;
            } else {
                p[i] = w + -lr * gi / avg;
            }
        }
    }

    // torch.optim.Adam and AdamW, see kiln_adam
    private static void adam(float[] p, float[] g, float[] expAvg, float[] expAvgSq, float[] maxExpAvgSq, int from,
                             int to, float[] h, float scale, float clip) {
        float lr = h[0], beta2 = h[2], eps = h[3], wd = h[4], dwd = h[5];
        boolean amsgrad = h[8] != 0f;
        float omb1 = h[9], omb2 = h[10];
        float stepSize = lr / h[6];
        float bc2Sqrt = (float) Math.sqrt(h[7]);
        for (int i = from; i < to; i++) {
            float gi = grad(g[i], scale, clip);
            float w = p[i];
            if (dwd != 0f) w = w * (1f - dwd);
            if (wd != 0f) gi = gi + wd * w;
            float m = lerp(expAvg[i], gi, omb1);
            expAvg[i] = m;
            float v = beta2 * expAvgSq[i] + omb2 * gi * gi;
            expAvgSq[i] = v;
            if (amsgrad) {
                float vmax = maxExpAvgSq[i];
                vmax = v > vmax ? v : vmax;
                maxExpAvgSq[i] = vmax;
                v = vmax;
            }
            float denom = (float) Math.sqrt(v) / bc2Sqrt + eps;
            p[i] = w + -stepSize * m / denom;
        }
    }

    // torch.optim.NAdam, see kiln_nadam
    private static void nadam(float[] p, float[] g, float[] expAvg, float[] expAvgSq, int from, int to, float[] h,
                              float scale, float clip) {
        float omb1 = h[2], beta2 = h[3], omb2 = h[4], eps = h[5], wd = h[6], dwd = h[7], bc2 = h[8];
        float cg = h[9], cm = h[10];
        for (int i = from; i < to; i++) {
            float gi = grad(g[i], scale, clip);
            float w = p[i];
            if (dwd != 0f) w = w * (1f - dwd);
            if (wd != 0f) gi = gi + wd * w;
            float m = lerp(expAvg[i], gi, omb1);
            expAvg[i] = m;
            float v = beta2 * expAvgSq[i] + omb2 * gi * gi;
            expAvgSq[i] = v;
            float denom = (float) Math.sqrt(v / bc2) + eps;
            w = w + -cg * gi / denom;
            p[i] = w + -cm * m / denom;
        }
    }

    // torch.optim.RAdam, see kiln_radam
    private static void radam(float[] p, float[] g, float[] expAvg, float[] expAvgSq, int from, int to, float[] h,
                              float scale, float clip) {
        float lr = h[0], omb1 = h[2], beta2 = h[3], omb2 = h[4], eps = h[5], wd = h[6], dwd = h[7];
        float bc1 = h[8], bc2Sqrt = h[9], rect = h[10];
        for (int i = from; i < to; i++) {
            float gi = grad(g[i], scale, clip);
            float w = p[i];
            if (dwd != 0f) w = w * (1f - dwd);
            if (wd != 0f) gi = gi + wd * w;
            float m = lerp(expAvg[i], gi, omb1);
            expAvg[i] = m;
            float v = beta2 * expAvgSq[i] + omb2 * gi * gi;
            expAvgSq[i] = v;
            float u = m / bc1 * lr;
            if (rect > 0f) u = u * (bc2Sqrt / ((float) Math.sqrt(v) + eps)) * rect;
            p[i] = w - u;
        }
    }

    // Lion, see kiln_lion
    private static void lion(float[] p, float[] g, float[] expAvg, int from, int to, float[] h, float scale,
                             float clip) {
        float lr = h[0], beta1 = h[1], beta2 = h[2], wd = h[3], omb1 = h[4], omb2 = h[5];
        for (int i = from; i < to; i++) {
            float gi = grad(g[i], scale, clip);
            float w = p[i];
            if (wd != 0f) w = w * (1f - lr * wd);
            float m = expAvg[i];
            float c = beta1 * m + omb1 * gi;
            float sign = c > 0f ? 1f : (c < 0f ? -1f : 0f);
            p[i] = w + -lr * sign;
            expAvg[i] = beta2 * m + omb2 * gi;
        }
    }
}
