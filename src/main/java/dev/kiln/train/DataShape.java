package dev.kiln.train;

import dev.kiln.data.Dataset;

/**
 * The shape of a training set as a checkpoint records it, to refuse resuming on other data.
 *
 * @param name       where the data came from (informational)
 * @param rows       training rows
 * @param cols       features per row
 * @param targetCols targets per row
 * @param classes    classes (0 for regression)
 */
public record DataShape(String name, int rows, int cols, int targetCols, int classes) {
    /** The shape of {@code d}. */
    public static DataShape of(Dataset d) {
        return new DataShape(d.name(), d.rows(), d.cols(), d.targetCols(), d.classes());
    }

    /** Whether the two shapes agree (the name may differ: a file may move). */
    public boolean sameShape(DataShape o) {
        return rows == o.rows && cols == o.cols && targetCols == o.targetCols && classes == o.classes;
    }

    /** e.g. {@code 1000 rows x 3 features -> 3 classes}. */
    public String describe() {
        return rows + " rows x " + cols + " features -> " + (classes > 0 ? classes + " classes" : targetCols + " targets");
    }
}
