package dev.kiln.train.checkpoint;

import dev.kiln.nn.Model;
import dev.kiln.nn.ParameterLayout;
import dev.kiln.nn.Safetensors;
import dev.kiln.nn.Weights;
import dev.kiln.optim.OptimizerState;
import dev.kiln.train.TrainingSnapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A checkpoint read back from disk: a {@code step-N} directory holding
 * <ul>
 *   <li>{@code model.safetensors}: the parameters ({@code layers.<i>.weight} [out, in], {@code layers.<i>.bias}),
 *       the same file as a run's model, loadable in PyTorch;</li>
 *   <li>{@code optimizer.safetensors}: the optimizer's state buffers, split per parameter tensor and named
 *       {@code <parameter>.<state>} with PyTorch's state keys ({@link OptimizerState}), e.g.
 *       {@code layers.0.weight.exp_avg}, {@code layers.0.bias.exp_avg_sq}, {@code layers.1.weight.momentum_buffer},
 *       each with its parameter's shape; every buffer of the rule is present, even one its options leave unused;</li>
 *   <li>{@code state.json}: everything else ({@link StateFile});</li>
 *   <li>{@code config.json}: the resolved configuration of the command that wrote it (when it gave one), which
 *       {@code kiln train --config} reads.</li>
 * </ul>
 * {@link #load} accepts a step directory, a checkpoint directory (its newest complete {@code step-N} is
 * taken) or a run directory (its {@code checkpoints/}). Every problem is a {@link CheckpointException} naming
 * the file.
 */
public final class Checkpoint {
    /** Name of the model file. */
    public static final String MODEL = "model.safetensors";
    /** Name of the optimizer-state file. */
    public static final String OPTIMIZER = "optimizer.safetensors";
    /** Name of the state file. */
    public static final String STATE = "state.json";
    /** Name of the resolved-configuration file. */
    public static final String CONFIG = "config.json";
    /** The checkpoint directory of a run directory. */
    public static final String RUN_SUBDIRECTORY = "checkpoints";

    static final Pattern STEP_DIR = Pattern.compile("step-(\\d{1,18})");

    private final Path directory;
    private final StateFile.Contents contents;
    private final TrainingSnapshot snapshot;

    private Checkpoint(Path directory, StateFile.Contents contents, TrainingSnapshot snapshot) {
        this.directory = directory;
        this.contents = contents;
        this.snapshot = snapshot;
    }

    /** The {@code step-N} directory read. */
    public Path directory() { return directory; }

    /** Everything the trainer needs to continue ({@code Trainer.resume(snapshot, replan)}). */
    public TrainingSnapshot snapshot() { return snapshot; }

    /** The decoded {@code state.json}. */
    public StateFile.Contents state() { return contents; }

    /** The resolved configuration of the command that wrote the checkpoint ({} when it gave none). */
    public Map<String, Object> config() { return contents.config(); }

    /** {@code config.json} of the checkpoint, if it has one (for {@code kiln train --resume}). */
    public Optional<Path> configFile() {
        Path p = directory.resolve(CONFIG);
        return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }

    /**
     * The {@code step-N} directory that {@code path} names: itself when it holds {@code state.json}; else the
     * newest complete {@code step-N} inside it, or inside its {@code checkpoints/} (a run directory).
     *
     * @throws CheckpointException when there is none
     */
    public static Path locate(Path path) {
        if (!Files.exists(path)) throw new CheckpointException(path + ": no such checkpoint directory");
        if (!Files.isDirectory(path))
            throw new CheckpointException(path + ": not a checkpoint directory (a step-N directory holding " + STATE + " is expected)");
        if (Files.isRegularFile(path.resolve(STATE))) return path;
        Optional<Path> inside = latest(path);
        if (inside.isPresent()) return inside.get();
        Path sub = path.resolve(RUN_SUBDIRECTORY);
        if (Files.isDirectory(sub)) {
            inside = latest(sub);
            if (inside.isPresent()) return inside.get();
            throw new CheckpointException(path + ": " + RUN_SUBDIRECTORY + "/ holds no complete checkpoint (step-N directory with " + STATE + ")");
        }
        throw new CheckpointException(path + ": no checkpoint here (expected a step-N directory with " + STATE
                + ", a checkpoint directory holding step-N directories, or a run directory with " + RUN_SUBDIRECTORY + "/)");
    }

