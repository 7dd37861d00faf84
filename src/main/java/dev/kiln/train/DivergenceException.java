package dev.kiln.train;

import java.nio.file.Path;

/**
 * Thrown by {@link Trainer#fit} when the {@link NonFiniteGuard#STOP} guard finds that steps had a NaN or
 * infinite loss or gradient, or when {@link NonFiniteGuard#ROLLBACK} has used up its rollbacks. Those steps
 * were skipped on the device, so the trainer's weights are finite and are those after the last good step.
 * The history up to the stop is attached, and the last checkpoint written before the bad steps (if any).
 */
public class DivergenceException extends RuntimeException {
    private final transient History history;
    /** The 0-based epoch in which the non-finite steps happened. */
    private final int epoch;
    /** The first and last global step of the window the guard checked. */
    private final long firstStep, lastStep;
    private final transient Path lastCheckpoint;

    DivergenceException(String message, History history, int epoch, long firstStep, long lastStep) {
        this(message, history, epoch, firstStep, lastStep, null);
    }

    DivergenceException(String message, History history, int epoch, long firstStep, long lastStep, Path lastCheckpoint) {
        super(message);
        this.history = history;
        this.epoch = epoch;
        this.firstStep = firstStep;
        this.lastStep = lastStep;
        this.lastCheckpoint = lastCheckpoint;
    }

    /** The history of the run until it stopped (the diverging epoch included when it had finished). */
    public History history() { return history; }

    /** The 0-based epoch in which the non-finite steps happened. */
    public int epoch() { return epoch; }

    /** The first global step of the window that the guard checked (the bad steps lie in [firstStep, lastStep]). */
    public long firstStep() { return firstStep; }

    /** The last global step of that window. */
    public long lastStep() { return lastStep; }

    /** The last checkpoint written before the bad steps, or null when none was. */
    public Path lastCheckpoint() { return lastCheckpoint; }
}
