package dev.kiln.cli;

import dev.kiln.backend.Backends;
import dev.kiln.data.Dataset;
import dev.kiln.data.NanPolicy;
import dev.kiln.data.Standardizer;
import dev.kiln.nn.Loss;
import dev.kiln.nn.Model;
import dev.kiln.nn.Weights;
import dev.kiln.optim.Optimizer;
import dev.kiln.optim.Optimizers;
import dev.kiln.report.RunDirectory;
import dev.kiln.schedule.RunPlan;
import dev.kiln.schedule.ScheduleSpec;
import dev.kiln.train.Callback;
import dev.kiln.train.DivergencePolicy;
import dev.kiln.train.Targets;
import dev.kiln.train.TrainConfig;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * A run resolved from its {@link ConfigStack} and checked before anything is written or any device opened:
 * every value in range, every text (layers, loss, optimizer, schedule) parsed, the data loaded and
 * standardised, the model built for the data's width, the schedule bound to the run's length (with its
 * lint warnings), the initial weights drawn or loaded. Any problem is a {@link CliException#usage} naming
 * the flag or file it came from, so a bad run fails before it leaves a trace.
 */
final class RunSetup {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]*");

    /**
     * What a command assumes when neither a file nor a flag says.
     *
     * @param name      the run's name
     * @param data      the training data, or null (then --data is required)
     * @param test      the validation data when the training data is the default, or null
     * @param layers    the layers, or null (then --layers is required)
     * @param epochs    epochs
     * @param batchSize rows per step
     */
    record Defaults(String name, String data, String test, String layers, int epochs, int batchSize) {}

    /** A compare contestant with its texts parsed. */
    record Contestant(String name, Optimizer optimizer, ScheduleSpec schedule) {}

    final ConfigStack config;
    final String name;
    final String dataSpec, testSpec, label, initSpec;
    final boolean standardize, shuffle;
    /** One output under MSE: a CSV label column holds target values, not classes. */
    final boolean regression;
    final double validationSplit;
    final Model model;
    final Optimizer optimizer;
    final ScheduleSpec schedule;
    final double clipNorm, clipValue;
    final DivergencePolicy divergence;
    final NanPolicy nanPolicy;
    final int epochs, batchSize;
    final long seed;
    final String backend;
    final Integer device;
    final Path out;
    final Dataset train, validation;
    final Standardizer standardizer;
    final RunPlan plan;
    final float[] initial;
    final List<String> warnings = new ArrayList<>();

    private RunSetup(ConfigStack c, Defaults d) {
        config = c;
        name = c.string("name", d.name());
        if (!NAME.matcher(name).matches()) throw c.bad("name", "'" + name + "' must be letters, digits, '.', '_' or '-'");
        epochs = c.integer("epochs", d.epochs());
        if (epochs < 1) throw c.bad("epochs", "must be >= 1, got " + epochs);
        batchSize = c.integer("batch-size", d.batchSize());
        if (batchSize < 1) throw c.bad("batch-size", "must be >= 1, got " + batchSize);
        seed = c.whole("seed", 0L);
        shuffle = c.bool("shuffle", true);
        standardize = c.bool("standardize", false);
        validationSplit = c.number("validation-split", 0.0);
        if (!(validationSplit >= 0 && validationSplit < 1)) throw c.bad("validation-split", "must be in [0, 1), got " + validationSplit);
        clipNorm = c.number("clip-norm", 0.0);
        if (!(clipNorm >= 0) || Double.isInfinite(clipNorm)) throw c.bad("clip-norm", "must be a number >= 0 (0: off), got " + clipNorm);
        clipValue = c.number("clip-value", 0.0);
        if (!(clipValue >= 0) || Double.isInfinite(clipValue)) throw c.bad("clip-value", "must be a number >= 0 (0: off), got " + clipValue);
        divergence = parse("on-divergence", () -> DivergencePolicy.parse(c.string("on-divergence", "stop")));
        nanPolicy = parse("nan-policy", () -> NanPolicy.parse(c.string("nan-policy", "reject")));
        device = c.integer("device", null);
        if (device != null && device < 0) throw c.bad("device", "must be >= 0, got " + device);
        backend = c.string("backend", Backends.defaultName()).strip().toLowerCase(Locale.ROOT);
        if (!backend.equals("auto")) {
            try {
                Backends.provider(backend);
            } catch (IllegalArgumentException e) {
                throw CliException.usage(c.has("backend") ? c.origin("backend") : "KILN_BACKEND", e);
            }
        }

        // texts, before any data is read
        String layerText = c.string("layers", d.layers());
        if (layerText == null) throw CliException.usage("--layers is required" + c.lookedIn("layers") + ", e.g. --layers 9:relu,9:relu,3:softmax");
        Loss loss = null;
        String lossText = c.string("loss", null);
        if (lossText != null) loss = parse("loss", () -> Loss.parse(lossText));
        Loss chosenLoss = loss;
        Model shape = parse("layers", () -> chosenLoss == null ? Model.parse(layerText, 1) : Model.parse(layerText, 1, chosenLoss));
        // one output under MSE is regression, as in Keras (Dense(1) with loss='mse'): a CSV label column holds values
        regression = Targets.regression(shape);
        optimizer = parse("optimizer", () -> Optimizers.parse(c.string("optimizer", "sgd:lr=0.01")));
        schedule = c.known("schedule") ? parse("schedule", () -> ScheduleSpec.parse(c.string("schedule", "constant"))) : null;
        String outText = c.string("out", null);
        out = outText == null ? null : Path.of(outText);
        if (out != null) {
            try {
                RunDirectory.checkTarget(out);
            } catch (IllegalArgumentException e) {
                throw CliException.usage(c.origin("out"), e);
            }
        }
        initSpec = c.string("init", null);
        label = c.string("label", null);

        // data
        dataSpec = c.string("data", d.data());
        if (dataSpec == null) throw CliException.usage("--data is required" + c.lookedIn("data") + ": a CSV file, IMAGES:LABELS IDX files, synthetic, iris or digits");
        // a default validation set (compare's synthetic test rows) only goes with the data it belongs to
        String defaultTest = d.test() != null && dataSpec.equals(d.data()) && validationSplit == 0 ? d.test() : null;
        testSpec = c.known("test") ? c.string("test", defaultTest) : null;
        if (testSpec != null && validationSplit > 0)
            throw CliException.usage(c.origin("validation-split") + ": give either --test or --validation-split, not both"
                    + (c.origin("test").endsWith(": test") ? " (the test set comes from " + c.origin("test") + ")" : ""));
        Dataset read = parse("data", () -> DataSource.load(dataSpec, false, label, seed, 0, List.of(), regression, nanPolicy, warnings::add));
        // a softmax wider than the labels seen (a subset without the last classes) trains over its width, as Keras's
        // sparse cross-entropy and torch's CrossEntropyLoss do; said in a warning, since it may also be a mistake
        int units = softmaxUnits(layerText);
        if (units > read.classes() && read.isClassification() && read.integerLabels() != null && read.classNames().isEmpty()) {
            warnings.add(read.name() + ": its labels hold " + read.classes() + " classes (0 to " + (read.classes() - 1) + "), the "
                    + units + "-unit softmax makes it " + units + " (" + (units - read.classes() == 1 ? "label " + read.classes()
                    : "labels " + read.classes() + " to " + (units - 1)) + " never seen in training)");
            read = read.withClasses(units);
        }
        Dataset all = read;
        Dataset tr = all, val = null;
        if (testSpec != null) val = parse("test", () -> DataSource.load(testSpec, true, label, seed,
                all.isClassification() ? all.classes() : 0, all.classNames(), regression, nanPolicy, warnings::add));
        if (validationSplit > 0) {
            Dataset.Split s = parse("validation-split", () -> all.splitLast(validationSplit));
            tr = s.train();
            val = s.test();
        }
        if (val != null && val.cols() != tr.cols())
            throw CliException.usage(c.origin("test") + ": " + val.name() + " has " + val.cols() + " features, but the training data "
                    + tr.name() + " has " + tr.cols());
        if (standardize) {
            standardizer = Standardizer.fit(tr);
            tr = standardizer.apply(tr);
            if (val != null) val = standardizer.apply(val);
        } else {
            standardizer = null;
        }
        train = tr;
        validation = val;

        // the model for the data's width
        int width = train.cols();
        model = parse("layers", () -> chosenLoss == null ? Model.parse(layerText, width) : Model.parse(layerText, width, chosenLoss));
        if (model.outputSize() != train.targetCols() && !Targets.binary(train, model.outputSize()))
            throw c.bad("layers", "the output layer has " + model.outputSize() + " units, but " + train.name() + " has "
                    + train.targetCols() + (train.isClassification() ? " classes" : " target columns")
                    + (train.isClassification() && model.outputSize() == 1 ? " (one output fits two classes only)" : ""));
        plan = RunPlan.of(train.rows(), batchSize, epochs);
        if (schedule != null) check("schedule", schedule);
        initial = initSpec == null ? model.initialParameters(seed) : parse("init", () -> Weights.load(model, Path.of(initSpec)));
    }

    /** The output width of a softmax model text, or 0 (other outputs, or text that does not parse: reported later). */
    private static int softmaxUnits(String layerText) {
        if (layerText == null) return 0;
        try {
            Model m = Model.parse(layerText, 1);
            return m.outputLayer().activation() == dev.kiln.backend.Activation.SOFTMAX ? m.outputSize() : 0;
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /** Resolves and checks the stack; see the class comment. */
    static RunSetup prepare(ConfigStack c, Defaults d) {
        return new RunSetup(c, d);
    }

    /** Binds a schedule to this run (a duration that does not fit is an error) and collects its lint warnings. */
    void check(String key, ScheduleSpec s) {
        parse(key, () -> s.bind(plan));
        for (String w : parse(key, () -> s.lint(plan))) warnings.add(w);
    }

    /** The compare contestants: each variant's texts, or the run's own where a variant gives none. */
    List<Contestant> contestants(List<Variant> variants) {
        List<Contestant> out = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Variant v : variants) {
            String where = config.origin("variants") + " '" + v.name() + "'";
            if (names.contains(v.name())) throw CliException.usage(where + ": the name is used twice");
            names.add(v.name());
            Optimizer o = v.optimizer() == null ? optimizer : guarded(where, () -> Optimizers.parse(v.optimizer()));
            ScheduleSpec s = v.schedule() == null ? (schedule == null ? ScheduleSpec.constant() : schedule)
                    : guarded(where, () -> ScheduleSpec.parse(v.schedule()));
            guarded(where, () -> s.bind(plan));
            for (String w : guarded(where, () -> s.lint(plan))) warnings.add(v.name() + ": " + w);
            out.add(new Contestant(v.name(), o, s));
        }
        if (out.isEmpty()) throw CliException.usage(config.origin("variants") + ": no variants to compare");
        return out;
    }

    /** The trainer configuration for one optimizer and schedule. */
    TrainConfig trainConfig(Optimizer o, ScheduleSpec s, List<Callback> callbacks) {
        // a batch larger than the data trains as one batch of all of it: the buffers need no more rows than that
        return TrainConfig.builder().epochs(epochs).batchSize(Math.min(batchSize, train.rows())).seed(seed).shuffle(shuffle)
                .optimizer(o).schedule(s::bind).clipNorm((float) clipNorm).clipValue((float) clipValue)
                .divergence(divergence).callbacks(callbacks).build();
    }

    /** Where the run goes: {@code --out}, else {@code runs/NAME-yyyyMMdd-HHmmss}. */
    Path target(LocalDateTime now) {
        return out != null ? out : RunDirectory.defaultTarget(Path.of("runs"), name, now);
    }

    /**
     * The fully resolved settings, as {@code config.json} holds them: every key with its value (paths absolute,
     * texts canonical, the backend that actually ran), so that {@code --config config.json} replays the run.
     */
    Map<String, Object> resolved(String backendName, List<Contestant> contestants) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("data", dataSpec);
        if (testSpec != null) m.put("test", testSpec);
        if (label != null) m.put("label", label);
        m.put("standardize", standardize);
        m.put("validation-split", validationSplit);
        m.put("layers", model.spec());
        m.put("loss", model.loss().spec());
        if (initSpec != null) m.put("init", initSpec);
        if (contestants == null) {
            m.put("optimizer", optimizer.spec());
            if (schedule != null) m.put("schedule", schedule.toString());
        }
        m.put("clip-norm", clipNorm);
        m.put("clip-value", clipValue);
        m.put("on-divergence", divergence.toString());
        m.put("nan-policy", nanPolicy.toString());
        m.put("epochs", epochs);
        m.put("batch-size", batchSize);
        m.put("seed", seed);
        m.put("shuffle", shuffle);
        m.put("backend", backendName);
        if (device != null) m.put("device", device);
        if (contestants != null) {
            List<Map<String, Object>> vs = new ArrayList<>();
            for (Contestant k : contestants) {
                Map<String, Object> v = new LinkedHashMap<>();
                v.put("name", k.name());
                v.put("schedule", k.schedule().toString());
                v.put("optimizer", k.optimizer().spec());
                vs.add(v);
            }
            m.put("variants", vs);
        }
        return m;
    }

    /** The device index for {@code Backends.open} (-1: the backend's best). */
    int deviceIndex() { return device == null ? -1 : device; }

    /** Runs a library call whose IllegalArgumentException is bad input from {@code key}. */
    private <T> T parse(String key, Supplier<T> call) {
        try {
            return call.get();
        } catch (IllegalArgumentException e) {
            throw CliException.usage(config.origin(key), e);
        }
    }

    private static <T> T guarded(String where, Supplier<T> call) {
        try {
            return call.get();
        } catch (IllegalArgumentException e) {
            throw CliException.usage(where, e);
        }
    }
}
