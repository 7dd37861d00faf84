package dev.kiln.schedule;

/**
 * Cosine annealing with warm restarts (SGDR), PyTorch {@code CosineAnnealingWarmRestarts(T_0, T_mult,
 * eta_min)} with Keras {@code CosineDecayRestarts}'s peak decay {@code m_mul}. Cycle {@code i} (from 0)
 * starts at {@code S_i = period * (mult^i - 1) / (mult - 1)} ({@code i * period} when {@code mult = 1}) and
 * lasts {@code T_i = period * mult^i}; with {@code x = (t - S_i) / T_i},
 * {@code f(t) = min + (1 - min) * decay^i * (1 + cos(pi x)) / 2}. The cycle index is computed in closed form
 * (a logarithm, corrected by comparing with the cycle starts so that rounding never misplaces a restart).
 * {@code min} itself is not reached: each cycle restarts at {@code x = 1}.
 *
 * @param period the first cycle's length in steps, at least 1
 * @param mult   the growth of each cycle's length, >= 1 (may be fractional, as in Keras)
 * @param decay  the peak's factor per restart, > 0 (1 in PyTorch)
 * @param min    the floor multiplier (eta_min, Keras alpha; not scaled by {@code decay^i})
 */
public record CosineRestarts(long period, double mult, double decay, double min) implements Schedule {
    /** Checks the parameters: period at least 1 step, mult finite and >= 1, decay finite and > 0, min finite. */
    public CosineRestarts {
        Checks.atLeast("restarts: period", period, 1);
        if (!(mult >= 1) || Double.isInfinite(mult))
            throw new IllegalArgumentException("restarts: mult must be >= 1, got " + mult);
        Checks.positive("restarts: decay", decay);
        Checks.finite("restarts: min", min);
    }

    /** The index of the cycle that contains {@code step}. */
    public long cycle(long step) {
        if (mult == 1) return step / period;
        long i = (long) Math.floor(Math.log1p(step / (double) period * (mult - 1)) / Math.log(mult));
        i = Math.max(0, i);
        while (i > 0 && start(i) > step) i--;
        while (start(i + 1) <= step) i++;
        return i;
    }

    /** The first step of cycle {@code i}. */
    public double start(long i) {
        if (mult == 1) return (double) i * period;
        return period * (Math.pow(mult, i) - 1) / (mult - 1);
    }

    @Override
    public double at(long step) {
        long i = cycle(step);
        double x = (step - start(i)) / (period * Math.pow(mult, i));
        double peak = decay == 1 ? 1 : Math.pow(decay, i);
        return min + (1 - min) * peak * (1 + Math.cos(Math.PI * x)) / 2;
    }
}
