package dev.kiln.schedule;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * A length of training written in one of three units and resolved to optimizer steps with a {@link RunPlan}:
 * <ul>
 *   <li>{@code 500}: steps (an integer);</li>
 *   <li>{@code 30ep} or {@code 2.5ep}: epochs, {@code round(amount * stepsPerEpoch)} steps;</li>
 *   <li>{@code 30%}: a fraction of the whole run, {@code round(amount / 100 * totalSteps)} steps.</li>
 * </ul>
 * A percentage always refers to the whole run, wherever it appears in an expression. Rounding is half up.
 *
 * @param amount the number as written (steps, epochs, or percent)
 * @param unit   what the number counts
 */
public record Duration(double amount, Unit unit) {
    /** What a duration counts. */
    public enum Unit {
        /** Optimizer steps (updates). */
        STEPS(""),
        /** Epochs: passes over the training set. */
        EPOCHS("ep"),
        /** Percent of the whole run. */
        PERCENT("%");

        private final String suffix;

        Unit(String suffix) { this.suffix = suffix; }

        /** The suffix written after the number. */
        public String suffix() { return suffix; }
    }

    /** Checks that there is a unit and the amount is finite and >= 0 (a whole number in steps); -0 becomes 0. */
    public Duration {
        if (unit == null) throw new IllegalArgumentException("duration unit is null");
        if (!(amount >= 0) || Double.isInfinite(amount))
            throw new IllegalArgumentException("a duration must be a finite number >= 0, got " + amount);
        if (unit == Unit.STEPS && amount != Math.rint(amount))
            throw new IllegalArgumentException("a duration in steps must be a whole number, got " + amount
                    + " (write 2.5ep for epochs or 30% for a fraction of the run)");
        if (amount == 0) amount = 0.0; // no -0
    }

    /** {@code n} steps. */
    public static Duration steps(long n) { return new Duration(n, Unit.STEPS); }

    /** {@code n} epochs. */
    public static Duration epochs(double n) { return new Duration(n, Unit.EPOCHS); }

    /** {@code p} percent of the run. */
    public static Duration percent(double p) { return new Duration(p, Unit.PERCENT); }

    /**
     * Reads {@code 500}, {@code 30ep} or {@code 30%}.
     *
     * @throws IllegalArgumentException naming the text when it is not a duration
     */
    public static Duration parse(String text) {
        String t = text.trim().toLowerCase(java.util.Locale.ROOT);
        Unit unit = Unit.STEPS;
        String number = t;
        if (t.endsWith("%")) {
            unit = Unit.PERCENT;
            number = t.substring(0, t.length() - 1);
        } else if (t.endsWith("ep")) {
            unit = Unit.EPOCHS;
            number = t.substring(0, t.length() - 2);
        }
        if (!Numbers.isNumber(number))
            throw new IllegalArgumentException("'" + text + "' is not a duration (write 500 steps, 30ep or 30%)");
        double amount;
        try {
            amount = Numbers.parse(number);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a duration: " + e.getMessage());
        }
        return new Duration(amount, unit);
    }

    /**
     * The number of steps in {@code plan}, rounded half up from the exact product of the decimal as written: 35%
     * of 90 steps is 31.5, so 32 (in binary floating point 0.35 * 90 is 31.499999999999996, which rounded to 31).
     * More than {@link Long#MAX_VALUE} steps saturates there.
     */
    public long steps(RunPlan plan) {
        return switch (unit) {
            case STEPS -> (long) amount;
            case EPOCHS -> halfUp(written().multiply(BigDecimal.valueOf(plan.stepsPerEpoch())));
            case PERCENT -> halfUp(written().multiply(BigDecimal.valueOf(plan.totalSteps())).movePointLeft(2));
        };
    }

    /** The amount as the shortest decimal that reads back as it: what was written, for any decimal a user writes. */
    private BigDecimal written() { return new BigDecimal(Double.toString(amount)); }

    private static long halfUp(BigDecimal x) {
        BigDecimal r = x.setScale(0, RoundingMode.HALF_UP);
        return r.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0 ? Long.MAX_VALUE : r.longValueExact();
    }

    /** The canonical text: {@code 500}, {@code 30ep}, {@code 2.5%}. */
    @Override
    public String toString() {
        return Numbers.format(amount) + unit.suffix;
    }
}
