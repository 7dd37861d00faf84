package dev.kiln.optim;

import static dev.kiln.optim.OptimizerSpec.inRange;
import static dev.kiln.optim.OptimizerSpec.nonNegative;
import static dev.kiln.optim.OptimizerSpec.number;

import dev.kiln.backend.UpdateRule;
import dev.kiln.backend.UpdateScalars;

/**
 * torch.optim.RMSprop: with g the gradient, v the square average, g_avg the gradient average and b the
 * momentum buffer (all start at 0),
 * <pre>
 *   g     = g + weight_decay p
 *   v     = alpha v + (1 - alpha) g^2
 *   avg   = sqrt(v) + eps,  or when centered:  g_avg = alpha g_avg + (1 - alpha) g,  avg = sqrt(v - g_avg^2) + eps
 *   momentum > 0:  b = momentum b + g / avg,  p = p - lr b
 *   otherwise:     p = p - lr g / avg
 * </pre>
 * Text form {@code rmsprop:lr=0.01,alpha=0.99,eps=1e-8,weight_decay=0,momentum=0,centered} (PyTorch's
 * defaults, not centered). The scheduled momentum of {@link #scalars} replaces {@code momentum}.
 */
public record RmsProp(double lr, double alpha, double eps, double weightDecay, double momentum, boolean centered)
        implements Optimizer {

    /** PyTorch's default learning rate for RMSprop (torch.optim.RMSprop, lr=1e-2). */
    public static final double DEFAULT_LR = 1e-2;
    /** PyTorch's default smoothing constant of the square average v (torch.optim.RMSprop, alpha=0.99). */
    public static final double DEFAULT_ALPHA = 0.99;
    /** PyTorch's default term added to the denominator (torch.optim.RMSprop, eps=1e-8). */
    public static final double DEFAULT_EPS = 1e-8;

    /**
     * Checks the hyperparameters (lr, eps, weight_decay, momentum finite and >= 0, alpha in [0, 1]):
     * a one-line {@link IllegalArgumentException} names the bad value; -0.0 becomes 0.0.
     */
    public RmsProp {
        lr = nonNegative("rmsprop", "lr", lr);
        alpha = inRange("rmsprop", "alpha", alpha, 0, 1, false);
        eps = nonNegative("rmsprop", "eps", eps);
        weightDecay = nonNegative("rmsprop", "weight_decay", weightDecay);
        momentum = nonNegative("rmsprop", "momentum", momentum);
    }

    /** RMSprop with this learning rate and PyTorch's other defaults. */
    public static RmsProp of(double lr) { return new RmsProp(lr, DEFAULT_ALPHA, DEFAULT_EPS, 0, 0, false); }

    @Override public UpdateRule rule() { return UpdateRule.RMSPROP; }

    /**
     * hyper: [0] lr, [1] alpha, [2] eps, [3] weight decay, [4] momentum (the scheduled one unless NaN),
     * [5] centered, [6] 1 - alpha (in double, as PyTorch).
     */
    @Override
    public void scalars(long t, double lr, double mom, UpdateScalars out) {
        Optimizers.checkStep(t);
        float[] h = out.hyper;
        h[0] = (float) lr;
        h[1] = (float) alpha;
        h[2] = (float) eps;
        h[3] = (float) weightDecay;
        h[4] = (float) (Double.isNaN(mom) ? momentum : mom);
        h[5] = centered ? 1f : 0f;
        h[6] = (float) (1 - alpha);
        Optimizers.clearFrom(h, 7);
    }

    @Override
    public String spec() {
        StringBuilder s = new StringBuilder("rmsprop:lr=").append(number(lr));
        if (alpha != DEFAULT_ALPHA) s.append(",alpha=").append(number(alpha));
        if (eps != DEFAULT_EPS) s.append(",eps=").append(number(eps));
        if (weightDecay != 0) s.append(",weight_decay=").append(number(weightDecay));
        if (momentum != 0) s.append(",momentum=").append(number(momentum));
        if (centered) s.append(",centered");
        return s.toString();
    }

    static RmsProp parse(OptimizerSpec s) {
        double lr = s.number("lr", DEFAULT_LR), alpha = s.number("alpha", DEFAULT_ALPHA);
        double eps = s.number("eps", DEFAULT_EPS), wd = s.number("weight_decay", 0);
        double momentum = s.number("momentum", 0);
        boolean centered = s.flag("centered");
        return s.build(() -> new RmsProp(lr, alpha, eps, wd, momentum, centered));
    }
}
