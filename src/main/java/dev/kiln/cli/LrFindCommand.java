package dev.kiln.cli;

import dev.kiln.backend.Backend;
import dev.kiln.report.AtomicFiles;
import dev.kiln.report.EpochTable;
import dev.kiln.report.Json;
import dev.kiln.report.LrFindChart;
import dev.kiln.report.MetricsCsv;
import dev.kiln.report.Provenance;
import dev.kiln.report.RunDirectory;
import dev.kiln.schedule.ScheduleSpec;
import dev.kiln.train.LrFinder;
import dev.kiln.train.Trainer;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code kiln lr-find}: the learning-rate range test of {@link LrFinder} on a model and data set, written as
 * a run directory ({@code lr_find.csv}, {@code lr_find.png}, {@code config.json}, {@code provenance.json});
 * prints the suggested learning rates. The model's weights are not changed.
 */
@Command(name = "lr-find", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Find a learning rate: the range test of Smith 2017 and fastai's lr_find.",
            "The lr grows exponentially for a few steps while the smoothed loss is",
            "watched; the model's weights are not changed.", ""},
        footer = {"",
            "Suggestions: 'steepest' is where the smoothed loss falls fastest against",
            "log lr; 'minimum/10' is the lr of the lowest smoothed loss divided by 10.",
            "Pick a rate near them, below where the loss turns up. A training config",
            "file serves too (its epochs, schedule and validation keys are passed over).",
            "",
            "Examples:",
            "  kiln lr-find --data digits --standardize --layers 64:relu,10:softmax \\",
            "      --optimizer sgd:lr=0.05,momentum=0.9 --batch-size 32",
            "  kiln lr-find --config run.yaml --optimizer adam:lr=1e-3 --end-lr 1 --steps 50"})
final class LrFindCommand extends KilnCommand {
    static final RunSetup.Defaults DEFAULTS = new RunSetup.Defaults("lr-find", null, null, null, 1, 32);

    @Mixin RunOptions.ConfigFile configFile;
    @Mixin RunOptions.Data data;
    @Mixin RunOptions.Network network;
    @Mixin RunOptions.Optimization optimization;
    @Mixin RunOptions.Batches batches;

    @Option(names = "--start-lr", paramLabel = "LR", defaultValue = "1e-7", order = 70, description = "First learning rate (default: ${DEFAULT-VALUE}).")
    double startLr;

