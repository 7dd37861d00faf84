package dev.kiln.train;

import java.nio.file.Path;

/**
 * Why and where a run stopped on request ({@link Trainer#requestStop}: SIGINT, SIGTERM): the signal, the
 * number of steps done, and the checkpoint written there (null when checkpointing was off).
 *
 * @param signal     "INT", "TERM" or another name the requester gave
 * @param step       optimizer steps done when the run stopped
 * @param epoch      the epoch it stopped in (0-based)
 * @param checkpoint the checkpoint directory written at that step, or null
 */
public record Interruption(String signal, long step, int epoch, Path checkpoint) {
    /** The conventional exit code: 128 + the signal number (130 for INT, 143 for TERM), else 1. */
    public int exitCode() {
        return switch (signal) {
            case "INT" -> 130;
            case "TERM" -> 143;
            case "HUP" -> 129;
            default -> 1;
        };
    }

    /**
     * The one line to print, e.g. {@code kiln: interrupted at step 120; checkpoint written to
     * runs/a/checkpoints/step-120; resume with: kiln train --resume runs/a/checkpoints/step-120}.
     */
    public String message() {
        if (checkpoint == null)
            return "kiln: interrupted at step " + step + " (SIG" + signal + "); no checkpoint written (checkpointing is off)";
        return "kiln: interrupted at step " + step + "; checkpoint written to " + checkpoint + "; resume with: kiln train --resume " + checkpoint;
    }
}
