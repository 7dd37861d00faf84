package dev.kiln.cli;

import dev.kiln.data.CsvReader;
import dev.kiln.data.Dataset;
import dev.kiln.data.Datasets;
import dev.kiln.data.IdxReader;
import dev.kiln.data.NanPolicy;
import dev.kiln.data.Synthetic;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * What {@code --data} and {@code --test} name:
 * <ul>
 *   <li>{@code FILE.csv}: a CSV file (header optional; integer class labels in the last column, or the column
 *       {@code --label} names by header name or 0-based index);</li>
 *   <li>{@code IMAGES:LABELS}: a pair of IDX files (MNIST's format, gzipped or not), e.g.
 *       {@code train-images-idx3-ubyte.gz:train-labels-idx1-ubyte.gz};</li>
 *   <li>{@code synthetic}: the seed experiment's data, drawn from the run's seed: its 1000 training rows as
 *       {@code --data}, its 100 test rows as {@code --test};</li>
 *   <li>{@code iris}, {@code digits}: the small sets shipped with Kiln.</li>
 * </ul>
 * A name that exists as a file is always that file. A NaN or infinite value in a CSV file is an error naming
 * its file:line:column, unless {@code --nan-policy drop} drops its row (with a note saying how many).
 */
final class DataSource {
    private DataSource() {}

    static final String SYNTHETIC = "synthetic";
    private static final Set<String> BUILT_IN = Set.of(SYNTHETIC, "iris", "digits");

    /** The spec with its paths made absolute against {@code base} (built-in names stay as they are). */
    static String resolve(String spec, Path base) {
        String s = spec.strip();
        if (s.isEmpty()) return s;
        Path whole = base.resolve(s).normalize();
        if (Files.exists(whole)) return whole.toString();
        if (BUILT_IN.contains(s)) return s;
        int colon = s.indexOf(':');
        if (colon > 0 && colon < s.length() - 1)
            return base.resolve(s.substring(0, colon)).normalize() + ":" + base.resolve(s.substring(colon + 1)).normalize();
        return whole.toString();
    }

    /** Whether the spec names a CSV file (not a built-in set or an IDX pair). */
    static boolean isCsv(String spec) {
        return !BUILT_IN.contains(spec) && (Files.exists(Path.of(spec)) || spec.indexOf(':') <= 0);
    }

    /**
     * Loads a data set, rejecting NaN and infinite values (naming file:line:column).
     *
     * @see #load(String, boolean, String, long, int, List, boolean, NanPolicy, Consumer)
     */
    static Dataset load(String spec, boolean test, String label, long seed, int classes) {
        return load(spec, test, label, seed, classes, List.of(), false, NanPolicy.REJECT, note -> {});
    }

    /**
     * Loads a data set.
     *
     * @param spec      a resolved spec ({@link #resolve})
     * @param test      whether it is the held-out set (for {@code synthetic})
     * @param label     the CSV label column (name or index), or null for the last column
     * @param seed      the run's seed (for {@code synthetic})
     * @param classes   the number of classes the labels range over (0: from the data)
     * @param classNames the training data's class names (a CSV file's labels may be these names or their
     *                   indices), or empty
     * @param values    whether a CSV file's label column holds values (a regression model), not classes
     * @param nanPolicy what a CSV file's NaN or infinite values do ({@code --nan-policy}): fail naming
     *                  file:line:column, or drop their rows
     * @param notes     receives the line saying how many rows were dropped, when any were
     * @throws IllegalArgumentException naming the file and what is wrong with it
     */
    static Dataset load(String spec, boolean test, String label, long seed, int classes, List<String> classNames, boolean values,
                        NanPolicy nanPolicy, Consumer<String> notes) {
        if (spec.isEmpty()) throw new IllegalArgumentException("empty data name");
        if (isCsv(spec)) {
            CsvReader r = new CsvReader().nanPolicy(nanPolicy);
            if (label != null) r.labelColumn(label);
            if (values) r.valueLabels();
            else if (!classNames.isEmpty()) r.classNames(classNames);
            else if (classes > 0) r.classes(classes);
            Dataset d = r.read(Path.of(spec));
            if (r.dropNote() != null) notes.accept(r.dropNote());
            return d;
        }
        return switch (spec) {
            case SYNTHETIC -> {
                Dataset.Split s = Synthetic.seedExperiment(seed);
                yield test ? s.test() : s.train();
            }
            case "iris" -> Datasets.iris();
            case "digits" -> Datasets.digits();
            default -> {
                int colon = spec.indexOf(':');
                String images = spec.substring(0, colon), labels = spec.substring(colon + 1);
                if (images.isEmpty() || labels.isEmpty())
                    throw new IllegalArgumentException("'" + spec + "': IDX data is two files, IMAGES:LABELS");
                yield IdxReader.read(Path.of(images), Path.of(labels), classes);
            }
        };
    }
}
