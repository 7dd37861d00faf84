package dev.kiln.optim;

import static dev.kiln.optim.OptimizerSpec.inRange;
import static dev.kiln.optim.OptimizerSpec.nonNegative;
import static dev.kiln.optim.OptimizerSpec.number;

import dev.kiln.backend.UpdateRule;
import dev.kiln.backend.UpdateScalars;

/**
 * Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms", Algorithm 2; not in torch.optim,
 * written as the authors' PyTorch code): with g the gradient and m starting at 0,
 * <pre>
 *   p = p (1 - lr weight_decay)
 *   p = p - lr sign(beta1 m + (1 - beta1) g)        (sign(0) = 0)
 *   m = beta2 m + (1 - beta2) g
 * </pre>
 * Text form {@code lion:lr=1e-4,betas=0.9/0.99,weight_decay=0} (the paper's defaults). The scheduled momentum
 * of {@link #scalars} replaces beta1.
 */
public record Lion(double lr, double beta1, double beta2, double weightDecay) implements Optimizer {

    /** The paper's default learning rate for Lion (Chen et al. 2023, lr=1e-4). */
    public static final double DEFAULT_LR = 1e-4;
    /** The paper's default beta1, which mixes m and g inside the update's sign (Chen et al. 2023, betas[0]=0.9). */
    public static final double DEFAULT_BETA1 = 0.9;
    /** The paper's default beta2, the decay of the momentum m (Chen et al. 2023, betas[1]=0.99). */
    public static final double DEFAULT_BETA2 = 0.99;

    /**
     * Checks the hyperparameters (lr, weight_decay finite and >= 0, betas in [0, 1]):
     * a one-line {@link IllegalArgumentException} names the bad value; -0.0 becomes 0.0.
     */
    public Lion {
        lr = nonNegative("lion", "lr", lr);
        beta1 = inRange("lion", "beta1", beta1, 0, 1, false);
        beta2 = inRange("lion", "beta2", beta2, 0, 1, false);
        weightDecay = nonNegative("lion", "weight_decay", weightDecay);
    }

    /** Lion with this learning rate and the paper's other defaults. */
    public static Lion of(double lr) { return new Lion(lr, DEFAULT_BETA1, DEFAULT_BETA2, 0); }

    @Override public UpdateRule rule() { return UpdateRule.LION; }

    /** hyper: [0] lr, [1] beta1, [2] beta2, [3] weight decay, [4] 1 - beta1, [5] 1 - beta2. */
    @Override
    public void scalars(long t, double lr, double momentum, UpdateScalars out) {
        Optimizers.checkStep(t);
        double b1 = Double.isNaN(momentum) ? beta1 : momentum;
        float[] h = out.hyper;
        h[0] = (float) lr;
        h[1] = (float) b1;
        h[2] = (float) beta2;
        h[3] = (float) weightDecay;
        h[4] = (float) (1 - b1);
        h[5] = (float) (1 - beta2);
        Optimizers.clearFrom(h, 6);
    }

    @Override
    public String spec() {
        return "lion:lr=" + number(lr) + Optimizers.betas(beta1, beta2, DEFAULT_BETA1, DEFAULT_BETA2)
                + (weightDecay != 0 ? ",weight_decay=" + number(weightDecay) : "");
    }

    static Lion parse(OptimizerSpec s) {
        double lr = s.number("lr", DEFAULT_LR);
        double[] betas = s.pair("betas", DEFAULT_BETA1, DEFAULT_BETA2);
        double wd = s.number("weight_decay", 0);
        return s.build(() -> new Lion(lr, betas[0], betas[1], wd));
    }
}
