package dev.kiln.optim;

import dev.kiln.backend.UpdateRule;
import dev.kiln.backend.UpdateScalars;

/**
 * torch.optim.SGD: with g the gradient, {@code g += wd p}; if momentum mu != 0,
 * {@code b = (t == 1 ? g : mu b + (1 - dampening) g)}, then {@code g = nesterov ? g + mu b : b}; finally
 * {@code p -= lr g}.
 */
public record Sgd(double lr, double momentum, double dampening, double weightDecay, boolean nesterov, boolean maximize)
        implements Optimizer {

    public Sgd {
        if (!(lr >= 0)) throw new IllegalArgumentException("sgd: lr must be >= 0, got " + lr);
        if (!(momentum >= 0)) throw new IllegalArgumentException("sgd: momentum must be >= 0, got " + momentum);
        if (!(weightDecay >= 0)) throw new IllegalArgumentException("sgd: weight_decay must be >= 0, got " + weightDecay);
        if (nesterov && (momentum <= 0 || dampening != 0))
            throw new IllegalArgumentException("sgd: nesterov needs momentum > 0 and dampening = 0");
    }

    /** Plain SGD with this learning rate. */
    public static Sgd plain(double lr) { return new Sgd(lr, 0, 0, 0, false, false); }

    /** SGD with classical momentum. */
    public static Sgd momentum(double lr, double momentum) { return new Sgd(lr, momentum, 0, 0, false, false); }

    @Override public UpdateRule rule() { return UpdateRule.SGD; }

    @Override
    public void scalars(long t, double lr, double mom, UpdateScalars out) {
        float[] h = out.hyper;
        h[0] = (float) lr;
        h[1] = (float) (Double.isNaN(mom) ? momentum : mom);
        h[2] = (float) dampening;
        h[3] = (float) weightDecay;
        h[4] = nesterov ? 1f : 0f;
        h[5] = t == 1 ? 1f : 0f;
        h[6] = maximize ? 1f : 0f;
    }

    @Override
    public String spec() {
        StringBuilder s = new StringBuilder("sgd:lr=").append(lr);
        if (momentum != 0) s.append(",momentum=").append(momentum);
        if (dampening != 0) s.append(",dampening=").append(dampening);
        if (weightDecay != 0) s.append(",weight_decay=").append(weightDecay);
        if (nesterov) s.append(",nesterov");
        if (maximize) s.append(",maximize");
        return s.toString();
    }
}
