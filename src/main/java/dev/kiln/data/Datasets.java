package dev.kiln.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Small real data sets shipped inside the jar (resources under {@code kiln/data/}):
 * <ul>
 *   <li>{@link #digits()}: 1797 8x8 handwritten digits, 64 features (0-16), 10 classes ("Optical
 *       Recognition of Handwritten Digits", Alpaydin and Kaynak, UCI, CC BY 4.0, as in scikit-learn);</li>
 *   <li>{@link #iris()}: Fisher's iris, 150 rows, 4 measurements, 3 classes (UCI, CC BY 4.0, as in scikit-learn).</li>
 * </ul>
 * Both are in file order (digits are not grouped by class; iris is sorted by class, so shuffle before a
 * {@code validation split}).
 */
public final class Datasets {
    private Datasets() {}

    /** The digits set (features are raw 0-16 intensities: standardise or scale them). */
    public static Dataset digits() { return load("digits.csv"); }

    /** The iris set, with class names setosa, versicolor, virginica. */
    public static Dataset iris() { return load("iris.csv"); }

    private static Dataset load(String file) {
        String res = "/kiln/data/" + file;
        try (InputStream in = Datasets.class.getResourceAsStream(res)) {
            if (in == null) throw new IllegalStateException("resource " + res + " is missing from the class path");
            return new CsvReader().read(file.replace(".csv", ""), new InputStreamReader(in, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(res + ": " + e.getMessage(), e);
        }
    }
}
