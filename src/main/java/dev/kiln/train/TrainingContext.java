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

    /** A host copy of the current parameters (reads the device). */
    float[] parameters();

    /** Ends the run before the next step; {@code reason} goes into {@link History#stopReason()}. */
    void stop(String reason);

    /** Copies the current parameters into a device-side snapshot (no host transfer). */
    void snapshotParameters();

    /** Copies the snapshot back into the parameters; false if no snapshot was taken. */
    boolean restoreSnapshot();
}
