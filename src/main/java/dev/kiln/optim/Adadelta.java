package dev.kiln.optim;

import static dev.kiln.optim.OptimizerSpec.inRange;
import static dev.kiln.optim.OptimizerSpec.nonNegative;
import static dev.kiln.optim.OptimizerSpec.number;

import dev.kiln.backend.UpdateRule;
import dev.kiln.backend.UpdateScalars;

/**
 * torch.optim.Adadelta (Zeiler 2012): with g the gradient, v the square average and u the accumulated
 * update (both start at 0),
 * <pre>
 *   g  = g + weight_decay p
 *   v  = rho v + (1 - rho) g^2
 *   dx = sqrt(u + eps) / sqrt(v + eps) g
 *   u  = rho u + (1 - rho) dx^2
 *   p  = p - lr dx
 * </pre>
 * Text form {@code adadelta:lr=1,rho=0.9,eps=1e-6,weight_decay=0} (PyTorch's defaults). There is no
 * momentum: a scheduled momentum is ignored.
 */
public record Adadelta(double lr, double rho, double eps, double weightDecay) implements Optimizer {

    /** PyTorch's default learning rate for Adadelta (torch.optim.Adadelta, lr=1.0). */
    public static final double DEFAULT_LR = 1.0;
    /** PyTorch's default decay of the running averages v and u (torch.optim.Adadelta, rho=0.9). */
    public static final double DEFAULT_RHO = 0.9;
    /** PyTorch's default term added under both square roots (torch.optim.Adadelta, eps=1e-6). */
    public static final double DEFAULT_EPS = 1e-6;

    /**
     * Checks the hyperparameters (lr, eps, weight_decay finite and >= 0, rho in [0, 1]):
     * a one-line {@link IllegalArgumentException} names the bad value; -0.0 becomes 0.0.
     */
    public Adadelta {
        lr = nonNegative("adadelta", "lr", lr);
        rho = inRange("adadelta", "rho", rho, 0, 1, false);
        eps = nonNegative("adadelta", "eps", eps);
        weightDecay = nonNegative("adadelta", "weight_decay", weightDecay);
    }

    /** Adadelta with PyTorch's defaults. */
    public static Adadelta defaults() { return new Adadelta(DEFAULT_LR, DEFAULT_RHO, DEFAULT_EPS, 0); }

    @Override public UpdateRule rule() { return UpdateRule.ADADELTA; }

    /** hyper: [0] lr, [1] rho, [2] eps, [3] weight decay, [4] 1 - rho (in double, as PyTorch). */
    @Override
    public void scalars(long t, double lr, double momentum, UpdateScalars out) {
        Optimizers.checkStep(t);
        float[] h = out.hyper;
        h[0] = (float) lr;
        h[1] = (float) rho;
        h[2] = (float) eps;
        h[3] = (float) weightDecay;
        h[4] = (float) (1 - rho);
        Optimizers.clearFrom(h, 5);
    }

    @Override
    public String spec() {
        StringBuilder s = new StringBuilder("adadelta:lr=").append(number(lr));
        if (rho != DEFAULT_RHO) s.append(",rho=").append(number(rho));
        if (eps != DEFAULT_EPS) s.append(",eps=").append(number(eps));
        if (weightDecay != 0) s.append(",weight_decay=").append(number(weightDecay));
        return s.toString();
    }

    static Adadelta parse(OptimizerSpec s) {
        double lr = s.number("lr", DEFAULT_LR), rho = s.number("rho", DEFAULT_RHO);
        double eps = s.number("eps", DEFAULT_EPS), wd = s.number("weight_decay", 0);
        return s.build(() -> new Adadelta(lr, rho, eps, wd));
    }
}
