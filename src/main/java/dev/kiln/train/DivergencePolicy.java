package dev.kiln.train;

import java.util.Locale;

/**
 * What to do when training diverges (a NaN or infinite loss or gradient), as {@code --on-divergence} writes
 * it: {@code stop} (the default), {@code skip}, {@code rollback} or {@code rollback:FACTOR}, or {@code off}.
 * See {@link NonFiniteGuard} for what each does. After a rollback the learning rate of every later step is
 * {@code lr = optimizer.lr() * schedule.factor(step) * factor^rollbacks}.
 *
 * @param guard        the policy
 * @param factor       learning-rate multiplier applied at each rollback, in (0, 1) (ignored by other policies)
 * @param maxRollbacks rollbacks allowed before the run stops with a {@link DivergenceException} (>= 1)
 */
public record DivergencePolicy(NonFiniteGuard guard, double factor, int maxRollbacks) {
    /** The rollback factor when none is given. */
    public static final double DEFAULT_FACTOR = 0.5;
    /** Rollbacks allowed by default. */
    public static final int DEFAULT_MAX_ROLLBACKS = 5;

    /** Checks that there is a guard, the factor is in (0, 1) and {@code maxRollbacks >= 1}, whatever the guard. */
    public DivergencePolicy {
        if (guard == null) throw new IllegalArgumentException("divergence policy: guard is null");
        if (!(factor > 0 && factor < 1))
            throw new IllegalArgumentException("divergence policy: the rollback factor must be in (0, 1), got " + factor);
        if (maxRollbacks < 1)
            throw new IllegalArgumentException("divergence policy: the number of rollbacks allowed must be >= 1, got " + maxRollbacks);
    }

    /** Stop at the first non-finite step (the default). */
    public static DivergencePolicy stop() { return of(NonFiniteGuard.STOP); }

    /** Skip non-finite steps and go on. */
    public static DivergencePolicy skip() { return of(NonFiniteGuard.SKIP); }

    /** Roll back to the last good state and multiply the learning rate by {@code factor}, at most 5 times. */
    public static DivergencePolicy rollback(double factor) {
        return new DivergencePolicy(NonFiniteGuard.ROLLBACK, factor, DEFAULT_MAX_ROLLBACKS);
    }

    /** A guard with the default rollback settings. */
    public static DivergencePolicy of(NonFiniteGuard guard) {
        return new DivergencePolicy(guard, DEFAULT_FACTOR, DEFAULT_MAX_ROLLBACKS);
    }

    /**
     * Reads {@code stop}, {@code skip}, {@code off}, {@code rollback} or {@code rollback:FACTOR} (case-insensitive).
     *
     * @throws IllegalArgumentException quoting the text and naming the bad part
     */
    public static DivergencePolicy parse(String text) {
        if (text == null || text.isBlank())
            throw new IllegalArgumentException("divergence policy: empty (expected stop, skip, rollback or rollback:FACTOR)");
        String t = text.strip().toLowerCase(Locale.ROOT);
        int colon = t.indexOf(':');
        String name = colon < 0 ? t : t.substring(0, colon).strip();
        String arg = colon < 0 ? null : t.substring(colon + 1).strip();
        NonFiniteGuard g = switch (name) {
            case "stop" -> NonFiniteGuard.STOP;
            case "skip" -> NonFiniteGuard.SKIP;
            case "rollback" -> NonFiniteGuard.ROLLBACK;
            case "off" -> NonFiniteGuard.OFF;
            default -> throw new IllegalArgumentException("divergence policy '" + Texts.shown(text)
                    + "': unknown policy '" + Texts.shown(name) + "' (expected stop, skip, rollback or rollback:FACTOR)");
        };
        if (arg == null) return of(g);
        if (g != NonFiniteGuard.ROLLBACK)
            throw new IllegalArgumentException("divergence policy '" + Texts.shown(text) + "': only rollback takes a factor");
        double f;
        try {
            f = Double.parseDouble(arg);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("divergence policy '" + Texts.shown(text) + "': the factor '" + Texts.shown(arg) + "' is not a number");
        }
        if (!(f > 0 && f < 1))
            throw new IllegalArgumentException("divergence policy '" + Texts.shown(text) + "': the factor must be in (0, 1), got " + Texts.shown(arg));
        return rollback(f);
    }

    /** The text form, which {@link #parse} reads back. */
    @Override
    public String toString() {
        String n = guard.name().toLowerCase(Locale.ROOT);
        return guard == NonFiniteGuard.ROLLBACK ? n + ":" + factor : n;
    }
}
