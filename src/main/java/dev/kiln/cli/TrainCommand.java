package dev.kiln.cli;

import dev.kiln.backend.Backend;
import dev.kiln.report.Json;
import dev.kiln.report.Provenance;
import dev.kiln.report.RunDirectory;
import dev.kiln.report.RunReport;
import dev.kiln.train.DivergenceException;
import dev.kiln.train.EpochResult;
import dev.kiln.train.History;
import dev.kiln.train.Trainer;
import dev.kiln.train.TrainingEvent;
import dev.kiln.train.checkpoint.Checkpoint;
import dev.kiln.train.checkpoint.StopSignals;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code kiln train}: one training run into a run directory (config.json, metrics.csv, lr.csv,
 * provenance.json, model.safetensors, loss/accuracy/lr charts). Everything is checked before the device is
 * opened; the directory is built hidden and moved into place when the run is done, so a run that fails on
 * bad input leaves nothing behind. A run whose loss diverges keeps its directory (to look at) and exits 1.
 *
 * <p>Crash safety ({@link CheckpointOptions}, docs/crash-safety.md): checkpoints go to
 * {@code <run>/checkpoints} (written there while the run is still hidden, which {@link RunDirectory} allows);
 * SIGINT/SIGTERM finish the step, write a checkpoint, print one line and exit 130/143 without committing the
 * run; {@code --resume} layers the checkpoint's {@code config.json} under {@code --config} and the flags, and
 * without {@code --out} finishes in the run directory the checkpoint came from.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a network and write a run directory.", ""},
        footer = {"",
            "The run directory: config.json (the resolved settings: --config config.json",
            "replays the run bit for bit), metrics.csv (one row per epoch), lr.csv (the lr",
            "of every step), provenance.json, model.safetensors, loss.png, accuracy.png,",
            "lr.png.",
            "",
            "Examples:",
            "  kiln train --data digits --standardize --layers 64:relu,10:softmax \\",
            "      --optimizer sgd:lr=0.05,momentum=0.9 --schedule 'warmup:1ep > cosine' \\",
            "      --epochs 8 --batch-size 32 --validation-split 0.2 --out runs/digits",
            "  kiln train --data synthetic --test synthetic --batch-size 50 \\",
            "      --layers 9:relu,9:relu,9:relu,3:softmax \\",
            "      --schedule step:every=2ep,gamma=0.8",
            "  kiln train --data train-images-idx3-ubyte.gz:train-labels-idx1-ubyte.gz \\",
            "      --test t10k-images-idx3-ubyte.gz:t10k-labels-idx1-ubyte.gz \\",
            "      --layers 128:relu,10:softmax --optimizer adam:lr=1e-3 --epochs 5",
            "  kiln train --data digits --layers 64:relu,10:softmax --epochs 20 \\",
            "      --checkpoint-every 2ep --out runs/long     (Ctrl-C: checkpoint, exit 130)",
            "  kiln train --resume runs/long                (finishes runs/long bit-identically)",
            "  kiln train --config run.yaml --epochs 3     (flags override the file)",
            "  kiln train --config runs/digits/config.json (replays that run)"})
final class TrainCommand extends KilnCommand {
    static final RunSetup.Defaults DEFAULTS = new RunSetup.Defaults("train", null, null, null, 10, 32);

    @Mixin RunOptions.ConfigFile configFile;
    @Mixin RunOptions.Data data;
    @Mixin RunOptions.Validation validation;
    @Mixin RunOptions.Network network;
    @Mixin RunOptions.Optimization optimization;
    @Mixin RunOptions.Schedule schedule;
    @Mixin RunOptions.Epochs epochs;
    @Mixin RunOptions.Batches batches;
    @Mixin RunOptions.Device device;
    @Mixin RunOptions.Output output;
    @Mixin CheckpointOptions checkpoint;

