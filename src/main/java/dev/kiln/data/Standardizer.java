package dev.kiln.data;

/**
 * Feature standardisation {@code x' = (x - mean) / std} per column, with mean and (population) standard
 * deviation measured on the training set only and then applied unchanged to validation and test sets
 * (scikit-learn's StandardScaler; a column with std 0 is only centred). Sums are in double.
 *
 * @param mean per-column mean
 * @param std  per-column standard deviation (1 where the column is constant)
 */
public record Standardizer(double[] mean, double[] std) {

    /** Measures mean and std of every feature column of {@code train}. */
    public static Standardizer fit(Dataset train) {
        train.requireFinite();
        int c = train.cols(), n = train.rows();
        float[] x = train.features();
        double[] mean = new double[c], var = new double[c];
        for (int r = 0; r < n; r++) for (int j = 0; j < c; j++) mean[j] += x[r * c + j];
        for (int j = 0; j < c; j++) mean[j] /= n;
        for (int r = 0; r < n; r++)
            for (int j = 0; j < c; j++) {
                double d = x[r * c + j] - mean[j];
                var[j] += d * d;
            }
        double[] std = new double[c];
        for (int j = 0; j < c; j++) {
            double s = Math.sqrt(var[j] / n);
            std[j] = s > 0 ? s : 1.0;
        }
        return new Standardizer(mean, std);
    }

    /** {@code data} with standardised features (a new feature array; the targets are shared). */
    public Dataset apply(Dataset data) {
        int c = data.cols();
        if (c != mean.length)
            throw new IllegalArgumentException(data.name() + ": " + c + " feature columns, but the standardizer was fitted on " + mean.length);
        float[] x = data.features(), out = new float[x.length];
        for (int i = 0; i < x.length; i++) out[i] = scale(x[i], i % c);
        return data.withFeatures(out);
    }

    /** One row of features, standardised (a new array). */
    public float[] applyRow(float[] row) {
        if (row.length != mean.length)
            throw new IllegalArgumentException("a row of " + row.length + " features, but the standardizer was fitted on " + mean.length);
        float[] out = new float[row.length];
        for (int j = 0; j < row.length; j++) out[j] = scale(row[j], j);
        return out;
    }

    /** (x - mean_j) / std_j, in double, rounded once to float. */
    private float scale(float x, int j) {
        return (float) ((x - mean[j]) / std[j]);
    }
}
