package dev.kiln.report;

import dev.kiln.train.checkpoint.Durable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A run's output directory, built where nobody looks and moved into place whole: files are written into a
 * hidden sibling {@code .NAME.partial-RANDOM} of the target, and {@link #commit} renames that directory to
 * the target (one rename(2)). A run that fails before it commits is {@linkplain #close() removed}, together
 * with any parent directories it had to create, so a failed run leaves nothing behind; a shutdown hook does
 * the same when the JVM is stopped (Ctrl-C) in the middle of a run.
 *
 * <p>A target may already hold a {@value #CHECKPOINTS}{@code /} directory (the checkpoints of this run, written
 * there while it trains, or of the run it resumes). Then {@link #commit} moves each file of the hidden
 * directory into the target instead (each one rename(2), {@code model.safetensors} last, so a directory with
 * a model in it is a finished run) and never touches {@code checkpoints/}: renaming the checkpoints into the
 * hidden directory first would lose them if the process were killed in between.
 *
 * <pre>{@code
 * try (RunDirectory dir = RunDirectory.open(Path.of("runs/seed-20261128-101500"))) {
 *     AtomicFiles.writeString(dir.file("config.json"), json);
 *     ...
 *     dir.commit();
 * }
 * }</pre>
 */
public final class RunDirectory implements AutoCloseable {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");
    /** The one entry a target may already hold: the run's checkpoint directory. */
    public static final String CHECKPOINTS = "checkpoints";
    /** The file moved into a target last by {@link #commit}: its presence marks a finished run. */
    private static final String LAST = "model.safetensors";

    private final Path target;
    private final Path partial;
    private final Path createdParent;   // the highest parent directory this run created, or null
    private final Thread cleanup;
    private boolean committed, closed;

    private RunDirectory(Path target, Path partial, Path createdParent) {
        this.target = target;
        this.partial = partial;
        this.createdParent = createdParent;
        this.cleanup = new Thread(this::discard, "kiln-run-directory-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
    }

    /**
     * The default place of a run: {@code base/NAME-yyyyMMdd-HHmmss}, with {@code -2}, {@code -3}, ... appended
     * when a run of the same name started in the same second.
     */
    public static Path defaultTarget(Path base, String name, LocalDateTime now) {
        String stem = name + "-" + STAMP.format(now);
        Path p = base.resolve(stem);
        for (int i = 2; Files.exists(p); i++) p = base.resolve(stem + "-" + i);
        return p;
    }

    /**
     * Checks that {@code target} can receive a run: it does not exist, or it is a directory that is empty or
     * holds only a {@value #CHECKPOINTS}{@code /} directory.
     *
     * @throws IllegalArgumentException naming the target and the first other entry otherwise
     */
    public static void checkTarget(Path target) {
        if (!Files.exists(target)) return;
        if (!Files.isDirectory(target)) throw new IllegalArgumentException(target + " exists and is not a directory");
        try (DirectoryStream<Path> s = Files.newDirectoryStream(target)) {
            for (Path p : s) {
                if (p.getFileName().toString().equals(CHECKPOINTS) && Files.isDirectory(p)) continue;
                throw new IllegalArgumentException(target + " already exists and is not empty (it holds " + p.getFileName()
                        + "; only a " + CHECKPOINTS + "/ directory may be there)");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + target + ": " + e.getMessage(), e);
        }
    }

    /** Creates the hidden working directory for {@code target} (after {@link #checkTarget}). */
    public static RunDirectory open(Path target) {
        checkTarget(target);
        Path abs = target.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        Path created = null;
        try {
            for (Path p = parent; p != null && !Files.exists(p); p = p.getParent()) created = p;
            Files.createDirectories(parent);
            Path partial = AtomicFiles.createHidden(parent, "." + abs.getFileName() + ".partial-", "", true);
            return new RunDirectory(abs, partial, created);
        } catch (IOException e) {
            deleteEmptyUpTo(parent, created);
            throw new UncheckedIOException("cannot create a run directory beside " + target + ": " + e.getMessage(), e);
        }
    }

    /** Where files go now: the hidden directory before {@link #commit}, the target after. */
    public Path path() { return committed ? target : partial; }

    /** A file of the run, e.g. {@code file("metrics.csv")}. */
    public Path file(String name) { return path().resolve(name); }

    /** The final place of the run. */
    public Path target() { return target; }

    /** Whether {@link #commit} has moved the run into place. */
    public boolean committed() { return committed; }

    /**
     * Moves the finished run into place: renames the hidden directory to the target (replacing an empty
     * directory there), or, when the target holds {@code checkpoints/}, moves each entry into it, leaving
     * {@code checkpoints/} as it is.
     */
    public void commit() {
        if (closed) throw new IllegalStateException("run directory " + target + " was already closed");
        if (committed) return;
        try {
            if (Files.isDirectory(target)) {
                checkTarget(target);
                if (Files.exists(target.resolve(CHECKPOINTS))) {
                    moveEntries();
                } else {
                    Files.delete(target);
                    move(partial, target);
                }
            } else {
                move(partial, target);
            }
            // make the renames durable, not only atomic (the checkpoint writer's protocol)
            Durable.syncDirectory(target);
            if (target.toAbsolutePath().getParent() != null) Durable.syncDirectory(target.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move the run into " + target + ": " + e.getMessage(), e);
        }
        committed = true;
        removeHook();
    }

    /** Moves every entry of the hidden directory into the target ({@value #LAST} last), then removes it. */
    private void moveEntries() throws IOException {
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(partial)) {
            for (Path p : s) entries.add(p);
        }
        entries.sort(Comparator.comparing((Path p) -> p.getFileName().toString().equals(LAST)).thenComparing(Path::getFileName));
        for (Path p : entries) {
            if (p.getFileName().toString().equals(CHECKPOINTS))
                throw new IOException(partial + " holds a " + CHECKPOINTS + "/ of its own, which would replace the run's");
            move(p, target.resolve(p.getFileName().toString()));
        }
        Files.delete(partial);
    }

    /** One rename(2); a plain move where the file system cannot rename atomically. */
    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    /** Removes the working directory unless the run was committed. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        removeHook();
        discard();
    }

    private void discard() {
        if (committed) return;
        try {
            Durable.deleteTree(partial);
        } catch (IOException ignored) {
            // best effort: a hidden partial directory is all that can remain
        }
        deleteEmptyUpTo(partial.getParent(), createdParent);
    }

    private void removeHook() {
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException ignored) {
            // the JVM is shutting down: the hook runs (or ran) discard(), which is idempotent
        }
    }

    /** Deletes {@code dir} and its empty parents up to and including {@code top} (when this run created them). */
    private static void deleteEmptyUpTo(Path dir, Path top) {
        if (top == null) return;
        for (Path p = dir; p != null && p.startsWith(top); p = p.getParent()) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                return;   // not empty (someone else wrote there): keep it and its parents
            }
        }
    }
}
