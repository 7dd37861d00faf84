package dev.kiln.cli;

import dev.kiln.backend.Activation;
import dev.kiln.data.Dataset;
import dev.kiln.data.NanPolicy;
import dev.kiln.train.Targets;
import java.nio.file.Path;

/**
 * The data {@code kiln eval} and {@code kiln predict} feed a saved model: {@code --data} (default: the run's
 * validation data), read with the run's label column and seed, scaled with the run's standardizer, and
 * checked against the model's width.
 */
final class ModelInput {
    private ModelInput() {}

    /** The resolved data spec: the flag's, else the run's test data. */
    static String spec(String flag, ModelFiles.Loaded m) {
        if (flag != null) return DataSource.resolve(flag, Path.of("").toAbsolutePath());
        String test = m.setting("test");
        if (test == null) throw CliException.usage("--data is required (the run of " + m.file() + " had no --test data)");
        return test;
    }

    /** The seed for synthetic data: the flag's, else the run's, else 0. */
    static long seed(Long flag, ModelFiles.Loaded m) {
        if (flag != null) return flag;
        String s = m.setting("seed");
        try {
            return s == null ? 0 : Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw CliException.usage("--model: config.json: seed '" + s + "' is not a whole number");
        }
    }

    /** Loads labelled data for the model and applies the run's standardizer. */
    static Dataset labelled(String spec, String label, long seed, ModelFiles.Loaded m) {
        int classes = m.model().outputLayer().activation() == Activation.SOFTMAX ? m.model().outputSize() : 0;
        Dataset d;
        try {
            d = DataSource.load(spec, true, label, seed, classes, m.classNames(), Targets.regression(m.model()), NanPolicy.REJECT, note -> {});
        } catch (IllegalArgumentException e) {
            throw CliException.usage("--data", withoutTrainHint(e));
        }
        return fit(d, m);
    }

    /** A data error without the hint at train's --nan-policy, which eval and predict do not have (they read every row). */
    static IllegalArgumentException withoutTrainHint(IllegalArgumentException e) {
        String hint = "; the drop policy (--nan-policy drop, CsvReader.nanPolicy(DROP)) drops such rows";
        String m = e.getMessage();
        if (m == null || !m.endsWith(hint)) return e;
        return new IllegalArgumentException(m.substring(0, m.length() - hint.length()) + " (eval and predict read every row: fill or remove them)", e);
    }

    /** Checks the width (and the feature names, where both sides have them) and applies the standardizer. */
    static Dataset fit(Dataset d, ModelFiles.Loaded m) {
        if (!d.featureNames().isEmpty() && !m.featureNames().isEmpty() && !d.featureNames().equals(m.featureNames()))
            throw CliException.usage("--data: " + d.name() + "'s feature columns (" + String.join(", ", d.featureNames())
                    + ") are not the training's (" + String.join(", ", m.featureNames()) + ")");
        if (d.cols() != m.model().inputSize())
            throw CliException.usage("--data: " + d.name() + " has " + d.cols() + " features, but the model " + m.file() + " takes "
                    + m.model().inputSize());
        return m.standardizer() == null ? d : m.standardizer().apply(d);
    }

    /** Rows per forward pass: the flag's, else the run's batch size, else 256. */
    static int batch(Integer flag, ModelFiles.Loaded m) {
        if (flag != null) {
            if (flag < 1) throw CliException.usage("--batch-size: must be >= 1, got " + flag);
            return flag;
        }
        String b = m.setting("batch-size");
        try {
            return b == null ? 256 : Math.max(1, Integer.parseInt(b));
        } catch (NumberFormatException e) {
            throw CliException.usage("--model: config.json: batch-size '" + b + "' is not a whole number");
        }
    }
}
