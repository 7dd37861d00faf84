package dev.kiln.train.checkpoint;

/**
 * A checkpoint that cannot be read or used: a missing or truncated file, a {@code state.json} that is not
 * what Kiln writes (the message names the file and the key), tensors of the wrong shape, or a checkpoint of
 * another model or run. It is bad input, so it extends {@link IllegalArgumentException} (exit 2 in the CLI).
 */
public class CheckpointException extends IllegalArgumentException {
    /** An unusable checkpoint, described by {@code message}. */
    public CheckpointException(String message) { super(message); }
    /** An unusable checkpoint, described by {@code message}, caused by {@code cause}. */
    public CheckpointException(String message, Throwable cause) { super(message, cause); }
}
