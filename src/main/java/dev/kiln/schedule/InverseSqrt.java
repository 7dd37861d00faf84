package dev.kiln.schedule;

/**
 * Inverse square root decay on its own clock, HF {@code get_inverse_sqrt_schedule} after its warmup:
 * {@code f(t) = 1 / sqrt((t + scale) / scale)}, so {@code f(0) = 1}. HF's
 * {@code inverse_sqrt(num_warmup_steps=W, timescale=W)} is {@code warmup:W,from=0 > rsqrt:scale=W}.
 *
 * @param scale the timescale in steps, at least 1
 */
public record InverseSqrt(long scale) implements Schedule {
    /** Checks that the scale is at least 1 step. */
    public InverseSqrt {
        Checks.atLeast("rsqrt: scale", scale, 1);
    }

    @Override
    public double at(long step) {
        return 1.0 / Math.sqrt((double) (step + scale) / scale);
    }
}