    @Override
    protected int run() {
        // every crash-safety flag, and the checkpoint --resume names, before any data is read or device opened
        Optional<Path> resumedConfig = checkpoint.validate();
        ConfigStack c = new ConfigStack("train", RunOptions.keysExcept("variants"));
        resumedConfig.ifPresent(c::addFile);          // the resumed run's settings are the base layer
        if (configFile.config != null) c.addFile(configFile.config);
        data.into(c);
        validation.into(c);
        network.into(c);
        optimization.into(c);
        schedule.into(c);
        epochs.into(c);
        batches.into(c);
        device.into(c);
        output.into(c);
        c.flag("on-divergence", "--on-divergence", checkpoint.onDivergence);
        c.flag("nan-policy", "--nan-policy", checkpoint.nanPolicy);
        // a resumed run continues from its checkpoint's parameters: weights to start from cannot apply (the
        // resumed run's own init, in its config, is only a record)
        // the data handling of a resumed run stays what it was: the weights and moments were trained on it
        if (resumedConfig.isPresent()) {
            Map<String, Object> resumed = readJson(resumedConfig.get());
            for (String key : List.of("standardize", "label")) {
                if (!c.has(key) || c.origin(key).equals(resumedConfig.get() + ": " + key)) continue;
                Object theirs = resumed.get(key), ours = key.equals("standardize") ? c.bool(key, false) : c.string(key, null);
                if (!java.util.Objects.equals(String.valueOf(theirs), String.valueOf(ours)))
                    throw CliException.usage(c.origin(key) + ": the resumed run was trained with " + key + " " + theirs
                            + ", and a resumed run keeps the data handling its weights were trained with");
            }
        }
        if (checkpoint.resuming() && c.has("init") && !resumedConfig.map(f -> c.origin("init").equals(f + ": init")).orElse(false))
            throw CliException.usage(c.origin("init") + ": a resumed run continues from its checkpoint's parameters, so it cannot "
                    + "start from " + c.string("init", null) + " (leave out --resume to start a new run from those weights)");
        if (checkpoint.resuming() && !c.has("out")) {
            Path home = resumedRunDirectory(checkpoint.resumePoint().directory());
            if (home != null) c.flag("out", "--resume", home.toString());
        }
        RunSetup s = RunSetup.prepare(c, DEFAULTS);
        boolean quiet = output.quiet || output.json;
        if (!output.quiet) for (String w : s.warnings) warn(w);

        LocalDateTime now = LocalDateTime.now();
        OffsetDateTime started = OffsetDateTime.now();
        try (Backend backend = openBackend(s.backend, s.deviceIndex(), c.origin("backend"), output.quiet);
             Progress progress = new Progress(Progress.mode(output.quiet, output.json), out(), null, true);
             Trainer trainer = new Trainer(backend, s.model, s.trainConfig(s.optimizer, s.schedule, List.of(progress)));
             RunDirectory dir = RunDirectory.open(s.target(now));
             // held until the run directory is committed: a signal after the last step (while the files are being
             // written) lets the writing finish instead of killing the JVM and losing the finished run
             StopSignals late = StopSignals.install(trainer, System.err)) {
            trainer.setParameters(s.initial);
            // resume (replacing those parameters) and write checkpoints into <run>/checkpoints (the run's final
            // place, not its hidden work directory) or where --checkpoint-dir / the resumed checkpoint say
            checkpoint.attach(trainer, dir.target(), s.resolved(backend.name(), null));
            if (!quiet) {
                out().println(describe(s, backend));
                Checkpoint from = checkpoint.resumePoint();
                if (from != null)
                    out().println("resuming from " + from.directory() + " (step " + from.snapshot().step() + " of " + s.plan.totalSteps() + ")");
                out().flush();
            }
            History h;
            DivergenceException diverged = null;
            try {
                h = checkpoint.fit(trainer, s.train, s.validation);
            } catch (DivergenceException e) {
                diverged = e;
                h = e.history();
            }
            progress.close();
            // stopped by SIGINT/SIGTERM: the checkpoint is written and the line printed; the run is not finished,
            // so its directory is not committed (closing it removes the hidden work directory, not checkpoints/)
            Optional<Integer> interrupted = checkpoint.interrupted(trainer, err());
            if (interrupted.isPresent()) return interrupted.get();
            Json.write(dir.file("config.json"), s.resolved(backend.name(), null));
            Json.write(dir.file("provenance.json"), Provenance.of(backend, s.seed, commandLine(), started));
            ModelFiles.save(dir.file("model.safetensors"), s.model, trainer.parameters(), s.standardizer, s.train);
            RunReport.write(dir.path(), s.name, h, s.plan.stepsPerEpoch());
            dir.commit();
            if (late.requested()) {
                err().println("kiln: SIG" + late.caught() + " after the last step: the finished run is in " + dir.target());
                err().flush();
                return late.exitCode();
            }
            report(s, backend, h, dir.target(), diverged);
            if (diverged != null)
                throw CliException.failure(diverged.getMessage() + " The run so far is in " + dir.target(), diverged);
            return Main.OK;
        }
    }

