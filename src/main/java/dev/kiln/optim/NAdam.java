package dev.kiln.optim;

import static dev.kiln.optim.OptimizerSpec.nonNegative;
import static dev.kiln.optim.OptimizerSpec.number;

import dev.kiln.backend.UpdateRule;
import dev.kiln.backend.UpdateScalars;
import java.util.Objects;

/**
 * torch.optim.NAdam (Dozat 2016, with PyTorch's momentum decay psi): with g the gradient, t the step and m,
 * v starting at 0,
 * <pre>
 *   mu_t  = beta1 (1 - 0.5 * 0.96^(t psi)),   P_t = mu_1 mu_2 ... mu_t
 *   g     = g + weight_decay p                   (or, decoupled: p = p (1 - lr weight_decay))
 *   m     = beta1 m + (1 - beta1) g
 *   v     = beta2 v + (1 - beta2) g^2
 *   denom = sqrt(v / (1 - beta2^t)) + eps
 *   p     = p - lr (1 - mu_t) / (1 - P_t) * g / denom - lr mu_{t+1} / (1 - P_t mu_{t+1}) * m / denom
 * </pre>
 * Text form {@code nadam:lr=0.002,betas=0.9/0.999,eps=1e-8,weight_decay=0,momentum_decay=0.004,
 * decoupled_weight_decay} (PyTorch's defaults, L2 weight decay).
 *
 * <p>The product P_t is optimizer state in PyTorch ({@code mu_product}); here the host keeps it: consecutive
 * steps multiply it by mu_t (so a scheduled beta1 enters it step by step, as in PyTorch), and a jump to
 * another step (a resumed run) recomputes it from step 1 with the current beta1. This object is immutable
 * apart from that cache, which is guarded by a lock; equality and the text form ignore it.
 */
public final class NAdam implements Optimizer {

    /** PyTorch's default learning rate for NAdam (torch.optim.NAdam, lr=2e-3). */
    public static final double DEFAULT_LR = 2e-3;
    /** PyTorch's default momentum decay psi of mu_t (torch.optim.NAdam, momentum_decay=4e-3). */
    public static final double DEFAULT_MOMENTUM_DECAY = 4e-3;

    private final double lr;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final double momentumDecay;
    private final boolean decoupledWeightDecay;

    private final Object lock = new Object();
    private long cachedStep;              // 0: nothing cached
    private double cachedProductBefore;   // P_{cachedStep - 1}
    private double cachedProduct;         // P_{cachedStep}

    /**
     * An NAdam with these hyperparameters, checked (lr, eps, weight_decay, momentum_decay finite and >= 0, betas in
     * [0, 1)): a one-line {@link IllegalArgumentException} names the bad value; -0.0 becomes 0.0.
     */
    public NAdam(double lr, double beta1, double beta2, double eps, double weightDecay, double momentumDecay,
                 boolean decoupledWeightDecay) {
        this.lr = nonNegative("nadam", "lr", lr);
        this.beta1 = Optimizers.beta("nadam", "beta1", beta1);
        this.beta2 = Optimizers.beta("nadam", "beta2", beta2);
        this.eps = nonNegative("nadam", "eps", eps);
        this.weightDecay = nonNegative("nadam", "weight_decay", weightDecay);
        this.momentumDecay = nonNegative("nadam", "momentum_decay", momentumDecay);
        this.decoupledWeightDecay = decoupledWeightDecay;
    }

    /** NAdam with this learning rate and PyTorch's other defaults. */
    public static NAdam of(double lr) {
        return new NAdam(lr, Adam.DEFAULT_BETA1, Adam.DEFAULT_BETA2, Adam.DEFAULT_EPS, 0, DEFAULT_MOMENTUM_DECAY, false);
    }

    @Override public double lr() { return lr; }
    /** The decay of the first moment m, which mu_t scales (PyTorch's betas[0]). */
    public double beta1() { return beta1; }
    /** The decay of the second moment v (PyTorch's betas[1]). */
    public double beta2() { return beta2; }
    /** The term added to the denominator. */
    public double eps() { return eps; }
    /** The weight decay: an L2 penalty, or decoupled when {@link #decoupledWeightDecay()}. */
    public double weightDecay() { return weightDecay; }
    /** The momentum decay psi of mu_t (PyTorch's momentum_decay). */
    public double momentumDecay() { return momentumDecay; }
    /**
     * Whether the weight decay is decoupled, {@code p = p (1 - lr weight_decay)}, rather than added to the gradient.
     */
    public boolean decoupledWeightDecay() { return decoupledWeightDecay; }

