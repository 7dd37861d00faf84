package dev.kiln.schedule;

/**
 * Warmup-stable-decay (MiniCPM; HF {@code get_wsd_schedule}): with {@code m = min} and {@code W, S, D} the
 * phase lengths, for {@code t < W}: {@code p = t / max(1, W)}, {@code f = shape_w(p) * (1 - m) + m}; then 1
 * for {@code S} steps; then for {@code D} steps {@code p = (t - W - S) / max(1, D)},
 * {@code f = shape_d(p) * (1 - m) + m}; afterwards {@code m}. Warmup shapes: linear {@code p}, cosine
 * {@code (1 - cos(pi p)) / 2}, 1-sqrt {@code 1 - sqrt(1 - p)}; decay (cooldown) shapes: linear
 * {@code 1 - p}, cosine {@code (1 + cos(pi p)) / 2}, 1-sqrt {@code 1 - sqrt(p)}. Values are floored at 0 as
 * in HF. The warmup starts at {@code m}, as HF's does.
 *
 * @param warmup      W, steps of warmup
 * @param stable      S, steps at 1
 * @param decay       D, steps of cooldown
 * @param warmupShape the warmup curve
 * @param decayShape  the cooldown curve
 * @param min         m, the multiplier at the start of the warmup and after the cooldown
 */
public record Wsd(long warmup, long stable, long decay, Shape warmupShape, Shape decayShape, double min)
        implements Schedule {
    /** The curve of a ramp. */
    public enum Shape {
        /** Straight line. */
        LINEAR,
        /** Half cosine. */
        COSINE,
        /** The square-root cooldown of Hägele et al. 2024. */
        ONE_MINUS_SQRT
    }

    /** Checks the parameters: the three lengths at least 0 steps, both shapes given, min finite. */
    public Wsd {
        Checks.atLeast("wsd: warmup", warmup, 0);
        Checks.atLeast("wsd: stable", stable, 0);
        Checks.atLeast("wsd: decay", decay, 0);
        if (warmupShape == null || decayShape == null) throw new IllegalArgumentException("wsd: shape is null");
        Checks.finite("wsd: min", min);
    }

    @Override
    public double at(long step) {
        if (step < warmup) {
            double p = (double) step / Math.max(1, warmup);
            double f = switch (warmupShape) {
                case LINEAR -> p;
                case COSINE -> 0.5 * (1.0 - Math.cos(Math.PI * p));
                case ONE_MINUS_SQRT -> 1.0 - Math.sqrt(1.0 - p);
            };
            return Math.max(0.0, f * (1.0 - min) + min);
        }
        if (step < warmup + stable) return 1.0;
        if (step < warmup + stable + decay) {
            double p = (double) (step - warmup - stable) / Math.max(1, decay);
            double f = switch (decayShape) {
                case LINEAR -> 1.0 - p;
                case COSINE -> 0.5 * (1.0 + Math.cos(Math.PI * p));
                case ONE_MINUS_SQRT -> 1.0 - Math.sqrt(p);
            };
            return Math.max(0.0, f * (1.0 - min) + min);
        }
        return min;
    }
}
