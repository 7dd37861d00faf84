package dev.kiln.train;

import dev.kiln.nn.Model;
import dev.kiln.schedule.RunPlan;

/**
 * What a {@link Callback} may see and do during {@link Trainer#fit}. Methods that read device memory say
 * so; they synchronise with the device, so call them only when needed.
 */
public interface TrainingContext {
    /** The model being trained. */
    Model model();

    /** The run's configuration. */
    TrainConfig config();

    /** The run's length in steps. */
    RunPlan plan();

    /** The history so far. */
    History history();

    /** The resumable state after the last queued step (reads the device's accumulators). */
    TrainerState state();

    /**
     * Whether the run evaluates validation data after each epoch (a validation set or split). A validation
     * loss can be NaN in a run that has validation data (a diverged model); this says whether there is any.
     * The default, for contexts other than the trainer's, reads it from the last epoch of the history and
     * answers true before the first.
     */
    default boolean hasValidation() {
        return history().last().map(EpochResult::hasValidation).orElse(true);
    }

    /** A host copy of the current parameters (reads the device). */
    float[] parameters();

    /** Ends the run before the next step; {@code reason} goes into {@link History#stopReason()}. */
    void stop(String reason);

    /** Copies the current parameters into a device-side snapshot (no host transfer). */
    void snapshotParameters();

    /** Copies the snapshot back into the parameters; false if no snapshot was taken. */
    boolean restoreSnapshot();
}
