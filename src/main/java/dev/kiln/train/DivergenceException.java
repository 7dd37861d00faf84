package dev.kiln.train;

/**
 * Thrown by {@link Trainer#fit} when the {@link NonFiniteGuard#STOP} guard finds that steps had a NaN or
 * infinite loss or gradient. Those steps were skipped on the device, so the trainer's weights are finite
 * and are those after the last good step. The history up to the stop is attached.
 */
public class DivergenceException extends RuntimeException {
    private final transient History history;
    private final int epoch;
    private final long firstStep, lastStep;

    DivergenceException(String message, History history, int epoch, long firstStep, long lastStep) {
        super(message);
        this.history = history;
        this.epoch = epoch;
        this.firstStep = firstStep;
        this.lastStep = lastStep;
    }

    /** The history of the run until it stopped (the diverging epoch included when it had finished). */
    public History history() { return history; }

    /** The 0-based epoch in which the non-finite steps happened. */
    public int epoch() { return epoch; }

    /** The first global step of the window that the guard checked (the bad steps lie in [firstStep, lastStep]). */
    public long firstStep() { return firstStep; }

    /** The last global step of that window. */
    public long lastStep() { return lastStep; }
}
