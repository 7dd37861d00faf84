package dev.kiln.optim;

import static dev.kiln.optim.OptimizerSpec.nonNegative;
import static dev.kiln.optim.OptimizerSpec.number;

import dev.kiln.backend.UpdateRule;
import dev.kiln.backend.UpdateScalars;

/**
 * torch.optim.RAdam (Liu et al. 2020): with g the gradient, t the step and m, v starting at 0,
 * <pre>
 *   g      = g + weight_decay p                  (or, decoupled: p = p (1 - lr weight_decay))
 *   m      = beta1 m + (1 - beta1) g,   m^ = m / (1 - beta1^t)
 *   v      = beta2 v + (1 - beta2) g^2
 *   rho_oo = 2 / (1 - beta2) - 1,       rho_t = rho_oo - 2 t beta2^t / (1 - beta2^t)
 *   rho_t > 5:  r_t = sqrt((rho_t - 4)(rho_t - 2) rho_oo / ((rho_oo - 4)(rho_oo - 2) rho_t))
 *               p = p - m^ lr sqrt(1 - beta2^t) / (sqrt(v) + eps) r_t
 *   otherwise:  p = p - m^ lr
 * </pre>
 * The host decides the branch and computes r_t. Text form
 * {@code radam:lr=0.001,betas=0.9/0.999,eps=1e-8,weight_decay=0,decoupled_weight_decay} (PyTorch's defaults,
 * L2 weight decay). The scheduled momentum of {@link #scalars} replaces beta1.
 */
public record RAdam(double lr, double beta1, double beta2, double eps, double weightDecay,
                    boolean decoupledWeightDecay) implements Optimizer {

    /**
     * Checks the hyperparameters (lr, eps, weight_decay finite and >= 0, betas in [0, 1)):
     * a one-line {@link IllegalArgumentException} names the bad value; -0.0 becomes 0.0.
     */
    public RAdam {
        lr = nonNegative("radam", "lr", lr);
        beta1 = Optimizers.beta("radam", "beta1", beta1);
        beta2 = Optimizers.beta("radam", "beta2", beta2);
        eps = nonNegative("radam", "eps", eps);
        weightDecay = nonNegative("radam", "weight_decay", weightDecay);
    }

    /** RAdam with this learning rate and PyTorch's other defaults. */
    public static RAdam of(double lr) { return new RAdam(lr, Adam.DEFAULT_BETA1, Adam.DEFAULT_BETA2, Adam.DEFAULT_EPS, 0, false); }

    @Override public UpdateRule rule() { return UpdateRule.RADAM; }

    /**
     * The rectification r_t of step t, or 0 when rho_t &lt;= 5 (the step without the adaptive term).
     */
    public double rectification(long t) {
        return rectification(t, beta2);
    }

    static double rectification(long t, double beta2) {
        double bc2 = 1 - Math.pow(beta2, t);
        double rhoInf = 2 / (1 - beta2) - 1;
        double rhoT = rhoInf - 2 * t * Math.pow(beta2, t) / bc2;
        if (!(rhoT > 5)) return 0;
        return Math.sqrt((rhoT - 4) * (rhoT - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rhoT));
    }

    /**
     * hyper: [0] lr, [1] beta1, [2] 1 - beta1, [3] beta2, [4] 1 - beta2, [5] eps, [6] L2 weight decay,
     * [7] lr * decoupled weight decay, [8] 1 - beta1^t, [9] sqrt(1 - beta2^t), [10] r_t (0 when rho_t &lt;= 5).
     */
    @Override
    public void scalars(long t, double lr, double momentum, UpdateScalars out) {
        Optimizers.checkStep(t);
        double b1 = Optimizers.beta1(momentum, beta1);
        float[] h = out.hyper;
        h[0] = (float) lr;
        h[1] = (float) b1;
        h[2] = (float) (1 - b1);
        h[3] = (float) beta2;
        h[4] = (float) (1 - beta2);
        h[5] = (float) eps;
        h[6] = (float) (decoupledWeightDecay ? 0 : weightDecay);
        h[7] = (float) (decoupledWeightDecay ? lr * weightDecay : 0);
        h[8] = (float) (1 - Math.pow(b1, t));
        h[9] = (float) Math.sqrt(1 - Math.pow(beta2, t));
        h[10] = (float) rectification(t, beta2);
        Optimizers.clearFrom(h, 11);
    }

    @Override
    public String spec() {
        return "radam:lr=" + number(lr) + Optimizers.betas(beta1, beta2, Adam.DEFAULT_BETA1, Adam.DEFAULT_BETA2)
                + (eps != Adam.DEFAULT_EPS ? ",eps=" + number(eps) : "")
                + (weightDecay != 0 ? ",weight_decay=" + number(weightDecay) : "")
                + (decoupledWeightDecay ? ",decoupled_weight_decay" : "");
    }

    static RAdam parse(OptimizerSpec s) {
        double lr = s.number("lr", Adam.DEFAULT_LR);
        double[] betas = s.pair("betas", Adam.DEFAULT_BETA1, Adam.DEFAULT_BETA2);
        double eps = s.number("eps", Adam.DEFAULT_EPS), wd = s.number("weight_decay", 0);
        boolean decoupled = s.flag("decoupled_weight_decay");
        return s.build(() -> new RAdam(lr, betas[0], betas[1], eps, wd, decoupled));
    }
}
