package dev.kiln.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Rows of features and targets in two flat row-major float arrays: {@code features[rows * cols]} and
 * {@code targets[rows * targetCols]}. For classification the targets are one-hot ({@code targetCols ==
 * classes}); for regression they are values ({@code classes == 0}). Immutable by convention: the arrays are
 * shared, not copied, so callers must not change them.
 */
public final class Dataset {
    private final String name;
    private final int rows, cols, targetCols, classes;
    private final float[] features, targets;
    private final List<String> featureNames, classNames;

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
        if (cols < 1) throw new IllegalArgumentException(name + ": feature columns must be >= 1, got " + cols);
        if (targetCols < 1) throw new IllegalArgumentException(name + ": target columns must be >= 1, got " + targetCols);
        if (features.length % cols != 0)
            throw new IllegalArgumentException(name + ": " + features.length + " features is not a multiple of " + cols + " columns");
        this.rows = features.length / cols;
        if (targets.length != (long) rows * targetCols)
            throw new IllegalArgumentException(name + ": " + targets.length + " targets for " + rows + " rows of " + targetCols);
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
        this.targetCols = targetCols;
        this.classes = classes;
        this.featureNames = List.copyOf(featureNames);
        this.classNames = List.copyOf(classNames);
    }

    /** A classification set from rows of features and integer labels in [0, classes). */
    public static Dataset ofClasses(String name, float[][] x, int[] labels, int classes) {
        if (x.length != labels.length)
            throw new IllegalArgumentException(name + ": " + x.length + " rows but " + labels.length + " labels");
        if (x.length == 0) throw new IllegalArgumentException(name + ": no rows");
        float[] y = new float[x.length * classes];
        for (int r = 0; r < labels.length; r++) {
            if (labels[r] < 0 || labels[r] >= classes)
                throw new IllegalArgumentException(name + ": row " + r + ": label " + labels[r] + " is not in [0, " + classes + ")");
            y[r * classes + labels[r]] = 1f;
        }
        return new Dataset(name, flatten(name, x), x[0].length, y, classes, classes, List.of(), List.of());
    }

    /** A regression set from rows of features and rows of target values. */
    public static Dataset ofValues(String name, float[][] x, float[][] y) {
        if (x.length != y.length) throw new IllegalArgumentException(name + ": " + x.length + " rows but " + y.length + " targets");
        if (x.length == 0) throw new IllegalArgumentException(name + ": no rows");
        return new Dataset(name, flatten(name, x), x[0].length, flatten(name, y), y[0].length, 0, List.of(), List.of());
    }

    static float[] flatten(String name, float[][] rows) {
        int c = rows[0].length;
        float[] f = new float[rows.length * c];
        for (int r = 0; r < rows.length; r++) {
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
    /** The targets, row-major (shared, do not modify). */
    public float[] targets() { return targets; }
    /** Feature names from the file's header (empty when it had none). */
    public List<String> featureNames() { return featureNames; }
    /** Class names, where the source named them (empty otherwise). */
    public List<String> classNames() { return classNames; }

    /** The class of each row: the index of its largest target (the first on ties). */
    public int[] labels() {
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
                Arrays.copyOfRange(targets, from * targetCols, to * targetCols), targetCols, classes, featureNames, classNames);
    }

    /**
     * Splits off the last {@code fraction} of the rows, in file order, as a validation set (Keras's
     * {@code validation_split}: taken before any shuffling). The validation part has
     * {@code floor(rows * fraction)} rows, at least 1; both parts must be non-empty.
     */
    public Split splitLast(double fraction) {
        if (!(fraction > 0 && fraction < 1))
            throw new IllegalArgumentException("validation split must be in (0, 1), got " + fraction);
        int val = Math.max(1, (int) Math.floor(rows * fraction));
        if (val >= rows)
            throw new IllegalArgumentException(name + ": validation split " + fraction + " of " + rows + " rows leaves no training rows");
        return new Split(slice(0, rows - val).renamed(name + " (train)"), slice(rows - val, rows).renamed(name + " (validation)"));
    }

    /** The same data with new features of the same shape (used by {@link Standardizer}). */
    public Dataset withFeatures(float[] newFeatures) {
        return new Dataset(name, newFeatures, cols, targets, targetCols, classes, featureNames, classNames);
    }

    /** The same data under another name. */
    public Dataset renamed(String newName) {
        return new Dataset(newName, features, cols, targets, targetCols, classes, featureNames, classNames);
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
