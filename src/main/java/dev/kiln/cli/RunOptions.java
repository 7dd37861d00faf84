package dev.kiln.cli;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Option;

/**
 * The flags of a training run, as picocli mixins that the subcommands combine. Every flag is optional and
 * boxed (null: not given), because a config file may supply the value; {@link #into} hands the given ones to
 * a {@link ConfigStack}, where they override the file.
 */
final class RunOptions {
    private RunOptions() {}

    /** {@code --config FILE}. */
    static final class ConfigFile {
        @Option(names = "--config", paramLabel = "FILE", order = 0,
                description = "A JSON or YAML file of settings (keys = flag names without '--'); flags override it."
                        + " A run's config.json replays the run.")
        Path config;
    }

    /** The training data. */
    static final class Data {
        @Option(names = "--data", paramLabel = "DATA", order = 10,
                description = "Training data: FILE.csv, IMAGES.idx[.gz]:LABELS.idx[.gz], synthetic, iris or digits.")
        String data;

        @Option(names = "--label", paramLabel = "COLUMN", order = 11,
                description = "CSV label column: header name or 0-based index (default: the last column); "
                        + "class indices 0, 1, ... or class names (sorted into classes).")
        String label;

        @Option(names = "--standardize", negatable = true, order = 12,
                description = "Scale each feature to mean 0, std 1 (measured on the training rows; default: off).")
        Boolean standardize;

        void into(ConfigStack c) {
            c.flag("data", "--data", data);
            c.flag("label", "--label", label);
            c.flag("standardize", Boolean.FALSE.equals(standardize) ? "--no-standardize" : "--standardize", standardize);
        }
    }

    /** The validation data. */
    static final class Validation {
        @Option(names = "--test", paramLabel = "DATA", order = 13,
                description = "Validation data, evaluated after every epoch (same forms as --data).")
        String test;

        @Option(names = "--validation-split", paramLabel = "F", order = 14,
                description = "Hold out this fraction of the training rows (the last ones, before shuffling) for validation; "
                        + "as Keras, the first floor(rows * (1 - F)) rows train.")
        Double validationSplit;

        void into(ConfigStack c) {
            c.flag("test", "--test", test);
            c.flag("validation-split", "--validation-split", validationSplit);
        }
    }

    /** The network. */
    static final class Network {
        @Option(names = "--layers", paramLabel = "LAYERS", order = 20,
                description = "Layers after the input: units:activation[:init] or dropout:p, comma-separated,"
                        + " e.g. 9:relu,9:relu,3:softmax (activations: linear relu leaky_relu(s) sigmoid tanh gelu softmax);"
                        + " one sigmoid unit (...,1:sigmoid) classifies data with two classes, labels 0 and 1.")
        String layers;

        @Option(names = "--loss", paramLabel = "LOSS", order = 21,
                description = "softmax_cross_entropy, bce or mse (default: the one that fits the output activation); "
                        + "bce and mse average over the outputs, as PyTorch and Keras; one output under mse is "
                        + "regression (the CSV label column holds values).")
        String loss;

        @Option(names = "--init", paramLabel = "FILE", order = 22,
                description = "Start from these weights (safetensors, e.g. a run's model.safetensors) instead of the seed's.")
        Path init;

        void into(ConfigStack c) {
            c.flag("layers", "--layers", layers);
            c.flag("loss", "--loss", loss);
            c.flag("init", "--init", init == null ? null : init.toString());
        }
    }

    /** The optimizer and clipping. */
    static final class Optimization {
        @Option(names = "--optimizer", paramLabel = "SPEC", order = 30,
                description = "name[:key=value,...], e.g. sgd:lr=0.01,momentum=0.9 or adam:lr=1e-3 (default: sgd:lr=0.01).")
        String optimizer;

        @Option(names = "--clip-norm", paramLabel = "N", order = 32, description = "Clip the global gradient norm to N (default: off).")
        Double clipNorm;

        @Option(names = "--clip-value", paramLabel = "V", order = 33, description = "Clip each gradient element to [-V, V] (default: off).")
        Double clipValue;

