package dev.kiln.schedule;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Loss-based control, PyTorch {@code ReduceLROnPlateau} as a multiplier: the controller holds a scale
 * (1 at the start) that multiplies whatever time-based schedule it is composed with, and {@link #observe}
 * updates it from a metric (one call per evaluation, usually per epoch). Its {@link #at} is that scale, the
 * same at every step until the next observation.
 *
 * <p>Rules (PyTorch 1.13, {@code torch/optim/lr_scheduler.py}): a metric {@code a} is better than the best
 * so far when, in mode min, {@code a < best * (1 - threshold)} (rel) or {@code a < best - threshold} (abs);
 * in mode max, {@code a > best * (1 + threshold)} (rel) or {@code a > best + threshold} (abs). A better metric
 * becomes the best and clears the bad count, otherwise the count grows; during a cooldown the count is
 * cleared and the cooldown shrinks by one. When the count exceeds {@code patience} (so after
 * {@code patience + 1} bad evaluations; Keras and Optax reduce one evaluation earlier), the scale becomes
 * {@code max(scale * factor, min)} if that lowers it by more than {@code eps}, the cooldown restarts and the
 * count is cleared. {@code min} and {@code eps} are in multiplier units: PyTorch's {@code min_lr} is
 * {@code min} times the optimizer's learning rate.
 *
 * <p>The state ({@link #state()}) is all a checkpoint needs: scale, best, bad count, cooldown, evaluations.
 */
public final class PlateauController implements Schedule {
    /** Whether a lower or a higher metric is better. */
    public enum Mode {
        /** A lower metric is better (a loss). */
        MIN,
        /** A higher metric is better (an accuracy). */
        MAX
    }

    /** How {@code threshold} compares a metric with the best. */
    public enum ThresholdMode {
        /** Relative: the metric must beat the best by {@code threshold} times the best. */
        REL,
        /** Absolute: the metric must beat the best by {@code threshold}. */
        ABS
    }

    /**
     * The controller's settings.
     *
     * @param mode          min (loss) or max (accuracy)
     * @param factor        the scale's factor per reduction, in (0, 1)
     * @param patience      bad evaluations tolerated before reducing, >= 0
     * @param threshold     the least improvement that counts, >= 0
     * @param thresholdMode relative or absolute threshold
     * @param cooldown      evaluations to wait after a reduction, >= 0
     * @param min           the lowest scale, >= 0
     * @param eps           the least reduction applied, >= 0
     */
    public record Config(Mode mode, double factor, long patience, double threshold, ThresholdMode thresholdMode,
                         long cooldown, double min, double eps) {
        /** Checks the settings as listed above: a one-line {@link IllegalArgumentException} names the bad one. */
        public Config {
            if (mode == null || thresholdMode == null) throw new IllegalArgumentException("plateau: mode is null");
            if (!(factor > 0 && factor < 1)) throw new IllegalArgumentException("plateau: factor must be in (0, 1), got " + factor);
            if (patience < 0) throw new IllegalArgumentException("plateau: patience must be >= 0, got " + patience);
            Checks.nonNegative("plateau: threshold", threshold);
            if (cooldown < 0) throw new IllegalArgumentException("plateau: cooldown must be >= 0, got " + cooldown);
            Checks.nonNegative("plateau: min", min);
            Checks.nonNegative("plateau: eps", eps);
        }

        /** PyTorch's defaults: min, factor 0.1, patience 10, threshold 1e-4 rel, cooldown 0, min 0, eps 1e-8. */
        public static Config defaults() {
            return new Config(Mode.MIN, 0.1, 10, 1e-4, ThresholdMode.REL, 0, 0, 1e-8);
        }
    }

    private final Config config;
    private double scale = 1;
    private double best;
    private long bad;
    private long cooldownLeft;
    private long evaluations;

    /** A controller with these settings, at scale 1 and with no best metric yet. */
    public PlateauController(Config config) {
        this.config = config;
        this.best = worst();
    }

    private double worst() {
        return config.mode() == Mode.MIN ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
    }

    /** The settings. */
    public Config config() { return config; }

    /** The current scale. */
    public double scale() { return scale; }

    /** Evaluations observed so far. */
    public long evaluations() { return evaluations; }

    @Override
    public double at(long step) {
        return scale;
    }

    private boolean isBetter(double a) {
        double thr = config.threshold();
        boolean rel = config.thresholdMode() == ThresholdMode.REL;
        if (config.mode() == Mode.MIN) return rel ? a < best * (1. - thr) : a < best - thr;
        return rel ? a > best * (thr + 1.) : a > best + thr;
    }

    /** Feeds one evaluation's metric; a NaN metric counts as a bad evaluation (it is never better). */
    public void observe(double metric) {
        evaluations++;
        if (isBetter(metric)) {
            best = metric;
            bad = 0;
        } else {
            bad++;
        }
        if (cooldownLeft > 0) {
            cooldownLeft--;
            bad = 0;
        }
        if (bad > config.patience()) {
            double reduced = Math.max(scale * config.factor(), config.min());
            if (scale - reduced > config.eps()) scale = reduced;
            cooldownLeft = config.cooldown();
            bad = 0;
        }
    }

    /** The state, JSON-friendly: non-finite numbers are written as the strings "Infinity", "-Infinity", "NaN". */
    public Map<String, Object> state() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("scale", scale);
        s.put("best", Double.isFinite(best) ? (Object) best : Double.toString(best));
        s.put("bad", bad);
        s.put("cooldown", cooldownLeft);
        s.put("evaluations", evaluations);
        return s;
    }

    /** Restores what {@link #state()} returned (numbers may come back as any {@link Number} type). */
    public void restore(Map<String, Object> state) {
        double newScale = number(state, "scale");
        double newBest = number(state, "best");
        long newBad = whole(state, "bad");
        long newCooldown = whole(state, "cooldown");
        long newEvaluations = whole(state, "evaluations");
        if (!(newScale >= 0) || Double.isInfinite(newScale))
            throw new IllegalArgumentException("plateau state: scale must be a finite number >= 0, got " + newScale);
        scale = newScale;
        best = newBest;
        bad = newBad;
        cooldownLeft = newCooldown;
        evaluations = newEvaluations;
    }

    private static double number(Map<String, Object> state, String key) {
        Object v = state.get(key);
        if (v instanceof Number n) return n.doubleValue();
        if (v instanceof String s) {
            switch (s) {
                case "Infinity": return Double.POSITIVE_INFINITY;
                case "-Infinity": return Double.NEGATIVE_INFINITY;
                case "NaN": return Double.NaN;
                default:
                    if (Numbers.isNumber(s)) return Numbers.parse(s);
            }
        }
        throw new IllegalArgumentException("plateau state: '" + key + "' must be a number, got " + v);
    }

    private static long whole(Map<String, Object> state, String key) {
        double v = number(state, key);
        if (v != Math.rint(v) || v < 0)
            throw new IllegalArgumentException("plateau state: '" + key + "' must be a whole number >= 0, got " + v);
        return (long) v;
    }
}
