package dev.kiln.train;

/**
 * Hooks into {@link Trainer#fit}. Every method has an empty default. The step hook runs on the host
 * after each update has been queued and forces no device synchronisation; a callback that wants the
 * running training loss says how often with {@link #logEvery()}, and only then does the trainer read the
 * device's accumulators (one small download per interval).
 */
public interface Callback {
    /** Before the first step of {@code fit}. */
    default void onTrainBegin(TrainingContext ctx) {}

    /** After step {@code step} (0-based, global) was queued with learning rate {@code lr}. No sync. */
    default void onStep(long step, double lr, TrainingContext ctx) {}

    /** Steps between {@link #onLog} calls; 0 (the default) means never. */
    default int logEvery() { return 0; }

    /** Every {@link #logEvery()} steps: the loss of the rows since the previous log of this callback. */
    default void onLog(StepLog log, TrainingContext ctx) {}

    /** After each finished epoch (validation included). {@link TrainingContext#stop} ends the run here. */
    default void onEpochEnd(EpochResult result, TrainingContext ctx) {}

    /** After the run, however it ended (not after an exception). */
    default void onTrainEnd(History history, TrainingContext ctx) {}
}