        void into(ConfigStack c) {
            c.flag("optimizer", "--optimizer", optimizer);
            c.flag("clip-norm", "--clip-norm", clipNorm);
            c.flag("clip-value", "--clip-value", clipValue);
        }
    }

    /**
     * {@code --on-divergence} for {@code kiln compare}; {@code kiln train} takes the same flag from
     * {@link CheckpointOptions}, with its crash-safety flags. Either way the value goes into the config key
     * {@code on-divergence}, so a config file may set it too.
     */
    static final class Divergence {
        @Option(names = "--on-divergence", paramLabel = "POLICY", order = 34,
                description = "When a loss or gradient is NaN or infinite: stop (default; exit 1), skip the step, rollback[:FACTOR]"
                        + " (to the last good state, lr times FACTOR, default 0.5) or off.")
        String onDivergence;

        void into(ConfigStack c) {
            c.flag("on-divergence", "--on-divergence", onDivergence);
        }
    }

    /** The learning-rate schedule. */
    static final class Schedule {
        @Option(names = "--schedule", paramLabel = "SPEC", order = 31,
                description = "Learning-rate schedule, e.g. 'step:every=2ep,gamma=0.8' or 'warmup:5%% > cosine' (default: constant;"
                        + " see kiln schedule --help).")
        String schedule;

        void into(ConfigStack c) {
            c.flag("schedule", "--schedule", schedule);
        }
    }

    /** How long to train. */
    static final class Epochs {
        @Option(names = "--epochs", paramLabel = "N", order = 40, description = "Epochs to train (default: 10).")
        Integer epochs;

        void into(ConfigStack c) {
            c.flag("epochs", "--epochs", epochs);
        }
    }

    /** Batches, seed and order. */
    static final class Batches {
        @Option(names = "--batch-size", paramLabel = "B", order = 41, description = "Rows per optimizer step; the last partial batch is kept (default: 32; kiln compare: 50).")
        Integer batchSize;

        @Option(names = "--seed", paramLabel = "S", order = 42,
                description = "Seeds the initial weights, the batch order, dropout and synthetic data (default: 0).")
        Long seed;

        @Option(names = "--shuffle", negatable = true, order = 43,
                description = "Visit the rows in a new seeded order every epoch (default); --no-shuffle keeps file order.")
        Boolean shuffle;

        void into(ConfigStack c) {
            c.flag("batch-size", "--batch-size", batchSize);
            c.flag("seed", "--seed", seed);
            c.flag("shuffle", Boolean.FALSE.equals(shuffle) ? "--no-shuffle" : "--shuffle", shuffle);
        }
    }

    /** Where to run. */
    static final class Device {
        @Option(names = "--backend", paramLabel = "NAME", order = 50,
                description = "cuda, opencl, cpu or auto (default: KILN_BACKEND, else the best available).")
        String backend;

        @Option(names = "--device", paramLabel = "I", order = 51, description = "Device index within the backend (kiln devices lists them).")
        Integer device;

        void into(ConfigStack c) {
            c.flag("backend", "--backend", backend);
            c.flag("device", "--device", device);
        }
    }

    /** Where results go and how much is said. */
    static final class Output {
        @Option(names = "--out", paramLabel = "DIR", order = 60,
                description = "The run directory (default: runs/NAME-yyyyMMdd-HHmmss); it must not exist, or be empty or hold only checkpoints/.")
        Path out;

        @Option(names = "--name", paramLabel = "NAME", order = 61, description = "The run's name, used in the default --out (default: the command's, train or compare).")
        String name;

        @Option(names = {"-q", "--quiet"}, order = 62, description = "Print nothing but errors.")
        boolean quiet;

        @Option(names = "--json", order = 63, description = "Print a JSON summary on stdout instead of tables.")
        boolean json;

        void into(ConfigStack c) {
            c.flag("out", "--out", out == null ? null : out.toString());
            c.flag("name", "--name", name);
        }
    }

    /** Every config key but {@code excluded}: what a command's files may set. */
    static Set<String> keysExcept(String... excluded) {
        Set<String> keys = new LinkedHashSet<>(ConfigStack.ALL_KEYS);
        keys.removeAll(List.of(excluded));
        return keys;
    }
}
