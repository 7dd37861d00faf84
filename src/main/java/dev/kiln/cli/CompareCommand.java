package dev.kiln.cli;

import dev.kiln.backend.Backend;
import dev.kiln.report.AtomicFiles;
import dev.kiln.report.CompareChart;
import dev.kiln.report.EpochTable;
import dev.kiln.report.Json;
import dev.kiln.report.MetricsCsv;
import dev.kiln.report.Provenance;
import dev.kiln.report.RunDirectory;
import dev.kiln.report.RunReport;
import dev.kiln.train.DivergenceException;
import dev.kiln.train.EpochResult;
import dev.kiln.train.History;
import dev.kiln.train.Trainer;
import dev.kiln.train.checkpoint.StopSignals;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code kiln compare}: races learning-rate schedules and optimizers on one model and one data set, every
 * variant from the same initial weights and the same batch order (the same seed), one after the other on
 * one backend. With no arguments it is the seed experiment of DESIGN.md: 3-9-9-9-3 ReLU/softmax, categorical
 * cross-entropy, plain SGD at lr 0.01, 10 epochs of batch 50 over the 1000 synthetic rows, validated on the
 * 100 test rows, variant {@code constant} against variant {@code step} ({@code lr = 0.01 * 0.8^floor(epoch/2)}).
 *
 * <p>Writes {@code compare.png} (every variant's loss per epoch and learning rate per step), {@code compare.csv}
 * (all variants' metrics), {@code init.safetensors} (the shared initial weights), {@code config.json},
 * {@code provenance.json}, and per variant a directory with its {@code metrics.csv}, {@code lr.csv},
 * charts and {@code model.safetensors}; prints the epochs of all variants side by side.
 */
@Command(name = "compare", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Race schedules and optimizers from one initialisation and batch order.",
            "With no arguments: the seed experiment (3-9-9-9-3, SGD lr 0.01, 10 epochs,",
            "batch 50, synthetic data), constant lr against 0.01 * 0.8^floor(epoch/2).", ""},
        footer = {"",
            "A variant is NAME=SCHEDULE[;OPTIMIZER]; an empty part takes the run's",
            "--schedule (default constant) or --optimizer (default sgd:lr=0.01).",
            "Defaults: --data synthetic --test synthetic --epochs 10 --batch-size 50",
            "--layers 9:relu,9:relu,9:relu,3:softmax, and the variants",
            "constant=constant and step='step:every=2ep,gamma=0.8'.",
            "",
            "Examples:",
            "  kiln compare",
            "  kiln compare --variant flat=constant --variant cos=cosine \\",
            "      --variant onecycle=onecycle:max=10 --epochs 20",
            "  kiln compare --variant sgd='constant;sgd:lr=0.05,momentum=0.9' \\",
            "      --variant adam='constant;adam:lr=1e-3' --data digits --standardize \\",
            "      --layers 64:relu,10:softmax --validation-split 0.2 --batch-size 32",
            "  kiln compare --config race.yaml --backend cpu --out runs/race"})
final class CompareCommand extends KilnCommand {
    static final RunSetup.Defaults DEFAULTS = new RunSetup.Defaults("compare", DataSource.SYNTHETIC, DataSource.SYNTHETIC,
            "9:relu,9:relu,9:relu,3:softmax", 10, 50);

    /** The article's two schedules. */
    static final List<Variant> SEED_VARIANTS = List.of(new Variant("constant", "constant", null),
            new Variant("step", "step:every=2ep,gamma=0.8", null));

    @Mixin RunOptions.ConfigFile configFile;
    @Mixin RunOptions.Data data;
    @Mixin RunOptions.Validation validation;
    @Mixin RunOptions.Network network;
    @Mixin RunOptions.Optimization optimization;
    @Mixin RunOptions.Divergence divergence;
    @Mixin RunOptions.Schedule schedule;

    @Option(names = "--variant", paramLabel = "NAME=SCHEDULE[;OPTIMIZER]", order = 35,
            description = "A contestant (repeatable), e.g. step='step:every=2ep,gamma=0.8' or adam='cosine;adam:lr=1e-3'.")
    List<String> variants;

    @Mixin RunOptions.Epochs epochs;
    @Mixin RunOptions.Batches batches;
    @Mixin RunOptions.Device device;
    @Mixin RunOptions.Output output;

    @Override
    protected int run() {
        ConfigStack c = new ConfigStack("compare", RunOptions.keysExcept());
        if (configFile.config != null) c.addFile(configFile.config);
        data.into(c);
        validation.into(c);
        network.into(c);
        optimization.into(c);
        divergence.into(c);
        schedule.into(c);
        if (variants != null) {
            List<Variant> parsed = new ArrayList<>();
            for (String v : variants) parsed.add(Variant.parse(v));
            c.variantFlags(parsed);
        }
        epochs.into(c);
        batches.into(c);
        device.into(c);
        output.into(c);
        RunSetup s = RunSetup.prepare(c, DEFAULTS);
        List<Variant> vs = c.variants();
        if (vs == null) {
            vs = SEED_VARIANTS;
            if (c.has("schedule")) warn(c.origin("schedule") + " has no effect: each default variant sets its own schedule; add --variant");
        }
        List<RunSetup.Contestant> contestants = s.contestants(vs);
        if (!output.quiet) for (String w : s.warnings) warn(w);

        LocalDateTime now = LocalDateTime.now();
        OffsetDateTime started = OffsetDateTime.now();
        Progress.Mode mode = Progress.mode(output.quiet, output.json);
        try (Backend backend = openBackend(s.backend, s.deviceIndex(), c.origin("backend"), output.quiet);
             RunDirectory dir = RunDirectory.open(s.target(now))) {
            String title = "kiln compare: " + s.model.inputSize() + " -> " + s.model.spec() + " on " + s.train.name();
            if (mode != Progress.Mode.SILENT) {
                out().println(String.format("%s; %d epochs x %d steps of %d; %s on %s", title, s.epochs, s.plan.stepsPerEpoch(),
                        s.batchSize, backend.name(), backend.device()));
                out().flush();
            }
            Json.write(dir.file("config.json"), s.resolved(backend.name(), contestants));
            Json.write(dir.file("provenance.json"), Provenance.of(backend, s.seed, commandLine(), started));
            ModelFiles.save(dir.file("init.safetensors"), s.model, s.initial, s.standardizer, s.train);

            List<String> names = new ArrayList<>();
            List<History> histories = new ArrayList<>();
            List<CompareChart.Variant> curves = new ArrayList<>();
            List<Map<String, Object>> summaries = new ArrayList<>();
            for (RunSetup.Contestant k : contestants) {
                History h = race(backend, s, k, dir.path().resolve(k.name()), mode, summaries);
                if (h == null) return stopped;    // a signal: the race is not finished, and its directory is not kept
                names.add(k.name());
                histories.add(h);
                curves.add(new CompareChart.Variant(k.name(), h, s.plan.stepsPerEpoch()));
            }
            List<List<EpochResult>> runs = new ArrayList<>();
            for (History h : histories) runs.add(h.epochs());
            AtomicFiles.writeString(dir.file("compare.csv"), MetricsCsv.combined(names, runs));
            CompareChart.write(dir.file("compare.png"), title, curves);
            dir.commit();

            if (output.json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("run_dir", dir.target().toString());
                m.put("backend", backend.name());
                m.put("device", backend.device());
                m.put("variants", summaries);
                out().print(Json.text(m));
            } else if (!output.quiet) {
                out().println();
                out().print(EpochTable.compare(names, runs));
                out().println("run: " + dir.target());
            }
            // every variant diverged: the race has no result, and a script must be able to tell (train exits 1 too)
            if (summaries.stream().allMatch(v -> "diverged".equals(v.get("status"))))
                throw CliException.failure("every variant diverged; their runs so far are in " + dir.target(), null);
            return Main.OK;
        }
    }

    /** The exit code of a race stopped by a signal. */
    private int stopped;

    /** Trains one contestant from the shared initial weights and writes its directory; null when a signal stopped it. */
    private History race(Backend backend, RunSetup s, RunSetup.Contestant k, Path vdir, Progress.Mode mode,
                         List<Map<String, Object>> summaries) {
        try (Progress progress = new Progress(mode, out(), k.name(), false);
             Trainer t = new Trainer(backend, s.model, s.trainConfig(k.optimizer(), k.schedule(), List.of(progress)))) {
            t.setParameters(s.initial);
            long t0 = System.nanoTime();
            History h;
            String status = "ok";
            // SIGINT/SIGTERM end the variant after its current step; the race then stops with one line
            try (StopSignals signals = StopSignals.install(t, System.err)) {
                h = t.fit(s.train, s.validation);
            } catch (DivergenceException e) {
                h = e.history();
                status = "diverged";
                if (!output.quiet) warn(k.name() + ": " + e.getMessage());
            }
            progress.close();
            if (t.interruption().isPresent()) {
                err().println("kiln: compare interrupted (SIG" + t.interruption().get().signal() + ") at step " + t.interruption().get().step()
                        + " of variant " + k.name() + "; the race is not finished and nothing is written");
                err().flush();
                stopped = t.interruption().get().exitCode();
                return null;
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            try {
                Files.createDirectories(vdir);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create " + vdir + ": " + e.getMessage(), e);
            }
            ModelFiles.save(vdir.resolve("model.safetensors"), s.model, t.parameters(), s.standardizer, s.train);
            RunReport.write(vdir, k.name(), h, s.plan.stepsPerEpoch());
            if (mode != Progress.Mode.SILENT)
                out().println(String.format("%-12s %s, %s: %s (%.2f s)", k.name(), k.schedule(), k.optimizer().spec(),
                        h.last().map(Progress::summary).orElse("no epoch finished"), seconds));
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", k.name());
            m.put("schedule", k.schedule().toString());
            m.put("optimizer", k.optimizer().spec());
            m.put("status", status);
            m.put("seconds", seconds);
            m.put("final", h.last().map(RunReport::epoch).orElse(null));
            m.put("epochs", RunReport.epochs(h));
            summaries.add(m);
            return h;
        }
    }
}
