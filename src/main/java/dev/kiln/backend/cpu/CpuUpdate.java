package dev.kiln.backend.cpu;

import dev.kiln.backend.UpdateRule;
import dev.kiln.backend.UpdateScalars;

/**
 * The fused optimizer updates in Java: the twins of kernels/common/kiln_optim.h, same formulas in the
 * same order of float operations, over a range [from, to) of the flat parameter array so that the CPU
 * backend can split one update across its threads.
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

    /**
     * Applies {@code rule} to elements [from, to). {@code scale} is {@link #clipScale} of the step; the caller
     * has already decided the step is not skipped.
     */
    public static void apply(UpdateRule rule, float[] p, float[] g, float[][] s, int from, int to,
                             UpdateScalars sc, float scale) {
        float[] h = sc.hyper;
        float clip = sc.clipValue;
        switch (rule) {
            case SGD -> sgd(p, g, s[0], from, to, h, scale, clip);
            default -> throw new UnsupportedOperationException("CPU update for " + rule + " is not implemented");
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
}
