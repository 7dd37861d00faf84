package dev.kiln.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.data.Dataset;
import dev.kiln.data.Standardizer;
import dev.kiln.nn.Model;
import dev.kiln.report.Json;
import dev.kiln.train.SavedModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A trained model on disk as {@code kiln eval} and {@code kiln predict} read it: {@code model.safetensors}
 * ({@link SavedModel}: the weights, with the layer text, input width and loss, the training standardizer and
 * the class names in its metadata) and, beside it, the run's {@code config.json}, whose layer text and loss
 * take precedence where it has them.
 */
final class ModelFiles {
    private ModelFiles() {}

    /**
     * A model read back.
     *
     * @param file   the safetensors file
     * @param saved  the network, its parameters, standardizer and class names
     * @param config the run's config.json, or null when there is none beside the file
     */
    record Loaded(Path file, SavedModel saved, JsonNode config) {
        /** The network. */
        Model model() { return saved.model(); }

        /** Its parameters in the flat layout. */
        float[] parameters() { return saved.parameters(); }

        /** The training standardizer, or null. */
        Standardizer standardizer() { return saved.standardizer(); }

        /** The training data's class names in class order, or empty. */
        List<String> classNames() { return saved.classNames(); }

        /** The training file's feature column names, or empty. */
        List<String> featureNames() { return saved.featureNames(); }

        /** A text setting of the run's config, or null. */
        String setting(String key) {
            JsonNode v = config == null ? null : config.get(key);
            return v == null || v.isNull() ? null : v.asText();
        }
    }

    /**
     * Writes the weights (atomically) with the standardizer, and the class and feature names of the training
     * data, if any, in the metadata.
     */
    static void save(Path file, Model model, float[] params, Standardizer standardizer, Dataset train) {
        new SavedModel(model, params, standardizer, train.classNames(), train.featureNames()).write(file);
    }

    /**
     * Reads {@code --model}: a run directory (its model.safetensors and config.json) or a safetensors file
     * (with the config.json beside it, when there is one).
     *
     * @throws CliException naming the flag and the file
     */
    static Loaded load(Path arg) {
        Path file = Files.isDirectory(arg) ? arg.resolve("model.safetensors") : arg;
        if (!Files.exists(file))
            throw CliException.usage("--model: " + file + ": no such file" + (Files.isDirectory(arg) ? " (is " + arg + " a run directory?)" : ""));
        Path cfgFile = file.toAbsolutePath().getParent().resolve("config.json");
        try {
            JsonNode config = null;
            if (Files.exists(cfgFile)) config = Json.MAPPER.readTree(Files.readString(cfgFile));
            SavedModel saved = SavedModel.read(file, text(config, "layers"), text(config, "loss"));
            return new Loaded(file, saved, config);
        } catch (JsonProcessingException e) {
            throw CliException.usage("--model: " + cfgFile + ": " + Failures.oneLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw CliException.failure("--model: cannot read " + file + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw CliException.usage("--model", e);
        }
    }

    private static String text(JsonNode config, String key) {
        JsonNode v = config == null ? null : config.get(key);
        return v != null && v.isTextual() ? v.asText() : null;
    }
}
