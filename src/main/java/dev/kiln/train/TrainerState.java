package dev.kiln.train;

import java.util.Map;

/**
 * Everything besides parameters and optimizer state that a run needs to continue bit-identically, even
 * from the middle of an epoch: the batch order of any epoch is a pure function of (seed, epoch), dropout
 * masks of (seed, counter), and the schedule of the step plus its controller state. The epoch's partial
 * accumulators are the float values of the device's stats slots, carried exactly.
 *
 * @param seed           the run seed (shuffles and dropout derive from it)
 * @param step           optimizer steps done (the next step's global index)
 * @param epoch          the current epoch (0-based)
 * @param stepInEpoch    steps of the current epoch already done (its next batch starts at stepInEpoch * batchSize)
 * @param dropoutCounter the dropout generator's running element counter
 * @param batchSize      the batch size the position refers to
 * @param trainRows      rows of the training set the position refers to
 * @param lossSum        stats[LOSS_SUM] of the current epoch so far
 * @param correct        stats[CORRECT] of the current epoch so far
 * @param rows           stats[ROWS] of the current epoch so far
 * @param skipped        stats[SKIPPED] of the whole run so far
 * @param schedule       the bound schedule's controller state ({@code BoundSchedule.state()})
 */
public record TrainerState(long seed, long step, int epoch, int stepInEpoch, long dropoutCounter,
                           int batchSize, int trainRows,
                           float lossSum, float correct, float rows, float skipped,
                           Map<String, Object> schedule) {
    /** Checks that no counter is negative and copies the schedule state in its order (null becomes empty). */
    public TrainerState {
        if (step < 0 || epoch < 0 || stepInEpoch < 0 || dropoutCounter < 0)
            throw new IllegalArgumentException("trainer state: negative counter in " + step + "/" + epoch + "/" + stepInEpoch + "/" + dropoutCounter);
        schedule = schedule == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(schedule));
    }
}
