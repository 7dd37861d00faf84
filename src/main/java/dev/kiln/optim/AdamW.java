package dev.kiln.optim;

import static dev.kiln.optim.OptimizerSpec.nonNegative;
import static dev.kiln.optim.OptimizerSpec.number;

import dev.kiln.backend.UpdateRule;
import dev.kiln.backend.UpdateScalars;

/**
 * torch.optim.AdamW (Loshchilov and Hutter 2019): {@link Adam} with decoupled weight decay, applied to the
 * parameters before the moments and scaled by the scheduled learning rate:
 * <pre>
 *   p = p (1 - lr weight_decay)
 *   m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g^2;  v^ = amsgrad ? max(v_max, v) : v
 *   p = p - lr / (1 - beta1^t) * m / (sqrt(v^) / sqrt(1 - beta2^t) + eps)
 * </pre>
 * Text form {@code adamw:lr=0.001,betas=0.9/0.999,eps=1e-8,weight_decay=0.01,amsgrad} (PyTorch's defaults:
 * weight decay 0.01, without AMSGrad). Runs the {@link UpdateRule#ADAM} kernel.
 */
public record AdamW(double lr, double beta1, double beta2, double eps, double weightDecay, boolean amsgrad)
        implements Optimizer {

    /** PyTorch's default decoupled weight decay (torch.optim.AdamW, weight_decay=1e-2). */
    public static final double DEFAULT_WEIGHT_DECAY = 1e-2;

    /**
     * Checks the hyperparameters (lr, eps, weight_decay finite and >= 0, betas in [0, 1)):
     * a one-line {@link IllegalArgumentException} names the bad value; -0.0 becomes 0.0.
     */
    public AdamW {
        lr = nonNegative("adamw", "lr", lr);
        beta1 = Optimizers.beta("adamw", "beta1", beta1);
        beta2 = Optimizers.beta("adamw", "beta2", beta2);
        eps = nonNegative("adamw", "eps", eps);
        weightDecay = nonNegative("adamw", "weight_decay", weightDecay);
    }

    /** AdamW with this learning rate and PyTorch's other defaults. */
    public static AdamW of(double lr) {
        return new AdamW(lr, Adam.DEFAULT_BETA1, Adam.DEFAULT_BETA2, Adam.DEFAULT_EPS, DEFAULT_WEIGHT_DECAY, false);
    }

    @Override public UpdateRule rule() { return UpdateRule.ADAM; }

    /** hyper: see {@link UpdateRule#ADAM}; slot [4] (L2) is 0 and [5] is lr * weight_decay. */
    @Override
    public void scalars(long t, double lr, double momentum, UpdateScalars out) {
        Adam.fill(t, lr, Optimizers.beta1(momentum, beta1), beta2, eps, 0, weightDecay, amsgrad, out.hyper);
    }

    @Override
    public String spec() {
        return "adamw:lr=" + number(lr) + Optimizers.betas(beta1, beta2, Adam.DEFAULT_BETA1, Adam.DEFAULT_BETA2)
                + (eps != Adam.DEFAULT_EPS ? ",eps=" + number(eps) : "")
                + (weightDecay != DEFAULT_WEIGHT_DECAY ? ",weight_decay=" + number(weightDecay) : "")
                + (amsgrad ? ",amsgrad" : "");
    }

    static AdamW parse(OptimizerSpec s) {
        double lr = s.number("lr", Adam.DEFAULT_LR);
        double[] betas = s.pair("betas", Adam.DEFAULT_BETA1, Adam.DEFAULT_BETA2);
        double eps = s.number("eps", Adam.DEFAULT_EPS), wd = s.number("weight_decay", DEFAULT_WEIGHT_DECAY);
        boolean amsgrad = s.flag("amsgrad");
        return s.build(() -> new AdamW(lr, betas[0], betas[1], eps, wd, amsgrad));
    }
}
