package dev.kiln.cli;

import dev.kiln.report.ScheduleChart;
import dev.kiln.schedule.BoundSchedule;
import dev.kiln.schedule.RunPlan;
import dev.kiln.schedule.ScheduleSpec;
import dev.kiln.schedule.ScheduleSpecException;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalDouble;
import java.util.concurrent.Callable;
import java.util.function.LongToDoubleFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code kiln schedule SPEC}: prints a learning-rate schedule for a given run length before training, as a
 * table or CSV, per epoch or per step (with the momentum when the schedule cycles it), draws it as a PNG, and
 * prints the lint warnings for that run. Exit codes: 0 done, 1 the PNG could not be written, 2 a bad schedule
 * or bad options (one line naming the offending token).
 */
@Command(name = "schedule", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Print (and plot) a learning-rate schedule for a run, and warn about likely mistakes.",
            "The lr of each step is base-lr times the schedule's multiplier; per epoch shows each epoch's first step.",
            "Loss-based factors (plateau) react during training and are shown at their starting value, 1."},
        footer = {
            "",
            "Schedule grammar (docs/schedules.md): NAME:key=value,... joined by",
            "  A > B     A, then B on its own clock; each piece but the last needs a",
            "            length: 'A for 30ep >', warmup:LEN, or an explicit over=",
            "  A * B     the product, e.g. a time schedule times plateau",
            "  X | clamp:min=M,max=N   bounds;   ( )   groups",
            "Durations: 500 (steps), 30ep (epochs), 30%% (of the run).",
            "Run 'kiln schedule --list' for every family and its parameters.",
            "",
            "Examples:",
            "  kiln schedule 'step:every=2ep,gamma=0.8' --epochs 10 \\",
            "      --steps-per-epoch 20 --base-lr 0.01",
            "  kiln schedule 'warmup:5%% > cosine:min=0.01' --epochs 90 \\",
            "      --dataset-size 50000 --batch-size 128 --png lr.png",
            "  kiln schedule 'onecycle' --epochs 5 --steps-per-epoch 100 --per step --csv",
            "  kiln schedule '(warmup:500 > cosine) * plateau:patience=3' --epochs 30 \\",
            "      --steps-per-epoch 400"})
