package dev.kiln.schedule;

/**
 * Linear interpolation, PyTorch {@code LinearLR(start_factor, end_factor, total_iters)} in closed form:
 * {@code f(t) = from + (to - from) * min(t, over) / over}; {@code f(t) = to} from {@code t = over} on.
 * Unlike PyTorch, the factors are not limited to [0, 1].
 *
 * @param from the multiplier at step 0
 * @param to   the multiplier from step {@code over} on
 * @param over steps of the ramp; 0 gives {@code to} at once
 */
public record Linear(double from, double to, long over) implements Schedule {
    /** Checks that {@code from} and {@code to} are finite and {@code over} is at least 0 steps. */
    public Linear {
        Checks.finite("linear: from", from);
        Checks.finite("linear: to", to);
        Checks.atLeast("linear: over", over, 0);
    }

    @Override
    public double at(long step) {
        if (step >= over) return to;
        return from + (to - from) * step / over;
    }
}
