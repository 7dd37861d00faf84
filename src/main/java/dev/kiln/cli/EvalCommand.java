package dev.kiln.cli;

import dev.kiln.backend.Backend;
import dev.kiln.data.Dataset;
import dev.kiln.report.Json;
import dev.kiln.train.Evaluation;
import dev.kiln.train.TrainConfig;
import dev.kiln.train.Trainer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code kiln eval}: the mean loss and the accuracy of a saved model on a data set, computed by the same
 * evaluation pass (and, by default, the same batch size) as training's validation, so evaluating a run's
 * model on its validation data gives exactly the numbers the run reported for its last epoch.
 */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Evaluate a saved model: mean loss and accuracy on a data set.", ""},
        footer = {"",
            "--model takes a run directory or a model.safetensors file; the run's",
            "config.json beside it supplies the layers, the label column, the seed of",
            "synthetic data and the batch size. A standardised run's scaling is applied.",
            "",
            "Examples:",
            "  kiln eval --model runs/digits --data digits",
            "  kiln eval --model runs/seed/model.safetensors --json   (the run's --test)"})
final class EvalCommand extends KilnCommand {
    @Option(names = "--model", required = true, paramLabel = "RUN_DIR|FILE", order = 1, description = "A run directory or its model.safetensors.")
    Path model;

    @Option(names = "--data", paramLabel = "DATA", order = 2, description = "Labelled data (same forms as kiln train --data; default: the run's --test).")
    String data;

    @Option(names = "--label", paramLabel = "COLUMN", order = 3, description = "CSV label column (default: the run's).")
    String label;

    @Option(names = "--seed", paramLabel = "S", order = 4, description = "Seed of synthetic data (default: the run's).")
    Long seed;

    @Option(names = "--batch-size", paramLabel = "B", order = 5, description = "Rows per forward pass (default: the run's batch size).")
    Integer batchSize;

    @Mixin BackendChoice backendChoice;

    @Option(names = "--json", order = 20, description = "Print the result as JSON.")
    boolean json;

    @Override
    protected int run() {
        ModelFiles.Loaded m = ModelFiles.load(model);
        String spec = ModelInput.spec(data, m);
        Dataset d = ModelInput.labelled(spec, label, ModelInput.seed(seed, m), m);
        int batch = ModelInput.batch(batchSize, m);
        Evaluation e;
        try (Backend backend = openBackend(backendChoice.name(), backendChoice.index(), "--backend", json);
             Trainer t = new Trainer(backend, m.model(), TrainConfig.builder().batchSize(batch).build())) {
            t.setParameters(m.parameters());
            try {
                e = t.evaluate(d);
            } catch (IllegalArgumentException ex) {
                throw CliException.usage("--data", ex);
            }
        }
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("model", m.file().toString());
            o.put("data", spec);
            o.put("rows", e.rows());
            o.put("loss", Json.number(e.loss()));
            o.put("accuracy", Json.number(e.accuracy()));
            out().print(Json.text(o));
        } else {
            String acc = Double.isNaN(e.accuracy()) ? "" : String.format(Locale.ROOT, "accuracy %.4f (%d of %d)  ", e.accuracy(),
                    Math.round(e.accuracy() * e.rows()), e.rows());
            out().println(String.format(Locale.ROOT, "%sloss %.6f  on %s (%d rows)", acc, e.loss(), d.name(), e.rows()));
        }
        return Main.OK;
    }
}