    /**
     * The run directory a resumed run finishes in: the one whose {@code checkpoints/} holds the checkpoint
     * (so the run lands where it started and its new checkpoints go beside the old ones), or null when the
     * checkpoint lives elsewhere ({@code --checkpoint-dir}); then the run gets a new default directory.
     *
     * @throws CliException when that directory already holds a finished run
     */
    static Path resumedRunDirectory(Path stepDirectory) {
        Path parent = stepDirectory.toAbsolutePath().normalize().getParent();
        if (parent == null || parent.getParent() == null || !parent.getFileName().toString().equals(RunDirectory.CHECKPOINTS)) return null;
        Path home = parent.getParent();
        if (Files.exists(home.resolve("model.safetensors")))
            throw CliException.usage("--resume: " + home + " already holds a finished run (model.safetensors); give --out DIR for the continued run");
        try {
            RunDirectory.checkTarget(home);
        } catch (IllegalArgumentException e) {
            throw CliException.usage("--resume: " + e.getMessage() + "; give --out DIR for the continued run");
        }
        return home;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> readJson(Path file) {
        try {
            return Json.MAPPER.readValue(Files.readString(file), Map.class);
        } catch (java.io.IOException e) {
            throw CliException.usage("--resume: " + file + ": " + Failures.oneLine(e.getMessage()));
        }
    }

    /** The line printed before training. */
    static String describe(RunSetup s, Backend backend) {
        return String.format(Locale.ROOT, "kiln train: %s -> %s (%d parameters, %s), %s, schedule %s; %d epochs x %d steps; %s on %s",
                s.train, s.model.spec(), s.model.parameterCount(), s.model.loss().spec(), s.optimizer.spec(), s.schedule,
                s.epochs, s.plan.stepsPerEpoch(), backend.name(), backend.device());
    }

    private void report(RunSetup s, Backend backend, History h, Path dir, DivergenceException diverged) {
        if (output.json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("run_dir", dir.toString());
            m.put("status", diverged != null ? "diverged" : "ok");
            m.put("backend", backend.name());
            m.put("device", backend.device());
            m.put("parameters", s.model.parameterCount());
            m.put("final", h.last().map(RunReport::epoch).orElse(null));
            m.put("epochs", RunReport.epochs(h));
            m.put("events", RunReport.events(h));
            h.stopReason().ifPresent(r -> m.put("stop_reason", r));
            out().print(Json.text(m));
        } else if (!output.quiet) {
            for (TrainingEvent e : h.events()) out().println(e.describe());
            h.stopReason().ifPresent(r -> out().println("stopped: " + r));
            EpochResult last = h.last().orElse(null);
            if (last != null) out().println("final: " + Progress.summary(last));
            out().println("run: " + dir);
        }
    }
}
