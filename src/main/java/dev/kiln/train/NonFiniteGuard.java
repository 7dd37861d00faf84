package dev.kiln.train;

/**
 * What the trainer does when a step's loss or gradient is NaN or infinite. With {@link #STOP} and
 * {@link #SKIP} the update kernel itself drops such a step ({@code UpdateScalars.skipNonFinite}: it reads
 * stats[GRAD_SQ] and stats[STEP_LOSS] on the device) and counts it in stats[SKIPPED], so the weights stay
 * finite and the host need not look at every step; the host reads the count once per epoch (and at every
 * log interval a callback asks for).
 */
public enum NonFiniteGuard {
    /** Skip bad steps on the device, then stop the run with a {@link DivergenceException} at the next check. */
    STOP,
    /** Skip bad steps on the device and go on; {@link EpochResult#skippedSteps()} counts them. */
    SKIP,
    /** No check: NaN and Inf flow into the weights (and the reported losses). */
    OFF
}
