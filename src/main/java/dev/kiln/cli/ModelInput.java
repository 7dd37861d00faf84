package dev.kiln.cli;

import dev.kiln.backend.Activation;
import dev.kiln.data.CsvReader;
import dev.kiln.data.Dataset;
import dev.kiln.data.NanPolicy;
import dev.kiln.train.Targets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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

    /**
     * Loads labelled data for the model and applies the run's standardizer. {@code label} is the {@code --label}
     * flag (null: a CSV file's columns decide, see {@link #csv}, else the run's label column).
     */
    static Dataset labelled(String spec, String label, long seed, ModelFiles.Loaded m) {
        Dataset d;
        try {
            if (DataSource.isCsv(spec)) return fit(csv(Path.of(spec), m, label, true), m);
            String column = label != null ? label : m.setting("label");
            d = DataSource.load(spec, true, column, seed, classes(m), m.classNames(), Targets.regression(m.model()), NanPolicy.REJECT, note -> {});
        } catch (IllegalArgumentException e) {
            throw CliException.usage("--data", withoutTrainHint(e));
        }
        return fit(d, m);
    }

    private static int classes(ModelFiles.Loaded m) {
        return m.model().outputLayer().activation() == Activation.SOFTMAX ? m.model().outputSize() : 0;
    }

    /**
     * A CSV file for a saved model, its columns matched to the model's. Where the training file had a header
     * (the model keeps its feature names) and this file has one, the columns are matched by name, in any order
     * (as pandas's {@code df[features]}): the model's features, plus one more column for the label (required by
     * eval, ignored by predict) unless {@code --label} names it. A first line that names none of the features and
     * holds at most one name (a class label: {@code 5.1,3.5,1.4,0.2,setosa}) is data, not a header. Without names
     * on both sides the columns are taken in order: the features alone (as many columns as the model's input,
     * predict only), or features and a label column ({@code --label}, else the run's, else the last).
     *
     * @param needLabel whether the label is read (eval), or only skipped where present (predict)
     * @return the data, not yet standardised
     * @throws IllegalArgumentException naming the file and the columns that do not fit
     */
    static Dataset csv(Path file, ModelFiles.Loaded m, String label, boolean needLabel) {
        List<String> features = m.featureNames();
        List<String> header = new CsvReader().header(file);
        boolean dataFirst = !header.isEmpty() && !features.isEmpty() && header.stream().noneMatch(features::contains)
                && header.stream().filter(c -> !isNumber(c)).count() <= 1;
        if (dataFirst) header = List.of();
        if (!header.isEmpty() && !features.isEmpty()) {
            List<String> missing = new ArrayList<>(features), extra = new ArrayList<>(header);
            missing.removeAll(header);
            extra.removeAll(features);
            if (!missing.isEmpty())
                throw new IllegalArgumentException(file + ": its columns (" + String.join(", ", header) + ") lack the model's feature"
                        + (missing.size() == 1 ? " " : "s ") + String.join(", ", missing) + " (it takes " + String.join(", ", features) + ")");
            if (label != null && !header.contains(label) && !label.matches("-?\\d+"))
                throw new IllegalArgumentException(file + ": no label column '" + label + "' (columns: " + String.join(", ", header) + ")");
            if (!needLabel) {
                // predict reads the features only: every other column (a label, an id) is left out unread, whatever it holds
                return new CsvReader().header(CsvReader.Header.PRESENT).featuresOnly().skipColumns(extra).read(file).selectFeatures(features);
            }
            String column = label;
            if (column != null && !header.contains(column)) {      // an index: the header's name for it
                int i = Integer.parseInt(column.trim());
                if (i < 0) i += header.size();
                if (i < 0 || i >= header.size())
                    throw new IllegalArgumentException(file + ": label column " + label + " is outside its " + header.size() + " columns");
                column = header.get(i);
            }
            if (column != null && features.contains(column))
                throw new IllegalArgumentException(file + ": the label column " + column + " is one of the model's features");
            if (column == null && extra.size() == 1) column = extra.get(0);
            if (column == null && extra.size() > 1)
                throw new IllegalArgumentException(file + ": besides the model's features it has " + extra.size() + " columns ("
                        + String.join(", ", extra) + "): name the label column with --label");
            if (column == null)
                throw new IllegalArgumentException(file + ": no label column: its columns are the model's features alone");
            List<String> others = new ArrayList<>(extra);
            others.remove(column);
            return reader(m).header(CsvReader.Header.PRESENT).labelColumn(column).skipColumns(others).read(file).selectFeatures(features);
        }
        CsvReader.Header h = dataFirst ? CsvReader.Header.ABSENT : CsvReader.Header.AUTO;
        if (!needLabel && label == null && new CsvReader().header(h).columns(file) == m.model().inputSize())
            return new CsvReader().header(h).featuresOnly().read(file);
        String column = label != null ? label : m.setting("label");
        // a header-less file cannot be asked for a column by name: the run's label name means the last column there
        if (column != null && header.isEmpty() && label == null && !column.matches("-?\\d+")) column = null;
        CsvReader r = reader(m).header(h);
        if (column != null) r.labelColumn(column);
        return r.read(file);
    }

    private static CsvReader reader(ModelFiles.Loaded m) {
        CsvReader r = new CsvReader().nanPolicy(NanPolicy.REJECT);
        if (Targets.regression(m.model())) r.valueLabels();
        else if (!m.classNames().isEmpty()) r.classNames(m.classNames());
        else if (classes(m) > 0) r.classes(classes(m));
        return r;
    }

    private static boolean isNumber(String cell) {
        try {
            Double.parseDouble(cell.trim());
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
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
