package dev.kiln.train.checkpoint;

import dev.kiln.nn.Safetensors;
import dev.kiln.nn.Weights;
import dev.kiln.optim.OptimizerState;
import dev.kiln.optim.Optimizers;
import dev.kiln.train.CheckpointSink;
import dev.kiln.train.TrainingSnapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes checkpoints ({@link Checkpoint} describes the files) into one directory, crash-safely:
 * <ol>
 *   <li>every file goes into a hidden {@code .step-N.tmp-PID-RANDOM} directory and is fsynced;</li>
 *   <li>that directory is fsynced, renamed to {@code step-N} (one atomic rename(2)), and the parent fsynced;</li>
 *   <li>then all but the newest {@code keep} checkpoints are deleted, and hidden directories that crashed
 *       writers left behind (their process is gone) are removed.</li>
 * </ol>
 * A crash or error at any point leaves every earlier checkpoint whole and no {@code step-N} directory
 * that is incomplete; readers ignore hidden directories. A checkpoint for a step that already exists
 * replaces it (the old one is renamed aside first and deleted after).
 */
public final class CheckpointWriter implements CheckpointSink {
    /** Checkpoints kept by default. */
    public static final int DEFAULT_KEEP = 3;

    /** A test hook: called after each file of a checkpoint is written into the temporary directory. */
    @FunctionalInterface
    public interface FileHook {
        /** Called with the name of the file just written (e.g. {@code model.safetensors}); may throw to simulate a crash. */
        void written(String fileName) throws IOException;
    }

    private static final Pattern TEMP = Pattern.compile("\\.step-\\d+\\.(tmp|old)-(\\d+)-[0-9a-f]+");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path dir;
    private final int keep;
    private final Map<String, Object> config;
    private dev.kiln.train.Interval every;
    private FileHook hook = name -> { };

    /**
     * @param dir    the checkpoint directory (created when missing)
     * @param keep   how many checkpoints to keep, >= 1
     * @param config the resolved run configuration to store ({@code state.json} "config" and {@code config.json}); null for none
     */
    public CheckpointWriter(Path dir, int keep, Map<String, Object> config) {
        if (keep < 1) throw new IllegalArgumentException("--keep must be >= 1, got " + keep);
        this.dir = dir.toAbsolutePath().normalize();
        this.keep = keep;
        this.config = config == null ? null : new LinkedHashMap<>(config);
    }

    /** The checkpoint directory. */
    public Path directory() { return dir; }

    /** How many checkpoints are kept. */
    public int keep() { return keep; }

    /** Records the interval the checkpoints are written at in {@code state.json} (a resume without one reuses it). */
    public CheckpointWriter every(dev.kiln.train.Interval interval) {
        every = interval;
        return this;
    }

    /** Installs a hook called after each file is written (fault injection in tests). */
    public CheckpointWriter onFileWritten(FileHook h) {
        hook = h == null ? name -> { } : h;
        return this;
    }

    /**
     * Writes the snapshot as {@code step-<N>} (N = steps done) and prunes old checkpoints.
     *
     * @return the new {@code step-N} directory
     * @throws UncheckedIOException naming the checkpoint when it cannot be written; earlier checkpoints are intact
     */
    @Override
    public Path write(TrainingSnapshot s) {
        String name = "step-" + s.step();
        Path target = dir.resolve(name);
        Path tmp = null, aside = null;
        try {
            Files.createDirectories(dir);
            tmp = hidden(name, "tmp");
            Files.createDirectory(tmp);
            OptimizerState names = OptimizerState.of(Optimizers.parse(s.settings().optimizer()));
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("format", "pt");
            meta.put(Weights.META_MODEL, s.model().spec());
            meta.put(Weights.META_INPUT, Integer.toString(s.model().inputSize()));
            meta.put(Weights.META_LOSS, s.model().loss().spec());
            meta.put("kiln.step", Long.toString(s.step()));
            file(tmp, Checkpoint.MODEL, Safetensors.encode(Weights.tensors(s.model(), s.parameters()), meta));
            Map<String, String> optMeta = new LinkedHashMap<>();
            optMeta.put("kiln.optimizer", s.settings().optimizer());
            optMeta.put("kiln.state", String.join(",", names.names()));
            optMeta.put("kiln.step", Long.toString(s.step()));
            file(tmp, Checkpoint.OPTIMIZER, Safetensors.encode(Checkpoint.optimizerTensors(s.model(), names, s.optimizerState()), optMeta));
            if (config != null)
                file(tmp, Checkpoint.CONFIG, (dev.kiln.report.Json.text(config)).getBytes(StandardCharsets.UTF_8));
            file(tmp, Checkpoint.STATE, StateFile.encode(s, config, every, keep, Instant.now()));
            Durable.syncDirectory(tmp);
            if (Files.exists(target)) {
                aside = hidden(name, "old");
                move(target, aside);
            }
            move(tmp, target);
            tmp = null;
            Durable.syncDirectory(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + target + ": " + e.getMessage()
                    + previous(), e);
        } finally {
            if (tmp != null) Durable.deleteQuietly(tmp);
            if (aside != null) {
                if (!Files.exists(target)) {
                    try {
                        move(aside, target);      // put the replaced checkpoint back
                        aside = null;
                    } catch (IOException ignored) {
                        // the aside copy stays hidden; the newer checkpoints are still there
                    }
                }
                if (aside != null) Durable.deleteQuietly(aside);
            }
        }
        prune();
        return target;
    }

    private String previous() {
        List<Path> all = Checkpoint.list(dir);
        return all.isEmpty() ? "" : "; the previous checkpoint " + all.get(all.size() - 1) + " is intact";
    }

    private void file(Path tmp, String fileName, byte[] bytes) throws IOException {
        Durable.write(tmp.resolve(fileName), bytes);
        hook.written(fileName);
    }

    private Path hidden(String name, String kind) {
        return dir.resolve("." + name + "." + kind + "-" + ProcessHandle.current().pid() + "-"
                + Long.toHexString(RANDOM.nextLong() & Long.MAX_VALUE));
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    /** Deletes all but the newest {@code keep} checkpoints, and temporary directories of writers that are gone. */
    private void prune() {
        List<Path> all = Checkpoint.list(dir);
        for (int i = 0; i < all.size() - keep; i++) Durable.deleteQuietly(all.get(i));
        long me = ProcessHandle.current().pid();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                Matcher m = TEMP.matcher(p.getFileName().toString());
                if (!m.matches()) continue;
                long pid = Long.parseLong(m.group(2));
                if (pid != me && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) continue;
                Durable.deleteQuietly(p);
            }
        } catch (IOException | RuntimeException ignored) {
            // pruning is housekeeping: the checkpoint just written is what matters
        }
    }
}
