package dev.kiln.schedule;

/**
 * Staircase decay, PyTorch {@code StepLR(step_size, gamma)}: {@code f(t) = gamma^floor(t / every)}. The
 * first decayed step is {@code t = every}.
 *
 * @param every steps between decays, at least 1
 * @param gamma the factor per decay, > 0
 */
public record StepDecay(long every, double gamma) implements Schedule {
    /** Checks that {@code every} is at least 1 step and gamma is finite and > 0. */
    public StepDecay {
        Checks.atLeast("step: every", every, 1);
        Checks.positive("step: gamma", gamma);
    }

    @Override
    public double at(long step) {
        return Math.pow(gamma, Math.floorDiv(step, every));
    }
}