public final class ScheduleCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "SPEC", description = "The schedule, e.g. 'warmup:5%% > cosine:min=0.01'.")
    String specText;

    @Option(names = "--epochs", paramLabel = "E", description = "Epochs in the run.")
    Long epochs;

    @Option(names = "--steps-per-epoch", paramLabel = "S", description = "Optimizer steps per epoch.")
    Long stepsPerEpoch;

    @Option(names = "--dataset-size", paramLabel = "N", description = "Training rows (with --batch-size, instead of --steps-per-epoch).")
    Long datasetSize;

    @Option(names = "--batch-size", paramLabel = "B", description = "Rows per step; the last partial batch counts as a step.")
    Integer batchSize;

    @Option(names = "--base-lr", paramLabel = "LR", defaultValue = "1", description = "The optimizer's learning rate (default: ${DEFAULT-VALUE}, i.e. print the multiplier).")
    double baseLr;

    @Option(names = "--per", paramLabel = "epoch|step", defaultValue = "epoch", description = "One row per epoch (default) or per step.")
    String per;

    @Option(names = "--csv", description = "Print CSV (step,epoch,lr[,momentum]) instead of a table; warnings go to stderr.")
    boolean csv;

    @Option(names = "--png", paramLabel = "FILE", description = "Also draw the schedule (every step) into this PNG file.")
    Path png;

    @Option(names = "--list", description = "List the schedule families and their parameters, then exit.")
    boolean list;

    @Spec
    CommandSpec commandSpec;

    @Override
    public Integer call() {
        PrintWriter out = commandSpec.commandLine().getOut();
        PrintWriter err = commandSpec.commandLine().getErr();
        try {
            return run(out, err);
        } finally {
            out.flush();
            err.flush();
        }
    }

    private int run(PrintWriter out, PrintWriter err) {
        if (list) {
            out.println("Families (* = required parameter):");
            for (String line : ScheduleSpec.families()) out.println("  " + line);
            return 0;
        }
        if (specText == null) return usage(err, "missing SPEC, e.g. kiln schedule 'step:every=2ep,gamma=0.8' --epochs 10 --steps-per-epoch 20");
        ScheduleSpec spec;
        try {
            spec = ScheduleSpec.parse(specText);
        } catch (ScheduleSpecException e) {
            err.println("kiln schedule: " + e.getMessage());
            return 2;
        }
        if (!per.equals("epoch") && !per.equals("step")) return usage(err, "--per must be epoch or step, got '" + per + "'");
        if (!(baseLr > 0) || Double.isInfinite(baseLr)) return usage(err, "--base-lr must be a number > 0, got " + baseLr);
        if (png != null) {
            Path dir = png.toAbsolutePath().getParent();
            if (dir != null && !java.nio.file.Files.isDirectory(dir)) return usage(err, "--png " + png + ": no such directory " + dir);
            if (java.nio.file.Files.isDirectory(png)) return usage(err, "--png " + png + " is a directory; give a file name, e.g. " + png.resolve("lr.png"));
        }
        if (epochs == null) return usage(err, "--epochs is required");
        if (epochs < 1) return usage(err, "--epochs must be at least 1, got " + epochs);
        RunPlan plan;
        if (stepsPerEpoch != null) {
            if (datasetSize != null || batchSize != null)
                return usage(err, "give --steps-per-epoch, or --dataset-size with --batch-size, not both");
            if (stepsPerEpoch < 1) return usage(err, "--steps-per-epoch must be at least 1, got " + stepsPerEpoch);
            if (epochs > Long.MAX_VALUE / stepsPerEpoch)
                return usage(err, "--epochs " + epochs + " x --steps-per-epoch " + stepsPerEpoch + " is more than " + Long.MAX_VALUE + " steps");
            plan = new RunPlan(stepsPerEpoch, stepsPerEpoch * epochs);
        } else if (datasetSize != null && batchSize != null) {
            if (datasetSize < 1 || batchSize < 1) return usage(err, "--dataset-size and --batch-size must be at least 1");
            if (epochs > Integer.MAX_VALUE)
                return usage(err, "--epochs must be at most " + Integer.MAX_VALUE + " with --dataset-size (as kiln train), got " + epochs);
            try {
                plan = RunPlan.of(datasetSize, batchSize, Math.toIntExact(epochs));
            } catch (IllegalArgumentException e) {
                return usage(err, e.getMessage());
            }
        } else {
            return usage(err, "give --steps-per-epoch, or --dataset-size with --batch-size");
        }
        BoundSchedule bound;
        List<String> warnings;
        try {
            bound = spec.bind(plan);
            warnings = spec.lint(plan);
        } catch (ScheduleSpecException e) {
            err.println("kiln schedule: " + e.getMessage());
            return 2;
        }
        long n = plan.totalSteps();
        long spe = plan.stepsPerEpoch();
        boolean perStep = per.equals("step");
        long stride = perStep ? 1 : spe;
        boolean cycles = false;
        for (long s = 0; s < n && !cycles; s += stride) cycles = bound.momentum(s).isPresent();
        if (csv) {
            out.println(cycles ? "step,epoch,lr,momentum" : "step,epoch,lr");
            for (long s = 0; s < n; s += stride) {
                OptionalDouble m = bound.momentum(s);
                out.print(s + "," + s / spe + "," + baseLr * bound.factor(s));
                out.println(!cycles ? "" : "," + (m.isPresent() ? Double.toString(m.getAsDouble()) : ""));
            }
        } else {
            out.println("schedule  " + spec);
            out.println("run       " + epochs + " epochs x " + spe + " steps = " + n + " steps, base lr " + num(baseLr));
            // lr values take up to 16 characters (10 significant digits, a sign and an exponent): always one space after
            out.println(String.format("%8s %10s  %-16s %s", "epoch", "step", "lr", cycles ? "momentum" : "").stripTrailing());
            for (long s = 0; s < n; s += stride) {
                OptionalDouble m = bound.momentum(s);
                String mom = !cycles ? "" : m.isPresent() ? num(m.getAsDouble()) : "-";
                out.println(String.format("%8d %10d  %-16s %s", s / spe, s, num(baseLr * bound.factor(s)), mom).stripTrailing());
            }
        }
        if (spec.observesMetric())
            err.println("note: plateau factors react to the loss during training; shown here at their starting value 1");
        for (String w : warnings) err.println("warning: " + w);
        if (png != null) {
            LongToDoubleFunction x = s -> perStep ? s : (double) s / spe;
            double[][] lr = ScheduleChart.sample(n, x, s -> baseLr * bound.factor(s));
            double[][] mom = ScheduleChart.sample(n, x, s -> bound.momentum(s).orElse(Double.NaN));
            try {
                ScheduleChart.write(png, spec.toString(), perStep ? "step" : "epoch", lr, mom[0].length == 0 ? null : mom);
            } catch (IOException | RuntimeException e) {
                err.println("cannot write " + png + ": " + e.getMessage());
                return 1;
            }
            if (!csv) out.println("wrote " + png);
        }
        return 0;
    }

    private int usage(PrintWriter err, String message) {
        err.println("kiln schedule: " + message);
        return 2;
    }

    /**
     * Up to 10 significant digits without trailing zeros, plain from 1e-4 to 1e7 (0.004096) and scientific with
     * a lower-case e outside (6.089296976e-6, 1e8): one form per range, at most 16 characters, so the column
     * stays aligned (BigDecimal's own toString wrote 0.000006089296976 and 1E+8 in one table).
     */
    static String num(double v) {
        if (v == 0 || !Double.isFinite(v)) return v == 0 ? "0" : Double.toString(v);
        // rounded first, so the printed value decides the form (9999999.99996 prints as 1e7), then the grammar's form
        return ScheduleSpec.number(new BigDecimal(v).round(new MathContext(10)).doubleValue());
    }
}
