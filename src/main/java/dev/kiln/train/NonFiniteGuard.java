package dev.kiln.train;

/**
 * What the trainer does when a step's loss or gradient is NaN or infinite. With every guard but
 * {@link #OFF} the update kernel itself drops such a step ({@code UpdateScalars.skipNonFinite}: it reads
 * stats[GRAD_SQ] and stats[STEP_LOSS] on the device) and counts it in stats[SKIPPED], so the weights stay
 * finite and the host need not look at every step; the host reads the count once per epoch, at every log
 * interval a callback asks for, and at every checkpoint or rollback snapshot. {@link DivergencePolicy} is
 * the guard together with its rollback settings ({@code --on-divergence}).
 */
public enum NonFiniteGuard {
    /** Skip bad steps on the device, then stop the run with a {@link DivergenceException} at the next check. */
    STOP,
    /** Skip bad steps on the device and go on; {@link EpochResult#skippedSteps()} and {@link History#events()} count them. */
    SKIP,
    /**
     * Skip bad steps on the device; at the next check put back the last good state (a device-side snapshot of
     * parameters, optimizer state and accumulators, taken every checkpoint interval or epoch), multiply the
     * learning rate by the rollback factor from then on, and go on; give up after a bounded number of rollbacks.
     */
    ROLLBACK,
    /** No check: NaN and Inf flow into the weights (and the reported losses). */
    OFF
}
