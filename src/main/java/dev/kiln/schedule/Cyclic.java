package dev.kiln.schedule;

import java.util.OptionalDouble;

/**
 * Cyclical learning rate (Smith 2017), PyTorch {@code CyclicLR} with multipliers instead of absolute rates:
 * with {@code total = up + down}, {@code c = floor(1 + t / total)}, {@code x = 1 + t / total - c} and
 * {@code r = up / total}, the position in the cycle is {@code s = x / r} rising and {@code (x - 1) / (r - 1)}
 * falling, and {@code f(t) = min + (max - min) * s * g}, where {@code g = 1} ({@code triangular}),
 * {@code 1 / 2^(c - 1)} ({@code triangular2}) or {@code gamma^t} ({@code exp_range}). When momentum cycles,
 * {@code m(t) = momentumMax - (momentumMax - momentumMin) * s * g}, opposite to the learning rate.
 *
 * @param min         the multiplier at the foot of a cycle (PyTorch base_lr / optimizer lr)
 * @param max         the multiplier at the peak (PyTorch max_lr / optimizer lr)
 * @param up          steps rising, at least 1
 * @param down        steps falling, at least 1
 * @param mode        how the amplitude shrinks from cycle to cycle
 * @param gamma       {@code exp_range}'s factor per step, > 0
 * @param momentumMin the momentum at the peak of the learning rate, or NaN when momentum is not cycled
 * @param momentumMax the momentum at the foot, or NaN
 */
public record Cyclic(double min, double max, long up, long down, Mode mode, double gamma,
                     double momentumMin, double momentumMax) implements Schedule, MomentumSource {
    /** How the amplitude changes from cycle to cycle. */
    public enum Mode {
        /** Constant amplitude. */
        TRIANGULAR,
        /** Amplitude halved every cycle. */
        TRIANGULAR2,
        /** Amplitude times {@code gamma^t}. */
        EXP_RANGE
    }

    /**
     * Checks the parameters: min and max finite, up and down at least 1 step, a mode, gamma finite and > 0, and both
     * momentum bounds or neither (NaN).
     */
    public Cyclic {
        Checks.finite("cyclic: min", min);
        Checks.finite("cyclic: max", max);
        Checks.atLeast("cyclic: up", up, 1);
        Checks.atLeast("cyclic: down", down, 1);
        if (mode == null) throw new IllegalArgumentException("cyclic: mode is null");
        Checks.positive("cyclic: gamma", gamma);
        if (Double.isNaN(momentumMin) != Double.isNaN(momentumMax))
            throw new IllegalArgumentException("cyclic: give both momentum bounds or neither");
    }

    /** The position in the cycle, 0 at the foot and 1 at the peak, times the amplitude factor g. */
    private double height(long step) {
        double total = up + down;
        double ratio = up / total;
        double cycle = Math.floor(1 + step / total);
        double x = 1. + step / total - cycle;
        double s = x <= ratio ? x / ratio : (x - 1) / (ratio - 1);
        double g = switch (mode) {
            case TRIANGULAR -> 1.0;
            case TRIANGULAR2 -> 1 / Math.pow(2., cycle - 1);
            case EXP_RANGE -> Math.pow(gamma, step);
        };
        return s * g;
    }

    @Override
    public double at(long step) {
        return min + (max - min) * height(step);
    }

    @Override
    public OptionalDouble momentum(long step) {
        if (Double.isNaN(momentumMin)) return OptionalDouble.empty();
        return OptionalDouble.of(momentumMax - (momentumMax - momentumMin) * height(step));
    }
}