    /** The newest complete checkpoint ({@code step-N} with the largest N that holds {@code state.json}) in {@code dir}. */
    public static Optional<Path> latest(Path dir) {
        List<Path> all = list(dir);
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    /**
     * The complete checkpoints in {@code dir}, oldest first. Hidden directories (a write in progress or one a
     * crash interrupted) and step directories without {@code state.json} are not checkpoints.
     */
    public static List<Path> list(Path dir) {
        List<long[]> steps = new ArrayList<>();
        List<Path> paths = new ArrayList<>();
        if (!Files.isDirectory(dir)) return List.of();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                Matcher m = STEP_DIR.matcher(p.getFileName().toString());
                if (m.matches() && Files.isRegularFile(p.resolve(STATE))) {
                    steps.add(new long[] {Long.parseLong(m.group(1)), paths.size()});
                    paths.add(p);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list checkpoints in " + dir + ": " + e.getMessage(), e);
        }
        steps.sort((a, b) -> Long.compare(a[0], b[0]));
        List<Path> out = new ArrayList<>();
        for (long[] s : steps) out.add(paths.get((int) s[1]));
        return out;
    }

    /**
     * Reads the checkpoint that {@code path} names ({@link #locate}) and checks it whole: the state, then the
     * tensors against the model and optimizer it records.
     *
     * @throws CheckpointException naming the file and what is wrong
     */
    public static Checkpoint load(Path path) {
        Path dir = locate(path);
        Path stateFile = dir.resolve(STATE);
        StateFile.Contents c = StateFile.decode(stateFile.toString(), read(stateFile));
        Model model = c.model();
        float[] params;
        Path modelFile = dir.resolve(MODEL);
        try {
            params = Weights.fromTensors(model, Safetensors.decode(modelFile.toString(), read(modelFile)).tensors(), modelFile.toString());
        } catch (CheckpointException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(e.getMessage(), e);
        }
        Path optFile = dir.resolve(OPTIMIZER);
        Safetensors.Contents opt;
        try {
            opt = Safetensors.decode(optFile.toString(), read(optFile));
        } catch (CheckpointException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(e.getMessage(), e);
        }
        float[][] state = optimizerBuffers(model, c.optimizer(), opt.tensors(), optFile.toString());
        TrainingSnapshot snap = new TrainingSnapshot(model, c.settings(), c.plan(), c.data(), c.state(), params, state, c.host(),
                c.lrScale(), c.rollbacks(), c.history());
        return new Checkpoint(dir, c, snap);
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new CheckpointException(file + ": missing (an incomplete checkpoint directory)");
        } catch (java.nio.file.AccessDeniedException e) {
            throw new CheckpointException(file + ": cannot read (permission denied)");
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }

    /** The tensors of {@code optimizer.safetensors} for a model and an optimizer's buffers ({@link OptimizerState} names). */
    static List<Safetensors.Tensor> optimizerTensors(Model model, OptimizerState names, float[][] buffers) {
        ParameterLayout layout = model.layout();
        List<Safetensors.Tensor> out = new ArrayList<>();
        for (int i = 0; i < names.size(); i++)
            for (ParameterLayout.Tensor t : layout.tensors())
                out.add(new Safetensors.Tensor(names.tensorName(t.name(), i), t.shape(),
                        Arrays.copyOfRange(buffers[i], t.offset(), t.offset() + t.size())));
        return out;
    }

    /** Assembles the flat optimizer buffers from {@code optimizer.safetensors}, checking every name and shape. */
    static float[][] optimizerBuffers(Model model, OptimizerState names, Map<String, Safetensors.Tensor> tensors, String file) {
        ParameterLayout layout = model.layout();
        float[][] out = new float[names.size()][layout.size()];
        Map<String, Boolean> expected = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            for (ParameterLayout.Tensor t : layout.tensors()) {
                String n = names.tensorName(t.name(), i);
                expected.put(n, true);
                Safetensors.Tensor got = tensors.get(n);
                if (got == null)
                    throw new CheckpointException(file + ": missing tensor " + n + " (" + names.rule().name().toLowerCase(java.util.Locale.ROOT)
                            + " keeps " + String.join(", ", names.names()) + " for every parameter)");
                if (!Arrays.equals(got.shape(), t.shape()))
                    throw new CheckpointException(file + ": tensor " + n + " has shape " + Arrays.toString(got.shape())
                            + ", but the parameter has " + Arrays.toString(t.shape()));
                System.arraycopy(got.data(), 0, out[i], t.offset(), t.size());
            }
        }
        for (String n : tensors.keySet())
            if (!expected.containsKey(n)) throw new CheckpointException(file + ": unexpected tensor " + n);
        return out;
    }

    /** The step number of a {@code step-N} directory name, or -1. */
    static long stepOf(Path p) {
        Matcher m = STEP_DIR.matcher(p.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    @Override
    public String toString() { return "checkpoint " + directory + " (step " + snapshot.step() + ")"; }
}
