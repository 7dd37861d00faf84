package dev.kiln.cli;

import dev.kiln.data.NanPolicy;
import dev.kiln.train.DivergencePolicy;
import dev.kiln.train.Interruption;
import dev.kiln.train.Interval;
import dev.kiln.train.TrainConfig;
import dev.kiln.train.Trainer;
import dev.kiln.train.checkpoint.Checkpoint;
import dev.kiln.train.checkpoint.Checkpointing;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The crash-safety flags of {@code kiln train}, a picocli mixin ({@code @Mixin CheckpointOptions checkpoint}):
 * checkpoints ({@code --checkpoint-every}, {@code --checkpoint-dir}, {@code --keep}), resume ({@code --resume},
 * {@code --replan}), the divergence policy ({@code --on-divergence}) and what to do with NaN/Inf in the data
 * ({@code --nan-policy}). Every value is checked by the accessors, which throw {@link CliException#usage}
 * naming the flag; {@code docs/crash-safety.md} says how a command uses them.
 */
public final class CheckpointOptions {
    @Option(names = "--checkpoint-every", paramLabel = "N|Nep", order = 70,
            description = "Write a checkpoint every N steps, or every N epochs with Nep (e.g. 500, 2ep). Without it,"
                    + " a checkpoint is written only when SIGINT/SIGTERM stops the run.")
    String every;

    @Option(names = "--checkpoint-dir", paramLabel = "DIR", order = 71,
            description = "Where checkpoints go (default: <run dir>/checkpoints, or beside the checkpoint resumed from).")
    Path directory;

    @Option(names = "--keep", paramLabel = "K", order = 72, description = "Keep the newest K checkpoints (default: 3).")
    Integer keep;

    @Option(names = "--resume", paramLabel = "DIR", order = 73,
            description = "Continue from a checkpoint: a step-N directory, a checkpoint directory (its newest) or a run"
                    + " directory. Its settings are the defaults; the run ends bit-identical to one never stopped.")
    Path resume;

    @Option(names = "--replan", order = 74,
            description = "With --resume: accept a different number of epochs or schedule and re-plan the schedule"
                    + " for the new run length (otherwise refused).")
    boolean replan;

    @Option(names = "--on-divergence", paramLabel = "POLICY", order = 75,
            description = "NaN/Inf loss or gradient: stop (default: stop, naming the steps; the last good checkpoint"
                    + " stays), skip (drop those updates, count them), rollback[:FACTOR] (go back to the last good"
                    + " state, multiply the learning rate by FACTOR, default 0.5; at most 5 times) or off (no check)."
                    + " Config key on-divergence.")
    String onDivergence;

    @Option(names = "--nan-policy", paramLabel = "POLICY", order = 76,
            description = "NaN/Inf in CSV data: reject (default; names file:line:column) or drop (drops those rows and"
                    + " says how many). Config key nan-policy.")
    String nanPolicy;

    /** The checkpoint interval, or null when none was given. */
    public Interval interval() {
        if (every == null) return null;
        try {
            return Interval.parse(every);
        } catch (IllegalArgumentException e) {
            throw CliException.usage("--checkpoint-every", e);
        }
    }

    /** The divergence policy (default {@code stop}). */
    public DivergencePolicy divergence() {
        if (onDivergence == null) return DivergencePolicy.stop();
        try {
            return DivergencePolicy.parse(onDivergence);
        } catch (IllegalArgumentException e) {
            throw CliException.usage("--on-divergence", e);
        }
    }

    /** The NaN policy for data readers (default {@link NanPolicy#REJECT}). */
    public NanPolicy nanPolicy() {
        if (nanPolicy == null) return NanPolicy.REJECT;
        try {
            return NanPolicy.parse(nanPolicy);
        } catch (IllegalArgumentException e) {
            throw CliException.usage("--nan-policy", e);
        }
    }

    /** Whether {@code --resume} was given. */
    public boolean resuming() { return resume != null; }

    /**
     * Checks every flag and, with {@code --resume}, reads and checks the checkpoint; call it first, before any
     * data is read or device opened, so that a bad flag or checkpoint fails at once (exit 2, nothing written).
     *
     * @return the checkpoint's {@code config.json} (the resumed run's settings, to layer under the flags like a
     *         {@code --config} file), or empty without {@code --resume} or when the checkpoint has none
     */
    public Optional<Path> validate() {
        interval();
        divergence();
        nanPolicy();
        if (keep != null && keep < 1) throw CliException.usage("--keep: must be >= 1, got " + keep);
        if (replan && resume == null) throw CliException.usage("--replan: only with --resume");
        if (directory != null) checkWritable(directory);
        if (resume == null) return Optional.empty();
        return resumePoint().configFile();
    }

    /**
     * A checkpoint directory that cannot be written is found now, not at the first checkpoint after epochs of
     * training: the directory, or the nearest existing directory above it, must be a writable directory.
     */
    private static void checkWritable(Path dir) {
        Path p = dir.toAbsolutePath().normalize();
        while (p != null && !java.nio.file.Files.exists(p)) p = p.getParent();
        if (p == null) return;
        if (!java.nio.file.Files.isDirectory(p))
            throw CliException.usage("--checkpoint-dir: " + dir + ": " + p + " is not a directory");
        if (!java.nio.file.Files.isWritable(p))
            throw CliException.usage("--checkpoint-dir: " + dir + ": cannot write in " + p + " (permission denied)");
    }

    private Checkpointing checkpointing;

    private Checkpointing checkpointing() {
        if (checkpointing == null) {
            Checkpointing c = new Checkpointing().every(interval()).directory(directory);
            if (keep != null) c.keep(keep);
            if (resume != null) c.resumeFrom(resume, replan);
            checkpointing = c;
        }
        return checkpointing;
    }

    /** The checkpoint {@code --resume} names, read and checked once; null without {@code --resume}. */
    public Checkpoint resumePoint() {
        try {
            return checkpointing().resumePoint();
        } catch (IllegalArgumentException e) {
            throw CliException.usage("--resume", e);
        }
    }

    /** {@code config} with the divergence policy of {@code --on-divergence}. */
    public TrainConfig configure(TrainConfig config) {
        return config.toBuilder().divergence(divergence()).build();
    }

    /**
     * Makes {@code trainer} resume (with {@code --resume}) and write checkpoints into {@code --checkpoint-dir}, or
     * {@code runDirectory/checkpoints} (never another run's), or beside a resumed checkpoint that lies outside any
     * run ({@link Checkpointing#checkpointDirectory()}).
     *
     * @param runDirectory the run's final directory (its target, not a hidden work directory)
     * @param resolved     the run's resolved configuration, stored as each checkpoint's {@code config.json}
     * @throws CliException (exit 2) when the checkpoint does not fit this run, naming what differs
     */
    public void attach(Trainer trainer, Path runDirectory, Map<String, Object> resolved) {
        Checkpointing c = checkpointing().runDirectory(runDirectory).config(resolved);
        try {
            c.attach(trainer);
        } catch (IllegalArgumentException e) {
            throw CliException.usage("--resume", e);
        }
    }

    /** Where checkpoints go once {@link #attach}ed (null when nowhere). */
    public Path checkpointDirectory() { return checkpointing().checkpointDirectory(); }

    /**
     * {@link Trainer#fit} with SIGINT/SIGTERM turned into "finish the step, write a checkpoint, stop".
     */
    public dev.kiln.train.History fit(Trainer trainer, dev.kiln.data.Dataset train, dev.kiln.data.Dataset validation) {
        return checkpointing().fit(trainer, train, validation, System.err);
    }

    /**
     * After {@link #fit}: when a signal stopped the run, prints the one line ({@code kiln: interrupted at step N;
     * checkpoint written to DIR; resume with: kiln train --resume DIR}) on {@code err} and returns the exit code
     * (130 for SIGINT, 143 for SIGTERM); else empty.
     */
    public Optional<Integer> interrupted(Trainer trainer, PrintWriter err) {
        Optional<Interruption> i = trainer.interruption();
        if (i.isEmpty()) return Optional.empty();
        err.println(i.get().message());
        err.flush();
        return Optional.of(i.get().exitCode());
    }
}
