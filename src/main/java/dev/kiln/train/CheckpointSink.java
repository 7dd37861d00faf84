package dev.kiln.train;

import java.nio.file.Path;

/**
 * Where {@link Trainer#fit} sends checkpoints ({@link Trainer#checkpointing}). The trainer calls
 * {@link #write} at step or epoch boundaries, with host copies of everything a resume needs; the sink
 * writes them durably (e.g. {@code dev.kiln.train.checkpoint.CheckpointWriter}) and says where.
 */
@FunctionalInterface
public interface CheckpointSink {
    /**
     * Writes the snapshot; returns the checkpoint's location. A failure must leave earlier checkpoints intact.
     *
     * @throws java.io.UncheckedIOException when the checkpoint cannot be written
     */
    Path write(TrainingSnapshot snapshot);
}
