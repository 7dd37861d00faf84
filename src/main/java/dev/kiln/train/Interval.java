package dev.kiln.train;

import java.util.Locale;

/**
 * How often something happens during training (checkpoints): every {@code every} optimizer steps, or every
 * {@code every} epochs. Text form {@code N} (steps) or {@code Nep} (epochs), as {@code --checkpoint-every}.
 *
 * @param every  the period, >= 1
 * @param epochs whether the period counts epochs (else steps)
 */
public record Interval(long every, boolean epochs) {
    /** Checks that {@code every >= 1}. */
    public Interval {
        if (every < 1) throw new IllegalArgumentException("interval: must be >= 1, got " + every);
    }

    /** Every {@code n} optimizer steps. */
    public static Interval steps(long n) { return new Interval(n, false); }

    /** Every {@code n} epochs. */
    public static Interval epochs(long n) { return new Interval(n, true); }

    /**
     * Reads {@code N} (steps) or {@code Nep} (epochs), N a whole number >= 1.
     *
     * @throws IllegalArgumentException quoting the text
     */
    public static Interval parse(String text) {
        String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        boolean ep = t.endsWith("ep");
        String digits = ep ? t.substring(0, t.length() - 2).strip() : t;
        if (digits.isEmpty() || !digits.chars().allMatch(Character::isDigit) || digits.length() > 18)
            throw new IllegalArgumentException("interval '" + Texts.shown(text)
                    + "': expected a whole number of steps (e.g. 500) or of epochs (e.g. 2ep)");
        long n = Long.parseLong(digits);
        if (n < 1) throw new IllegalArgumentException("interval '" + Texts.shown(text) + "': must be >= 1");
        return new Interval(n, ep);
    }

    /** Whether a boundary falls after {@code stepsDone} steps (step intervals only). */
    public boolean dueAfterStep(long stepsDone) { return !epochs && stepsDone > 0 && stepsDone % every == 0; }

    /** Whether a boundary falls after {@code epochsDone} epochs (epoch intervals only). */
    public boolean dueAfterEpoch(long epochsDone) { return epochs && epochsDone > 0 && epochsDone % every == 0; }

    @Override
    public String toString() { return every + (epochs ? "ep" : ""); }
}
