package dev.kiln.optim;

import static dev.kiln.optim.OptimizerSpec.nonNegative;
import static dev.kiln.optim.OptimizerSpec.number;

import dev.kiln.backend.UpdateRule;
import dev.kiln.backend.UpdateScalars;

/**
 * torch.optim.SGD: with g the gradient ({@code -g} when maximizing), {@code g += wd p}; if momentum mu != 0,
 * {@code b = (t == 1 ? g : mu b + (1 - dampening) g)}, then {@code g = nesterov ? g + mu b : b}; finally
 * {@code p -= lr g}.
 *
 * <p>Text form {@code sgd:lr=0.001,momentum=0,dampening=0,weight_decay=0,nesterov,maximize}; the defaults are
 * PyTorch's (lr 1e-3). The scheduled momentum of {@link #scalars} replaces mu.
 */
public record Sgd(double lr, double momentum, double dampening, double weightDecay, boolean nesterov, boolean maximize)
        implements Optimizer {

    /** PyTorch's default learning rate. */
    public static final double DEFAULT_LR = 1e-3;

    /**
     * Checks the hyperparameters (lr, momentum, weight_decay finite and >= 0, dampening finite; nesterov needs
     * momentum > 0 and dampening 0, as PyTorch): a one-line {@link IllegalArgumentException} names the bad value;
     * -0.0 becomes 0.0.
     */
    public Sgd {
        lr = nonNegative("sgd", "lr", lr);
        momentum = nonNegative("sgd", "momentum", momentum);
        if (!Double.isFinite(dampening))
            throw new IllegalArgumentException("sgd: dampening must be a finite number, got " + dampening);
        dampening = dampening + 0.0;
        weightDecay = nonNegative("sgd", "weight_decay", weightDecay);
        if (nesterov && (momentum <= 0 || dampening != 0))
            throw new IllegalArgumentException("sgd: nesterov needs momentum > 0 and dampening = 0, got momentum="
                    + momentum + ", dampening=" + dampening);
    }

    /** Plain SGD with this learning rate. */
    public static Sgd plain(double lr) { return new Sgd(lr, 0, 0, 0, false, false); }

    /** SGD with classical momentum. */
    public static Sgd momentum(double lr, double momentum) { return new Sgd(lr, momentum, 0, 0, false, false); }

    @Override public UpdateRule rule() { return UpdateRule.SGD; }

    /**
     * hyper: [0] lr, [1] momentum (the scheduled one unless NaN), [2] dampening, [3] weight decay, [4] nesterov,
     * [5] 1 on the first step (the buffer starts as the gradient, as PyTorch), [6] maximize.
     */
    @Override
    public void scalars(long t, double lr, double mom, UpdateScalars out) {
        Optimizers.checkStep(t);
        float[] h = out.hyper;
        h[0] = (float) lr;
        h[1] = (float) (Double.isNaN(mom) ? momentum : mom);
        h[2] = (float) dampening;
        h[3] = (float) weightDecay;
        h[4] = nesterov ? 1f : 0f;
        h[5] = t == 1 ? 1f : 0f;
        h[6] = maximize ? 1f : 0f;
        Optimizers.clearFrom(h, 7);
    }

    @Override
    public String spec() {
        StringBuilder s = new StringBuilder("sgd:lr=").append(number(lr));
        if (momentum != 0) s.append(",momentum=").append(number(momentum));
        if (dampening != 0) s.append(",dampening=").append(number(dampening));
        if (weightDecay != 0) s.append(",weight_decay=").append(number(weightDecay));
        if (nesterov) s.append(",nesterov");
        if (maximize) s.append(",maximize");
        return s.toString();
    }

    static Sgd parse(OptimizerSpec s) {
        double lr = s.number("lr", DEFAULT_LR), momentum = s.number("momentum", 0);
        double dampening = s.number("dampening", 0), wd = s.number("weight_decay", 0);
        boolean nesterov = s.flag("nesterov"), maximize = s.flag("maximize");
        return s.build(() -> new Sgd(lr, momentum, dampening, wd, nesterov, maximize));
    }
}
