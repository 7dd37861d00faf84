package dev.kiln.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Rows of features in a flat row-major float array {@code features[rows * cols]}, and their targets: for
 * classification either integer class labels {@code labels[rows]} ({@link #ofLabels}; what the readers and
 * generators make, one int per row as PyTorch's {@code CrossEntropyLoss} takes them) or one-hot float rows,
 * with {@code targetCols == classes} either way; for regression ({@code classes == 0}) float values
 * {@code targets[rows * targetCols]}. Immutable by convention: the arrays are shared, not copied, so callers
 * must not change them.
 */
public final class Dataset {
    private final String name;
    private final int rows, cols, targetCols, classes;
    private final float[] features, targets;    // targets is null for a set of integer labels
    private final int[] labels;                  // null unless the set holds integer labels
    private final List<String> featureNames, classNames;
    private volatile boolean finite;

    /**
     * @param name         where the data came from, used in messages
     * @param features     rows * cols features, row-major
     * @param cols         features per row (>= 1)
     * @param targets      rows * targetCols targets, row-major
     * @param targetCols   targets per row (>= 1)
     * @param classes      number of classes (then targets are one-hot and targetCols == classes), or 0 for values
     * @param featureNames names of the features (empty, or cols names)
     * @param classNames   names of the classes (empty, or classes names)
     */
    public Dataset(String name, float[] features, int cols, float[] targets, int targetCols, int classes,
                   List<String> featureNames, List<String> classNames) {
        this(name, features, cols, java.util.Objects.requireNonNull(targets, "targets"), null, targetCols, classes,
                featureNames, classNames);
    }

    private Dataset(String name, float[] features, int cols, float[] targets, int[] labels, int targetCols, int classes,
                    List<String> featureNames, List<String> classNames) {
        if (cols < 1) throw new IllegalArgumentException(name + ": feature columns must be >= 1, got " + cols);
        if (targetCols < 1) throw new IllegalArgumentException(name + ": target columns must be >= 1, got " + targetCols);
        if (features.length % cols != 0)
            throw new IllegalArgumentException(name + ": " + features.length + " features is not a multiple of " + cols + " columns");
        this.rows = features.length / cols;
        if (targets != null && targets.length != (long) rows * targetCols)
            throw new IllegalArgumentException(name + ": " + targets.length + " targets for " + rows + " rows of " + targetCols);
        if (labels != null && labels.length != rows)
            throw new IllegalArgumentException(name + ": " + labels.length + " labels for " + rows + " rows");
        if (classes != 0 && classes != targetCols)
            throw new IllegalArgumentException(name + ": " + classes + " classes but " + targetCols + " target columns");
        if (!featureNames.isEmpty() && featureNames.size() != cols)
            throw new IllegalArgumentException(name + ": " + featureNames.size() + " feature names for " + cols + " columns");
        if (!classNames.isEmpty() && classNames.size() != classes)
            throw new IllegalArgumentException(name + ": " + classNames.size() + " class names for " + classes + " classes");
        this.name = name;
        this.features = features;
        this.cols = cols;
        this.targets = targets;
        this.labels = labels;
        this.targetCols = targetCols;
        this.classes = classes;
        this.featureNames = List.copyOf(featureNames);
        this.classNames = List.copyOf(classNames);
    }

    /**
     * A classification set of integer labels: row r has features {@code features[r*cols .. (r+1)*cols)} and
     * class {@code labels[r]} in [0, classes). The arrays are shared, not copied.
     *
     * @throws IllegalArgumentException naming the row of a label outside [0, classes)
     */
    public static Dataset ofLabels(String name, float[] features, int cols, int[] labels, int classes,
                                   List<String> featureNames, List<String> classNames) {
        if (classes < 1) throw new IllegalArgumentException(name + ": classes must be >= 1, got " + classes);
        for (int r = 0; r < labels.length; r++)
            if (labels[r] < 0 || labels[r] >= classes)
                throw new IllegalArgumentException(name + ": row " + r + ": label " + labels[r] + " is not in [0, " + classes + ")");
        return new Dataset(name, features, cols, null, labels, classes, classes, featureNames, classNames);
    }

    /** A classification set from rows of features and integer labels in [0, classes). */
    public static Dataset ofClasses(String name, float[][] x, int[] labels, int classes) {
        if (x == null || labels == null) throw new IllegalArgumentException(name + ": the " + (x == null ? "features" : "labels") + " are null");
        if (x.length != labels.length)
            throw new IllegalArgumentException(name + ": " + x.length + " rows but " + labels.length + " labels");
        if (x.length == 0) throw new IllegalArgumentException(name + ": no rows");
        return ofLabels(name, flatten(name, x), x[0].length, labels.clone(), classes, List.of(), List.of());
    }

    /** A regression set from rows of features and rows of target values. */
    public static Dataset ofValues(String name, float[][] x, float[][] y) {
        if (x == null || y == null) throw new IllegalArgumentException(name + ": the " + (x == null ? "features" : "targets") + " are null");
        if (x.length != y.length) throw new IllegalArgumentException(name + ": " + x.length + " rows but " + y.length + " targets");
        if (x.length == 0) throw new IllegalArgumentException(name + ": no rows");
        return new Dataset(name, flatten(name, x), x[0].length, flatten(name, y), y[0].length, 0, List.of(), List.of());
    }

    static float[] flatten(String name, float[][] rows) {
        if (rows[0] == null) throw new IllegalArgumentException(name + ": row 0 is null");
        int c = rows[0].length;
        float[] f = new float[rows.length * c];
        for (int r = 0; r < rows.length; r++) {
            if (rows[r] == null) throw new IllegalArgumentException(name + ": row " + r + " is null");
            if (rows[r].length != c)
                throw new IllegalArgumentException(name + ": row " + r + " has " + rows[r].length + " values, expected " + c);
            System.arraycopy(rows[r], 0, f, r * c, c);
        }
        return f;
    }

    /** Where the data came from. */
    public String name() { return name; }
    /** Number of rows. */
    public int rows() { return rows; }
    /** Features per row. */
    public int cols() { return cols; }
    /** Targets per row. */
    public int targetCols() { return targetCols; }
    /** Number of classes, or 0 for a regression set. */
    public int classes() { return classes; }
    /** Whether the targets are one-hot classes. */
    public boolean isClassification() { return classes > 0; }
    /** The features, row-major (shared, do not modify). */
    public float[] features() { return features; }
    /**
     * The targets, row-major: shared (do not modify), except for a set of integer labels, whose one-hot rows
     * are built anew on each call ({@link #integerLabels()} is the compact form).
     */
    public float[] targets() {
        if (targets != null) return targets;
        float[] t = new float[rows * classes];
        for (int r = 0; r < rows; r++) t[r * classes + labels[r]] = 1f;
        return t;
    }

    /** The class of each row (shared, do not modify) when the set holds integer labels, else null. */
    public int[] integerLabels() { return labels; }
    /** Feature names from the file's header (empty when it had none). */
    public List<String> featureNames() { return featureNames; }
    /** Class names, where the source named them (empty otherwise). */
    public List<String> classNames() { return classNames; }

    /** The class of each row (a copy): its label, or for one-hot rows the index of the largest target (the first on ties). */
    public int[] labels() {
        if (labels != null) return labels.clone();
        int[] l = new int[rows];
        for (int r = 0; r < rows; r++) {
            int best = 0, o = r * targetCols;
            for (int j = 1; j < targetCols; j++) if (targets[o + j] > targets[o + best]) best = j;
            l[r] = best;
        }
        return l;
    }

    /** Rows [from, to) as a new dataset (copies). */
    public Dataset slice(int from, int to) {
        if (from < 0 || to > rows || from >= to)
            throw new IllegalArgumentException(name + ": bad row range [" + from + ", " + to + ") of " + rows + " rows");
        return new Dataset(name, Arrays.copyOfRange(features, from * cols, to * cols), cols,
                targets == null ? null : Arrays.copyOfRange(targets, from * targetCols, to * targetCols),
                labels == null ? null : Arrays.copyOfRange(labels, from, to), targetCols, classes, featureNames, classNames);
    }

    /**
     * Splits off the last {@code fraction} of the rows, in file order, as a validation set (Keras's
     * {@code validation_split}: taken before any shuffling). As Keras counts them: the first
     * {@code floor(rows * (1 - fraction))} rows train and the rest validate, so 1797 rows at 0.2 are 1437 and 360
     * (keras/src/trainers/data_adapters/data_adapter_utils.py, {@code train_validation_split}; the same expression
     * in double, so the same count). A split that leaves either part empty is an error, as in Keras.
     */
    public Split splitLast(double fraction) {
        if (!(fraction > 0 && fraction < 1))
            throw new IllegalArgumentException("validation split must be in (0, 1), got " + fraction);
        int train = (int) Math.floor(rows * (1.0 - fraction));
        if (train == 0 || train == rows)
            throw new IllegalArgumentException(name + ": validation split " + fraction + " of " + rows + " rows leaves "
                    + (train == 0 ? "no training rows" : "no validation rows"));
        return new Split(slice(0, train).renamed(name + " (train)"), slice(train, rows).renamed(name + " (validation)"));
    }

    /** The same data with new features of the same shape (used by {@link Standardizer}). */
    public Dataset withFeatures(float[] newFeatures) {
        return new Dataset(name, newFeatures, cols, targets, labels, targetCols, classes, featureNames, classNames);
    }

    /**
     * Fails naming the first row and column whose feature is NaN or infinite (a model cannot learn from it, and
     * a standardizer would spread it over the whole column).
     *
     * @throws IllegalArgumentException e.g. {@code train: row 3, feature 1 (b) is NaN} (both 0-based)
     */
    public void requireFinite() {
        if (finite) return;     // checked once per data set (its arrays do not change)
        for (int i = 0; i < features.length; i++) {
            if (!Float.isFinite(features[i])) {
                int c = i % cols;
                throw new IllegalArgumentException(name + ": row " + (i / cols) + ", feature " + c
                        + (featureNames.isEmpty() ? "" : " (" + featureNames.get(c) + ")") + " is " + features[i]
                        + ": the features must be finite (CsvReader's NanPolicy.DROP drops such rows)");
            }
        }
        finite = true;
    }

    /**
     * The same rows with the feature columns named {@code names}, in that order (pandas's {@code df[names]}):
     * how a file whose columns come in another order is matched to a model trained on named columns. Targets,
     * labels and class names are kept; {@code this} when the names are already the features in order.
     *
     * @throws IllegalArgumentException when this set's features have no names, or naming a column it lacks or
     *                                  a name given twice
     */
    public Dataset selectFeatures(List<String> names) {
        if (featureNames.isEmpty()) throw new IllegalArgumentException(name + ": its feature columns have no names to select by");
        if (names.equals(featureNames)) return this;
        int[] idx = new int[names.size()];
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < idx.length; i++) {
            String n = names.get(i);
            if (!seen.add(n)) throw new IllegalArgumentException(name + ": feature '" + n + "' is selected twice");
            idx[i] = featureNames.indexOf(n);
            if (idx[i] < 0)
                throw new IllegalArgumentException(name + ": no feature column '" + n + "' (its columns: " + String.join(", ", featureNames) + ")");
        }
        int k = idx.length;
        float[] f = new float[rows * k];
        for (int r = 0; r < rows; r++)
            for (int i = 0; i < k; i++) f[r * k + i] = features[r * cols + idx[i]];
        return new Dataset(name, f, k, targets, labels, targetCols, classes, names, classNames);
    }

    /**
     * The same integer-labelled set over {@code k} classes, {@code k >= classes()}: a softmax of k units trained
     * on rows that lack the last classes (a subset of MNIST without its 9s), as Keras's sparse categorical
     * cross-entropy and torch's CrossEntropyLoss take labels below the output width. {@code this} when
     * {@code k == classes()}.
     *
     * @throws IllegalArgumentException for a set without integer labels, with named classes (the extra classes
     *                                  would have no names), or for {@code k < classes()}
     */
    public Dataset withClasses(int k) {
        if (labels == null) throw new IllegalArgumentException(name + ": only a set of integer class labels can take more classes");
        if (!classNames.isEmpty())
            throw new IllegalArgumentException(name + ": its " + classes + " classes are named, so there are no names for " + k);
        if (k < classes) throw new IllegalArgumentException(name + ": its labels run to class " + (classes - 1) + ", more than " + k + " classes");
        if (k == classes) return this;
        return new Dataset(name, features, cols, null, labels, k, k, featureNames, classNames);
    }

    /** The same data under another name. */
    public Dataset renamed(String newName) {
        return new Dataset(newName, features, cols, targets, labels, targetCols, classes, featureNames, classNames);
    }

    /** Feature rows as a 2-D array (copies). */
    public float[][] featureRows() {
        float[][] x = new float[rows][];
        for (int r = 0; r < rows; r++) x[r] = Arrays.copyOfRange(features, r * cols, (r + 1) * cols);
        return x;
    }

    /** Names of the features, or f0, f1, ... when the source had none. */
    public List<String> featureNamesOrDefault() {
        if (!featureNames.isEmpty()) return featureNames;
        List<String> n = new ArrayList<>(cols);
        for (int c = 0; c < cols; c++) n.add("f" + c);
        return n;
    }

    @Override
    public String toString() {
        return name + ": " + rows + " rows x " + cols + " features, " + (classes > 0 ? classes + " classes" : targetCols + " targets");
    }

    /** A training part and a held-out part. */
    public record Split(Dataset train, Dataset test) {}
}
