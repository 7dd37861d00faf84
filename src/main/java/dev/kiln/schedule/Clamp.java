package dev.kiln.schedule;

import java.util.OptionalDouble;

/**
 * Bounds a schedule: {@code f(t) = min(max, max(min, g(t)))}, e.g. a floor under a cosine that would
 * otherwise reach 0. Momentum passes through.
 *
 * @param inner the schedule g
 * @param min   the floor ({@code -Infinity}: none)
 * @param max   the ceiling ({@code Infinity}: none)
 */
public record Clamp(Schedule inner, double min, double max) implements Schedule, MomentumSource {
    /** Checks that there is an inner schedule and that {@code min <= max}, neither NaN. */
    public Clamp {
        if (inner == null) throw new IllegalArgumentException("clamp: no schedule");
        if (Double.isNaN(min) || Double.isNaN(max) || min > max)
            throw new IllegalArgumentException("clamp: need min <= max, got min=" + min + " max=" + max);
    }

    @Override
    public double at(long step) {
        return Math.min(max, Math.max(min, inner.at(step)));
    }

    @Override
    public OptionalDouble momentum(long step) {
        return MomentumSource.of(inner, step);
    }
}
