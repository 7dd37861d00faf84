package dev.kiln.schedule;

/**
 * The length of a run, which turns durations written in epochs ("30ep") or fractions of the run ("30%")
 * into steps.
 *
 * @param stepsPerEpoch optimizer steps in one epoch (ceil(rows / batch): the last partial batch counts)
 * @param totalSteps    steps in the whole run (epochs * stepsPerEpoch)
 */
public record RunPlan(long stepsPerEpoch, long totalSteps) {
    /** Checks that {@code stepsPerEpoch >= 1} and {@code totalSteps >= 0}. */
    public RunPlan {
        if (stepsPerEpoch < 1) throw new IllegalArgumentException("stepsPerEpoch must be >= 1, got " + stepsPerEpoch);
        if (totalSteps < 0) throw new IllegalArgumentException("totalSteps must be >= 0, got " + totalSteps);
    }

    /**
     * The plan of {@code epochs} epochs over {@code rows} rows in batches of {@code batch}.
     *
     * @throws IllegalArgumentException when the run has more than {@link Long#MAX_VALUE} steps
     */
    public static RunPlan of(long rows, int batch, int epochs) {
        if (batch < 1) throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        long spe = Math.max(1, rows / batch + (rows % batch == 0 ? 0 : 1));
        if (epochs > 0 && spe > Long.MAX_VALUE / epochs)
            throw new IllegalArgumentException(epochs + " epochs of " + spe + " steps is more than " + Long.MAX_VALUE + " steps");
        return new RunPlan(spe, spe * epochs);
    }
}
