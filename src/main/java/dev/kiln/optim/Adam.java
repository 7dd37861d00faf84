package dev.kiln.optim;

import static dev.kiln.optim.OptimizerSpec.nonNegative;
import static dev.kiln.optim.OptimizerSpec.number;

import dev.kiln.backend.UpdateRule;
import dev.kiln.backend.UpdateScalars;

/**
 * torch.optim.Adam (Kingma and Ba 2015; AMSGrad: Reddi et al. 2018): with g the gradient, t the step and
 * m, v, v_max starting at 0,
 * <pre>
 *   g     = g + weight_decay p                       (L2 penalty; for decoupled decay see {@link AdamW})
 *   m     = beta1 m + (1 - beta1) g
 *   v     = beta2 v + (1 - beta2) g^2
 *   v_max = max(v_max, v),  v^ = amsgrad ? v_max : v
 *   p     = p - lr / (1 - beta1^t) * m / (sqrt(v^) / sqrt(1 - beta2^t) + eps)
 * </pre>
 * Text form {@code adam:lr=0.001,betas=0.9/0.999,eps=1e-8,weight_decay=0,amsgrad} (PyTorch's defaults,
 * without AMSGrad). The scheduled momentum of {@link #scalars} replaces beta1, in the bias correction too
 * (as PyTorch with a cycling scheduler).
 */
public record Adam(double lr, double beta1, double beta2, double eps, double weightDecay, boolean amsgrad)
        implements Optimizer {

    /** PyTorch's default learning rate for Adam (torch.optim.Adam, lr=1e-3). */
    public static final double DEFAULT_LR = 1e-3;
    /**
     * PyTorch's default decay of the first moment m (torch.optim.Adam, betas[0]=0.9); also AdamW's, NAdam's and
     * RAdam's.
     */
    public static final double DEFAULT_BETA1 = 0.9;
    /**
     * PyTorch's default decay of the second moment v (torch.optim.Adam, betas[1]=0.999); also AdamW's, NAdam's and
     * RAdam's.
     */
    public static final double DEFAULT_BETA2 = 0.999;
    /**
     * PyTorch's default term added to the denominator (torch.optim.Adam, eps=1e-8); also AdamW's, NAdam's and RAdam's.
     */
    public static final double DEFAULT_EPS = 1e-8;

    /**
     * Checks the hyperparameters (lr, eps, weight_decay finite and >= 0, betas in [0, 1)):
     * a one-line {@link IllegalArgumentException} names the bad value; -0.0 becomes 0.0.
     */
    public Adam {
        lr = nonNegative("adam", "lr", lr);
        beta1 = Optimizers.beta("adam", "beta1", beta1);
        beta2 = Optimizers.beta("adam", "beta2", beta2);
        eps = nonNegative("adam", "eps", eps);
        weightDecay = nonNegative("adam", "weight_decay", weightDecay);
    }

    /** Adam with this learning rate and PyTorch's other defaults. */
    public static Adam of(double lr) { return new Adam(lr, DEFAULT_BETA1, DEFAULT_BETA2, DEFAULT_EPS, 0, false); }

    @Override public UpdateRule rule() { return UpdateRule.ADAM; }

    /** hyper: see {@link UpdateRule#ADAM}; slot [5] (decoupled decay) is 0. */
    @Override
    public void scalars(long t, double lr, double momentum, UpdateScalars out) {
        fill(t, lr, Optimizers.beta1(momentum, beta1), beta2, eps, weightDecay, 0, amsgrad, out.hyper);
    }

    /**
     * The ADAM rule's scalars, shared with {@link AdamW}: [0] lr, [1] beta1, [2] beta2, [3] eps, [4] L2 weight
     * decay, [5] lr * decoupled weight decay, [6] 1 - beta1^t, [7] 1 - beta2^t, [8] amsgrad, [9] 1 - beta1,
     * [10] 1 - beta2 (every difference in double, as PyTorch computes them in Python).
     */
    static void fill(long t, double lr, double beta1, double beta2, double eps, double l2, double decoupled,
                     boolean amsgrad, float[] h) {
        Optimizers.checkStep(t);
        h[0] = (float) lr;
        h[1] = (float) beta1;
        h[2] = (float) beta2;
        h[3] = (float) eps;
        h[4] = (float) l2;
        h[5] = (float) (lr * decoupled);
        h[6] = (float) (1 - Math.pow(beta1, t));
        h[7] = (float) (1 - Math.pow(beta2, t));
        h[8] = amsgrad ? 1f : 0f;
        h[9] = (float) (1 - beta1);
        h[10] = (float) (1 - beta2);
        Optimizers.clearFrom(h, 11);
    }

    @Override
    public String spec() {
        return "adam:lr=" + number(lr) + Optimizers.betas(beta1, beta2, DEFAULT_BETA1, DEFAULT_BETA2)
                + (eps != DEFAULT_EPS ? ",eps=" + number(eps) : "")
                + (weightDecay != 0 ? ",weight_decay=" + number(weightDecay) : "")
                + (amsgrad ? ",amsgrad" : "");
    }

    static Adam parse(OptimizerSpec s) {
        double lr = s.number("lr", DEFAULT_LR);
        double[] betas = s.pair("betas", DEFAULT_BETA1, DEFAULT_BETA2);
        double eps = s.number("eps", DEFAULT_EPS), wd = s.number("weight_decay", 0);
        boolean amsgrad = s.flag("amsgrad");
        return s.build(() -> new Adam(lr, betas[0], betas[1], eps, wd, amsgrad));
    }
}
