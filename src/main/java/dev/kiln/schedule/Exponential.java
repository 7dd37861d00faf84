package dev.kiln.schedule;

/**
 * Exponential decay, Keras {@code ExponentialDecay(decay_steps, decay_rate, staircase)}:
 * {@code f(t) = gamma^(t / every)}, or {@code gamma^floor(t / every)} with {@code staircase}. With
 * {@code every = 1} this is PyTorch's {@code ExponentialLR(gamma)}: {@code gamma^t}.
 *
 * @param gamma     the factor per {@code every} steps, > 0
 * @param every     steps over which the factor {@code gamma} applies, at least 1
 * @param staircase whether to decay in whole steps of {@code every}
 */
public record Exponential(double gamma, long every, boolean staircase) implements Schedule {
    /** Checks that gamma is finite and > 0 and {@code every} is at least 1 step. */
    public Exponential {
        Checks.positive("exp: gamma", gamma);
        Checks.atLeast("exp: every", every, 1);
    }

    @Override
    public double at(long step) {
        double p = staircase ? (double) Math.floorDiv(step, every) : (double) step / every;
        return Math.pow(gamma, p);
    }
}