    @Override public UpdateRule rule() { return UpdateRule.NADAM; }

    /** mu_t = beta1 (1 - 0.5 * 0.96^(t psi)), as PyTorch writes it. */
    static double mu(double beta1, double psi, long t) {
        return beta1 * (1.0 - 0.5 * Math.pow(0.96, t * psi));
    }

    /**
     * hyper: [0] lr, [1] beta1, [2] 1 - beta1, [3] beta2, [4] 1 - beta2, [5] eps, [6] L2 weight decay,
     * [7] lr * decoupled weight decay, [8] 1 - beta2^t, [9] lr (1 - mu_t) / (1 - P_t),
     * [10] lr mu_{t+1} / (1 - P_t mu_{t+1}). The scheduled momentum replaces beta1.
     */
    @Override
    public void scalars(long t, double lr, double momentum, UpdateScalars out) {
        Optimizers.checkStep(t);
        double b1 = Optimizers.beta1(momentum, beta1);
        double muT = mu(b1, momentumDecay, t);
        double muNext = mu(b1, momentumDecay, t + 1);
        double product = product(t, b1, muT);
        double productNext = product * muNext;
        float[] h = out.hyper;
        h[0] = (float) lr;
        h[1] = (float) b1;
        h[2] = (float) (1 - b1);
        h[3] = (float) beta2;
        h[4] = (float) (1 - beta2);
        h[5] = (float) eps;
        h[6] = (float) (decoupledWeightDecay ? 0 : weightDecay);
        h[7] = (float) (decoupledWeightDecay ? lr * weightDecay : 0);
        h[8] = (float) (1 - Math.pow(beta2, t));
        h[9] = (float) (lr * (1.0 - muT) / (1.0 - product));
        h[10] = (float) (lr * muNext / (1.0 - productNext));
        Optimizers.clearFrom(h, 11);
    }

    /** P_t = P_{t-1} mu_t: incremental for consecutive or repeated steps, else recomputed with this beta1. */
    private double product(long t, double b1, double muT) {
        synchronized (lock) {
            if (t == cachedStep + 1 && cachedStep > 0) {
                cachedProductBefore = cachedProduct;
            } else if (t != cachedStep) {
                double before = 1.0;
                // the product shrinks geometrically; once it is 0 it stays 0
                for (long i = 1; i < t && before != 0.0; i++) before *= mu(b1, momentumDecay, i);
                cachedProductBefore = before;
            }
            cachedStep = t;
            cachedProduct = cachedProductBefore * muT;
            return cachedProduct;
        }
    }

    @Override
    public String spec() {
        return "nadam:lr=" + number(lr) + Optimizers.betas(beta1, beta2, Adam.DEFAULT_BETA1, Adam.DEFAULT_BETA2)
                + (eps != Adam.DEFAULT_EPS ? ",eps=" + number(eps) : "")
                + (weightDecay != 0 ? ",weight_decay=" + number(weightDecay) : "")
                + (momentumDecay != DEFAULT_MOMENTUM_DECAY ? ",momentum_decay=" + number(momentumDecay) : "")
                + (decoupledWeightDecay ? ",decoupled_weight_decay" : "");
    }

    static NAdam parse(OptimizerSpec s) {
        double lr = s.number("lr", DEFAULT_LR);
        double[] betas = s.pair("betas", Adam.DEFAULT_BETA1, Adam.DEFAULT_BETA2);
        double eps = s.number("eps", Adam.DEFAULT_EPS), wd = s.number("weight_decay", 0);
        double psi = s.number("momentum_decay", DEFAULT_MOMENTUM_DECAY);
        boolean decoupled = s.flag("decoupled_weight_decay");
        return s.build(() -> new NAdam(lr, betas[0], betas[1], eps, wd, psi, decoupled));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NAdam n && Double.compare(lr, n.lr) == 0 && Double.compare(beta1, n.beta1) == 0
                && Double.compare(beta2, n.beta2) == 0 && Double.compare(eps, n.eps) == 0
                && Double.compare(weightDecay, n.weightDecay) == 0
                && Double.compare(momentumDecay, n.momentumDecay) == 0
                && decoupledWeightDecay == n.decoupledWeightDecay;
    }

    @Override
    public int hashCode() {
        return Objects.hash(lr, beta1, beta2, eps, weightDecay, momentumDecay, decoupledWeightDecay);
    }

    @Override
    public String toString() { return "NAdam[" + spec() + "]"; }
}
