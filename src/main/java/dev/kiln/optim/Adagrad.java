package dev.kiln.optim;

import static dev.kiln.optim.OptimizerSpec.nonNegative;
import static dev.kiln.optim.OptimizerSpec.number;

import dev.kiln.backend.UpdateRule;
import dev.kiln.backend.UpdateScalars;

/**
 * torch.optim.Adagrad: with g the gradient and t the step,
 * <pre>
 *   clr = lr / (1 + (t - 1) lr_decay)
 *   g   = g + weight_decay p
 *   sum = sum + g^2                       (sum starts at initial_accumulator_value)
 *   p   = p - clr g / (sqrt(sum) + eps)
 * </pre>
 * Text form {@code adagrad:lr=0.01,lr_decay=0,weight_decay=0,initial_accumulator_value=0,eps=1e-10}
 * (PyTorch's defaults). There is no momentum: a scheduled momentum is ignored.
 */
public record Adagrad(double lr, double lrDecay, double weightDecay, double initialAccumulatorValue, double eps)
        implements Optimizer {

    /** PyTorch's default learning rate for Adagrad (torch.optim.Adagrad, lr=1e-2). */
    public static final double DEFAULT_LR = 1e-2;
    /** PyTorch's default term added to the denominator (torch.optim.Adagrad, eps=1e-10). */
    public static final double DEFAULT_EPS = 1e-10;

    /**
     * Checks the hyperparameters (all finite and >= 0): a one-line {@link IllegalArgumentException} names the bad
     * value; -0.0 becomes 0.0.
     */
    public Adagrad {
        lr = nonNegative("adagrad", "lr", lr);
        lrDecay = nonNegative("adagrad", "lr_decay", lrDecay);
        weightDecay = nonNegative("adagrad", "weight_decay", weightDecay);
        initialAccumulatorValue = nonNegative("adagrad", "initial_accumulator_value", initialAccumulatorValue);
        eps = nonNegative("adagrad", "eps", eps);
    }

    /** Adagrad with this learning rate and PyTorch's other defaults. */
    public static Adagrad of(double lr) { return new Adagrad(lr, 0, 0, 0, DEFAULT_EPS); }

    @Override public UpdateRule rule() { return UpdateRule.ADAGRAD; }

    /** State 0 ({@code sum}) starts at {@code initial_accumulator_value}. */
    @Override
    public float initialState(int stateIndex) {
        java.util.Objects.checkIndex(stateIndex, 1);
        return (float) initialAccumulatorValue;
    }

    /** hyper: [0] clr = lr / (1 + (t - 1) lr_decay), [1] weight decay, [2] eps. */
    @Override
    public void scalars(long t, double lr, double momentum, UpdateScalars out) {
        Optimizers.checkStep(t);
        float[] h = out.hyper;
        h[0] = (float) (lr / (1 + (t - 1) * lrDecay));
        h[1] = (float) weightDecay;
        h[2] = (float) eps;
        Optimizers.clearFrom(h, 3);
    }

    @Override
    public String spec() {
        StringBuilder s = new StringBuilder("adagrad:lr=").append(number(lr));
        if (lrDecay != 0) s.append(",lr_decay=").append(number(lrDecay));
        if (weightDecay != 0) s.append(",weight_decay=").append(number(weightDecay));
        if (initialAccumulatorValue != 0)
            s.append(",initial_accumulator_value=").append(number(initialAccumulatorValue));
        if (eps != DEFAULT_EPS) s.append(",eps=").append(number(eps));
        return s.toString();
    }

    static Adagrad parse(OptimizerSpec s) {
        double lr = s.number("lr", DEFAULT_LR), lrDecay = s.number("lr_decay", 0);
        double wd = s.number("weight_decay", 0), init = s.number("initial_accumulator_value", 0);
        double eps = s.number("eps", DEFAULT_EPS);
        return s.build(() -> new Adagrad(lr, lrDecay, wd, init, eps));
    }
}
