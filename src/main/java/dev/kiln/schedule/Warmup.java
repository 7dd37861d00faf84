package dev.kiln.schedule;

/**
 * A warmup ramp from {@code from} to {@code to} over {@code over} steps, then {@code to}:
 * linear {@code f(t) = from + (to - from) * t / over} (PyTorch {@code LinearLR(start_factor, 1,
 * total_iters)}: the first step trains at {@code from}, not at 0 as in HF), or exponential
 * {@code f(t) = from * (to / from)^(t / over)}. In the grammar a warmup is a piece of a sequence and
 * {@code to} defaults to the first value of the piece after it, so it joins any schedule without a jump.
 *
 * @param over        steps of the ramp, at least 0
 * @param exponential geometric instead of linear interpolation (needs {@code from} and {@code to} > 0)
 * @param from        the multiplier at step 0
 * @param to          the multiplier reached at step {@code over}
 */
public record Warmup(long over, boolean exponential, double from, double to) implements Schedule {
    /** Checks the parameters: over at least 0 steps, from and to finite, and both > 0 for an exponential warmup. */
    public Warmup {
        Checks.atLeast("warmup: length", over, 0);
        Checks.finite("warmup: from", from);
        Checks.finite("warmup: to", to);
        if (exponential && !(from > 0 && to > 0))
            throw new IllegalArgumentException("warmup: an exponential warmup needs from > 0 and a target > 0, got from="
                    + Numbers.format(from) + " to " + Numbers.format(to));
    }

    @Override
    public double at(long step) {
        if (step >= over) return to;
        if (exponential) return from * Math.pow(to / from, (double) step / over);
        return from + (to - from) * step / over;
    }
}
