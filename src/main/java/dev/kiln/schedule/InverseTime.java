package dev.kiln.schedule;

/**
 * Inverse-time decay, Keras {@code InverseTimeDecay(decay_steps, decay_rate, staircase)} with DL4J's
 * {@code power}: {@code f(t) = 1 / (1 + rate * p)^power}, {@code p = t / every} (floored with
 * {@code staircase}).
 *
 * @param rate      decay rate, >= 0
 * @param every     steps per unit of {@code p}, at least 1
 * @param power     exponent, > 0 (1 in Keras)
 * @param staircase whether {@code p} is floored
 */
public record InverseTime(double rate, long every, double power, boolean staircase) implements Schedule {
    /** Checks the parameters: rate finite and >= 0, every at least 1 step, power finite and > 0. */
    public InverseTime {
        Checks.nonNegative("invtime: rate", rate);
        Checks.atLeast("invtime: every", every, 1);
        Checks.positive("invtime: power", power);
    }

    @Override
    public double at(long step) {
        double p = staircase ? (double) Math.floorDiv(step, every) : (double) step / every;
        return 1.0 / Math.pow(1 + rate * p, power);
    }
}
