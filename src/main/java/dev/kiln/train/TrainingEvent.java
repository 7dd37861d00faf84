package dev.kiln.train;

/**
 * Something the divergence guard did during a run, kept in {@link History#events()} (and in checkpoints):
 * non-finite steps skipped, a rollback, giving up.
 *
 * @param kind      what happened
 * @param epoch     the epoch in which it was detected (0-based)
 * @param firstStep the first global step of the window the guard checked
 * @param lastStep  the last global step of that window
 * @param steps     the number of non-finite (skipped) steps in the window
 * @param toStep    for a rollback, the step the run went back to (the next step it trains); else -1
 * @param lrScale   the learning-rate multiplier in force after the event (1 until a rollback)
 */
public record TrainingEvent(Kind kind, int epoch, long firstStep, long lastStep, long steps, long toStep, double lrScale) {
    /** The kinds of events. */
    public enum Kind {
        /** Non-finite steps were skipped (their updates dropped) and training went on. */
        SKIP,
        /** The last good state was restored and the learning rate lowered. */
        ROLLBACK,
        /** The run stopped because of non-finite steps. */
        STOP
    }

    /** One line for logs, e.g. {@code rollback: 3 non-finite steps in 40-59 (epoch 2); back to step 40, lr x0.5}. */
    public String describe() {
        String window = firstStep == lastStep ? "step " + firstStep : "steps " + firstStep + "-" + lastStep;
        String base = steps + " non-finite step" + (steps == 1 ? "" : "s") + " in " + window + " (epoch " + epoch + ")";
        return switch (kind) {
            case SKIP -> "skip: " + base + " dropped";
            case ROLLBACK -> "rollback: " + base + "; back to step " + toStep + ", learning rate x" + lrScale + " from now on";
            case STOP -> "stop: " + base;
        };
    }
}