    @Option(names = "--end-lr", paramLabel = "LR", defaultValue = "10", order = 71, description = "Last learning rate (default: ${DEFAULT-VALUE}).")
    double endLr;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "100", order = 72, description = "Steps of the sweep (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--smoothing", paramLabel = "BETA", defaultValue = "0.98", order = 73,
            description = "Moving-average factor of the smoothed loss (default: ${DEFAULT-VALUE}).")
    double smoothing;

    @Option(names = "--divergence", paramLabel = "X", defaultValue = "4", order = 74,
            description = "Stop when the smoothed loss exceeds X times its minimum (default: ${DEFAULT-VALUE}).")
    double divergence;

    @Mixin RunOptions.Device device;
    @Mixin RunOptions.Output output;

    @Override
    protected int run() {
        ConfigStack c = new ConfigStack("lr-find", RunOptions.keysExcept("variants", "test", "validation-split", "schedule", "epochs"),
                Set.of("test", "validation-split", "schedule", "epochs"));
        if (configFile.config != null) c.addFile(configFile.config);
        data.into(c);
        network.into(c);
        optimization.into(c);
        batches.into(c);
        device.into(c);
        output.into(c);
        LrFinder.Sweep sweep = sweep();
        RunSetup s = RunSetup.prepare(c, DEFAULTS);
        boolean quiet = output.quiet || output.json;

        OffsetDateTime started = OffsetDateTime.now();
        try (Backend backend = openBackend(s.backend, s.deviceIndex(), c.origin("backend"), output.quiet);
             Trainer trainer = new Trainer(backend, s.model, s.trainConfig(s.optimizer, ScheduleSpec.constant(), List.of()));
             RunDirectory dir = RunDirectory.open(s.target(LocalDateTime.now()))) {
            trainer.setParameters(s.initial);
            if (!quiet) {
                out().println("kiln lr-find: " + s.train + " -> " + s.model.spec() + ", " + s.optimizer.spec() + ", lr "
                        + EpochTable.significant(sweep.startLr()) + " .. " + EpochTable.significant(sweep.endLr()) + " over " + sweep.steps()
                        + " steps of " + s.batchSize + "; " + backend.name() + " on " + backend.device());
                out().flush();
            }
            LrFinder.Result r = LrFinder.find(trainer, s.train, sweep);
            Map<String, Object> cfg = s.resolved(backend.name(), null);
            cfg.keySet().removeAll(List.of("epochs", "validation-split"));
            Json.write(dir.file("config.json"), cfg);
            Json.write(dir.file("provenance.json"), Provenance.of(backend, s.seed, commandLine(), started));
            AtomicFiles.writeString(dir.file("lr_find.csv"), csv(r));
            LrFindChart.write(dir.file("lr_find.png"), "kiln lr-find: " + s.model.inputSize() + " -> " + s.model.spec(), r);
            dir.commit();
            report(r, dir);
            return Main.OK;
        }
    }

    private LrFinder.Sweep sweep() {
        if (!(startLr > 0) || Double.isInfinite(startLr)) throw CliException.usage("--start-lr: must be a number > 0, got " + startLr);
        if (!(endLr > startLr) || Double.isInfinite(endLr))
            throw CliException.usage("--end-lr: must be larger than --start-lr " + startLr + ", got " + endLr);
        if (steps < 2) throw CliException.usage("--steps: must be >= 2, got " + steps);
        if (!(smoothing >= 0 && smoothing < 1)) throw CliException.usage("--smoothing: must be in [0, 1), got " + smoothing);
        if (!(divergence > 1)) throw CliException.usage("--divergence: must be > 1, got " + divergence);
        return new LrFinder.Sweep(startLr, endLr, steps, smoothing, divergence);
    }

    /** {@code step,lr,loss,smoothed_loss}, one row per step run. */
    static String csv(LrFinder.Result r) {
        StringBuilder s = new StringBuilder("step,lr,loss,smoothed_loss\n");
        for (int i = 0; i < r.steps(); i++)
            s.append(i).append(',').append(MetricsCsv.num(r.lrs()[i])).append(',').append(MetricsCsv.num(r.losses()[i])).append(',')
                    .append(MetricsCsv.num(r.smoothed()[i])).append('\n');
        return s.toString();
    }

    private void report(LrFinder.Result r, RunDirectory dir) {
        if (output.json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("run_dir", dir.target().toString());
            m.put("steps", r.steps());
            m.put("diverged", r.diverged());
            m.put("valley_lr", Json.number(r.valleyLr()));
            m.put("steepest_lr", Json.number(r.steepestLr()));
            m.put("minimum_lr", Json.number(r.minimumLr()));
            m.put("minimum_lr_over_10", Json.number(r.minimumLrOver10()));
            m.put("windowed", r.windowed());
            out().print(Json.text(m));
        } else if (!output.quiet) {
            out().println((r.diverged() ? "the loss diverged at lr " + EpochTable.significant(r.lrs()[r.steps() - 1]) + " after " : "ran ")
                    + r.steps() + " steps");
            out().println("suggested lr: " + EpochTable.significant(r.valleyLr()) + " (valley, fastai's default), "
                    + EpochTable.significant(r.steepestLr()) + " (steepest descent), "
                    + EpochTable.significant(r.minimumLrOver10()) + " (minimum/10)");
            if (!r.windowed())
                warn("only " + r.steps() + " steps: too few for fastai's window (it leaves out the first tenth and the last 5"
                        + " points), so these suggestions use every point and are rough; give more --steps");
            out().println("run: " + dir.target());
        }
    }
}
