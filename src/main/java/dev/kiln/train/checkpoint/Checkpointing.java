package dev.kiln.train.checkpoint;

import dev.kiln.data.Dataset;
import dev.kiln.train.History;
import dev.kiln.train.Interval;
import dev.kiln.train.Trainer;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;

/**
 * Checkpointing and resume for one run, as {@code kiln train} sets them up: where checkpoints go, how often,
 * how many are kept, and which checkpoint to continue from. {@link #attach} wires it into a {@link Trainer};
 * {@link #fit} trains with SIGINT/SIGTERM turned into a checkpoint and a clean stop.
 *
 * <pre>{@code
 * Checkpointing ck = new Checkpointing().every(Interval.parse("500")).runDirectory(Path.of("runs/a"));
 * try (Trainer t = new Trainer(backend, model, config)) {
 *     ck.attach(t);
 *     History h = ck.fit(t, train, validation, System.err);
 *     t.interruption().ifPresent(i -> { System.err.println(i.message()); System.exit(i.exitCode()); });
 * }
 * }</pre>
 *
 * Defaults: checkpoints go to {@code --checkpoint-dir}; else, for a run resumed from a checkpoint outside any
 * run's {@code checkpoints/} (a former {@code --checkpoint-dir}), beside it; else to
 * {@code <run dir>/checkpoints} (beside the checkpoint when the run continues in its own directory); else,
 * with no run directory, beside the checkpoint resumed from; the interval and the number kept of a resumed run are those it was written
 * with unless given again; without an interval a checkpoint is written only when a signal stops the run.
 */
public final class Checkpointing {
    private Interval every;
    private Path directory, runDirectory, resume;
    private Integer keep;
    private boolean replan;
    private Map<String, Object> config;
    private CheckpointWriter.FileHook hook;
    private Checkpoint resumed;
    private CheckpointWriter writer;

    /** Checkpointing off, nothing to resume: configure with the setters. */
    public Checkpointing() {}

    /** Write a checkpoint every {@code interval} steps or epochs (null: only when a signal stops the run). */
    public Checkpointing every(Interval interval) { every = interval; return this; }

    /** The checkpoint directory ({@code --checkpoint-dir}); null for the default. */
    public Checkpointing directory(Path dir) { directory = dir; return this; }

    /** The run directory, whose {@code checkpoints/} is the default checkpoint directory. */
    public Checkpointing runDirectory(Path dir) { runDirectory = dir; return this; }

    /** Keep the newest {@code k} checkpoints (default 3). */
    public Checkpointing keep(int k) {
        if (k < 1) throw new IllegalArgumentException("--keep must be >= 1, got " + k);
        keep = k;
        return this;
    }

    /** The resolved configuration stored with each checkpoint ({@code config.json}). */
    public Checkpointing config(Map<String, Object> resolved) { config = resolved; return this; }

    /**
     * Continue from {@code checkpoint} (a step directory, a checkpoint directory or a run directory); with
     * {@code replan}, a different number of epochs or schedule re-plans the schedule instead of being refused.
     */
    public Checkpointing resumeFrom(Path checkpoint, boolean replan) {
        resume = checkpoint;
        this.replan = replan;
        resumed = null;
        return this;
    }

    /** A hook called after each checkpoint file is written (fault injection in tests). */
    public Checkpointing onFileWritten(CheckpointWriter.FileHook h) { hook = h; return this; }

    /**
     * The checkpoint to resume from, read and checked (once; later calls return the same), or null when none
     * was asked for. Call it early: a bad checkpoint is bad input, best reported before a device is opened.
     *
     * @throws CheckpointException naming the file and what is wrong
     */
    public Checkpoint resumePoint() {
        if (resume == null) return null;
        if (resumed == null) resumed = Checkpoint.load(resume);
        return resumed;
    }

    /**
     * Where checkpoints go, or null when nowhere is known (no directory, no resume, no run directory). A resumed
     * run writes beside its checkpoint when that lies in a {@code --checkpoint-dir}, or in another run's
     * {@code checkpoints/} only when no run directory is given; with one, into its own {@code checkpoints/}, so
     * that continuing a run into a new directory never adds to or prunes the checkpoints of the run it came from.
     */
    public Path checkpointDirectory() {
        if (directory != null) return directory;
        Checkpoint r = resumePoint();
        if (r != null) {
            Path beside = r.directory().toAbsolutePath().normalize().getParent();
            boolean inARun = beside.getFileName() != null && beside.getFileName().toString().equals(Checkpoint.RUN_SUBDIRECTORY);
            if (!inARun || runDirectory == null) return beside;
        }
        if (runDirectory != null) return runDirectory.resolve(Checkpoint.RUN_SUBDIRECTORY);
        return null;
    }

    /** The interval in force: the one given, else the resumed checkpoint's, else null (only on signals). */
    public Interval interval() {
        if (every != null) return every;
        Checkpoint r = resumePoint();
        return r != null ? r.state().every() : null;
    }

    /**
     * Resumes {@code trainer} from the checkpoint asked for (if any) and makes it write checkpoints.
     *
     * @return the checkpoint resumed from, or null
     * @throws IllegalArgumentException when the checkpoint does not fit the trainer (another model, run length, ...)
     * @throws IllegalStateException    when an interval is given but no checkpoint directory is known
     */
    public Checkpoint attach(Trainer trainer) {
        Checkpoint r = resumePoint();
        if (r != null) {
            try {
                trainer.resume(r.snapshot(), replan, r.directory());
            } catch (CheckpointException e) {
                throw e;
            } catch (IllegalArgumentException e) {
                throw new CheckpointException(r.directory() + ": " + e.getMessage(), e);
            }
        }
        Path dir = checkpointDirectory();
        Interval interval = interval();
        if (dir == null) {
            if (interval != null)
                throw new IllegalStateException("checkpoints every " + interval + " need a checkpoint directory (--checkpoint-dir) or a run directory");
            trainer.checkpointing(null, null);
            return r;
        }
        int k = keep != null ? keep : r != null ? r.state().keep() : CheckpointWriter.DEFAULT_KEEP;
        writer = new CheckpointWriter(dir, k, config).every(interval).onFileWritten(hook);
        trainer.checkpointing(interval, writer);
        return r;
    }

    /** The writer {@link #attach} installed, or null. */
    public CheckpointWriter writer() { return writer; }

    /**
     * {@link Trainer#fit} with SIGINT and SIGTERM handled ({@link StopSignals}): on a signal the trainer ends
     * after the current step with a checkpoint there, and {@link Trainer#interruption()} says where.
     */
    public History fit(Trainer trainer, Dataset train, Dataset validation, PrintStream err) {
        try (StopSignals signals = StopSignals.install(trainer, err)) {
            return trainer.fit(train, validation);
        }
    }
}
