package dev.kiln.schedule;

/**
 * Cosine annealing, PyTorch {@code CosineAnnealingLR(T_max, eta_min)} in closed form:
 * {@code f(t) = min + (1 - min) * (1 + cos(pi * t / over)) / 2}. As in PyTorch (and HF), past
 * {@code t = over} the value climbs back up (period {@code 2 * over}); with {@code clamp} it stays at
 * {@code min} instead, as Keras {@code CosineDecay(alpha = min)} and Optax do.
 *
 * @param over  the half period T_max in steps, at least 1
 * @param min   the lowest multiplier (eta_min relative to the base learning rate)
 * @param clamp whether to hold {@code min} after {@code over}
 */
public record Cosine(long over, double min, boolean clamp) implements Schedule {
    /** Checks that {@code over} is at least 1 step and {@code min} is finite. */
    public Cosine {
        Checks.atLeast("cosine: over", over, 1);
        Checks.finite("cosine: min", min);
    }

    @Override
    public double at(long step) {
        long t = clamp ? Math.min(step, over) : step;
        return min + (1 - min) * (1 + Math.cos(Math.PI * t / over)) / 2;
    }
}
