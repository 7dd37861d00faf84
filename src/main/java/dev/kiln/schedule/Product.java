package dev.kiln.schedule;

import java.util.List;
import java.util.OptionalDouble;

/**
 * The product of schedules on the same clock (PyTorch {@code ChainedScheduler}, Optax chained
 * {@code scale_by_schedule}): {@code f(t) = f_1(t) * f_2(t) * ...}. A plateau controller is one factor. The
 * momentum is that of the first factor that cycles it.
 */
public final class Product implements Schedule, MomentumSource {
    private final Schedule[] factors;

    /** The product of {@code factors} (at least one), copied; its momentum is the first factor's that has one. */
    public Product(List<? extends Schedule> factors) {
        if (factors.isEmpty()) throw new IllegalArgumentException("product: no factors");
        this.factors = factors.toArray(new Schedule[0]);
    }

    @Override
    public double at(long step) {
        double v = 1;
        for (Schedule f : factors) v *= f.at(step);
        return v;
    }

    @Override
    public OptionalDouble momentum(long step) {
        for (Schedule f : factors) {
            OptionalDouble m = MomentumSource.of(f, step);
            if (m.isPresent()) return m;
        }
        return OptionalDouble.empty();
    }
}
