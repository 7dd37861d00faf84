package dev.kiln.cli;

import dev.kiln.backend.Activation;
import dev.kiln.backend.Backend;
import dev.kiln.data.Dataset;
import dev.kiln.report.AtomicFiles;
import dev.kiln.train.TrainConfig;
import dev.kiln.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code kiln predict}: a saved model's outputs for every row of a data set, as CSV, one row per data row in
 * file order: for a softmax model {@code p0..pK-1,predicted} (class probabilities and the argmax, the first
 * on ties), for a single sigmoid output {@code p,predicted} (predicted = p >= 0.5), otherwise the raw outputs
 * {@code y0..}; {@code predicted} is the class's name where the model's metadata names the classes. Numbers are
 * float32 in round-trip form. The CSV is written to a temporary file and renamed.
 */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write a saved model's predictions for every row of a data set as CSV.", ""},
        footer = {"",
            "CSV data may hold the features alone (as many columns as the model's input)",
            "or features and a label column, which is ignored. Where the training file",
            "and this one have headers, columns are matched by name, in any order,",
            "and other columns (a label, an id) are left out unread.",
            "A standardised run's scaling is applied.",
            "",
            "Examples:",
            "  kiln predict --model runs/iris --data new_flowers.csv --out predictions.csv",
            "  kiln predict --model runs/mnist/model.safetensors \\",
            "      --data t10k-images-idx3-ubyte.gz:t10k-labels-idx1-ubyte.gz --out p.csv"})
final class PredictCommand extends KilnCommand {
    @Option(names = "--model", required = true, paramLabel = "RUN_DIR|FILE", order = 1, description = "A run directory or its model.safetensors.")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "DATA", order = 2, description = "The rows to predict (CSV, IMAGES:LABELS, synthetic, iris, digits).")
    String data;

    @Option(names = "--out", required = true, paramLabel = "FILE.csv", order = 3, description = "Where to write the predictions.")
    Path outFile;

    @Option(names = "--label", paramLabel = "COLUMN", order = 4, description = "CSV label column to leave out (default: the run's).")
    String label;

    @Option(names = "--seed", paramLabel = "S", order = 5, description = "Seed of synthetic data (default: the run's).")
    Long seed;

    @Option(names = "--batch-size", paramLabel = "B", order = 6, description = "Rows per forward pass (default: the run's batch size).")
    Integer batchSize;

    @Mixin BackendChoice backendChoice;

    @Option(names = {"-q", "--quiet"}, order = 20, description = "Print nothing but errors.")
    boolean quiet;

    @Override
    protected int run() {
        // the output checked before any work: a directory, or the data file itself, cannot take the predictions
        if (Files.isDirectory(outFile)) throw CliException.usage("--out: " + outFile + " is a directory; give a file name, e.g. " + outFile.resolve("predictions.csv"));
        Path dataFile = Path.of(data);
        if (Files.exists(outFile) && Files.exists(dataFile)) {
            try {
                if (Files.isSameFile(outFile, dataFile))
                    throw CliException.usage("--out: " + outFile + " is the --data file; the predictions would replace the rows they came from");
            } catch (java.io.IOException e) {
                // cannot tell: write as asked
            }
        }
        ModelFiles.Loaded m = ModelFiles.load(model);
        Dataset d = load(m);
        int batch = ModelInput.batch(batchSize, m);
        float[][] p;
        try (Backend backend = openBackend(backendChoice.name(), backendChoice.index(), "--backend", quiet);
             Trainer t = new Trainer(backend, m.model(), TrainConfig.builder().batchSize(batch).build())) {
            t.setParameters(m.parameters());
            p = t.predict(d);
        }
        AtomicFiles.writeString(outFile, csv(p, m.model().outputLayer().activation(), m.classNames()));
        if (!quiet) out().println("wrote " + p.length + " predictions to " + outFile);
        return Main.OK;
    }

    private Dataset load(ModelFiles.Loaded m) {
        String spec = DataSource.resolve(data, Path.of("").toAbsolutePath());
        if (DataSource.isCsv(spec)) {
            try {
                return ModelInput.fit(ModelInput.csv(Path.of(spec), m, label, false), m);
            } catch (IllegalArgumentException e) {
                throw CliException.usage("--data", ModelInput.withoutTrainHint(e));
            }
        }
        return ModelInput.labelled(spec, label, ModelInput.seed(seed, m), m);
    }

    /** The predictions as CSV text; {@code predicted} is the class's name where the training data named them. */
    static String csv(float[][] p, Activation output, List<String> classNames) {
        int k = p.length == 0 ? 0 : p[0].length;
        StringBuilder s = new StringBuilder();
        boolean softmax = output == Activation.SOFTMAX, binary = output == Activation.SIGMOID && k == 1;
        for (int j = 0; j < k; j++) s.append(j == 0 ? "" : ",").append(binary ? "p" : (softmax ? "p" : "y") + j);
        if (softmax || binary) s.append(",predicted");
        s.append('\n');
        for (float[] row : p) {
            int best = 0;
            for (int j = 0; j < k; j++) {
                s.append(j == 0 ? "" : ",").append(Float.toString(row[j]));
                if (row[j] > row[best]) best = j;
            }
            int c = softmax ? best : row[0] >= 0.5f ? 1 : 0;
            if (softmax || binary) s.append(',').append(classNames.isEmpty() ? Integer.toString(c) : csvCell(classNames.get(c)));
            s.append('\n');
        }
        return s.toString();
    }

    /** A class name as a CSV cell (Commons CSV: quoted, quotes doubled, where it holds a comma, quote or line break). */
    static String csvCell(String name) {
        return CSVFormat.DEFAULT.format(name);
    }
}
