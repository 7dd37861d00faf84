package dev.kiln.schedule;

/**
 * Polynomial decay, Keras {@code PolynomialDecay(decay_steps, end_learning_rate, power, cycle)}:
 * {@code f(t) = (1 - end) * (1 - s / D)^power + end}, with {@code s = min(t, D)} and {@code D = over}; with
 * {@code cycle}, {@code s = t} and {@code D = over * ceil(t / over)} ({@code D = over} at {@code t = 0}), so the
 * value is {@code end} exactly at multiples of {@code over} and jumps up one step later. PyTorch's
 * {@code PolynomialLR(total_iters, power)} is the case {@code end = 0}. Unlike Keras, the default end
 * value is 0, not 1e-4.
 *
 * @param over  decay length D in steps, at least 1
 * @param power exponent, > 0
 * @param end   the multiplier reached at {@code t = over}
 * @param cycle whether to restart the decay every {@code over} steps
 */
public record Polynomial(long over, double power, double end, boolean cycle) implements Schedule {
    /** Checks the parameters: over at least 1 step, power finite and > 0, end finite. */
    public Polynomial {
        Checks.atLeast("poly: over", over, 1);
        Checks.positive("poly: power", power);
        Checks.finite("poly: end", end);
    }

    @Override
    public double at(long step) {
        double d = over;
        double s = step;
        if (cycle) {
            long k = step == 0 ? 1 : (step + over - 1) / over; // ceil(step / over)
            d = (double) over * k;
        } else {
            s = Math.min(step, over);
        }
        return (1 - end) * Math.pow(1 - s / d, power) + end;
    }
}
