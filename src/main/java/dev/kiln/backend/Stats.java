package dev.kiln.backend;

/**
 * Slots of the small device-resident statistics buffer ({@code backend.alloc(Stats.SIZE)}). Accumulators are
 * summed on the device over many steps and read back once per epoch or log interval (DESIGN.md: nothing
 * in the step loop copies to the host).
 */
public final class Stats {
    private Stats() {}

    /** Sum of row losses since the last reset. */
    public static final int LOSS_SUM = 0;
    /** Number of correctly classified rows since the last reset. */
    public static final int CORRECT = 1;
    /** Sum of squared gradients of the current step (written by {@link Backend#sumSquares}). */
    public static final int GRAD_SQ = 2;
    /** Number of steps whose update was skipped because a gradient or the loss was not finite. */
    public static final int SKIPPED = 3;
    /** Number of rows seen since the last reset. */
    public static final int ROWS = 4;
    /** Loss sum of the current step only (reset by the trainer before each step's loss). */
    public static final int STEP_LOSS = 5;
    /** Size of the buffer. */
    public static final int SIZE = 8;
}
