package dev.kiln.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.data.Standardizer;
import dev.kiln.nn.Loss;
import dev.kiln.nn.Model;
import dev.kiln.nn.Safetensors;
import dev.kiln.nn.Weights;
import dev.kiln.report.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A trained model on disk as {@code kiln eval} and {@code kiln predict} read it: {@code model.safetensors}
 * (weights, with the layer text, input width and loss in its metadata) and, beside it, the run's
 * {@code config.json}. When the run standardised its features, the training mean and standard deviation
 * go into the metadata too ({@value #META_STANDARDIZE}: {@code {"mean": [...], "std": [...]}}, doubles
 * in round-trip form), so new data is scaled exactly as the training data was; and when its classes had names
 * (a CSV label column of names, or scikit-learn's header), they go in as {@value #META_CLASSES} (a JSON list
 * in class order), so new data's labels map to the same classes and predictions name them.
 */
final class ModelFiles {
    private ModelFiles() {}

    /** Metadata key of the standardizer. */
    static final String META_STANDARDIZE = "kiln.standardize";
    /** Metadata key of the class names. */
    static final String META_CLASSES = "kiln.classes";

    /**
     * A model read back.
     *
     * @param file         the safetensors file
     * @param model        the network
     * @param parameters   its weights in the flat layout
     * @param standardizer the training standardizer, or null
     * @param config       the run's config.json, or null when there is none beside the file
     * @param classNames   the training data's class names in class order, or empty
     */
    record Loaded(Path file, Model model, float[] parameters, Standardizer standardizer, JsonNode config, List<String> classNames) {
        /** A text setting of the run's config, or null. */
        String setting(String key) {
            JsonNode v = config == null ? null : config.get(key);
            return v == null || v.isNull() ? null : v.asText();
        }
    }

    /** Writes the weights (atomically) with the standardizer and the class names, if any, in the metadata. */
    static void save(Path file, Model model, float[] params, Standardizer standardizer, List<String> classNames) {
        Map<String, String> meta = new LinkedHashMap<>();
        if (standardizer != null) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("mean", standardizer.mean());
            s.put("std", standardizer.std());
            meta.put(META_STANDARDIZE, Json.text(s).strip());
        }
        if (!classNames.isEmpty()) meta.put(META_CLASSES, Json.text(classNames).strip());
        Weights.save(model, params, file, meta);
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
            Safetensors.Contents contents = Safetensors.read(file);
            Map<String, String> meta = contents.metadata();
            JsonNode config = null;
            if (Files.exists(cfgFile)) config = Json.MAPPER.readTree(Files.readString(cfgFile));
            String layers = text(config, "layers", meta.get(Weights.META_MODEL));
            String loss = text(config, "loss", meta.get(Weights.META_LOSS));
            if (layers == null)
                throw new IllegalArgumentException(file + ": no layer text in its metadata and no config.json beside it");
            int input = inputWidth(file, meta, contents);
            Model model = loss == null ? Model.parse(layers, input) : Model.parse(layers, input, Loss.parse(loss));
            float[] params = Weights.fromTensors(model, contents.tensors(), file.toString());
            return new Loaded(file, model, params, standardizer(file, meta.get(META_STANDARDIZE)), config,
                    classNames(file, meta.get(META_CLASSES), model));
        } catch (JsonProcessingException e) {
            throw CliException.usage("--model: " + cfgFile + ": " + Failures.oneLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw CliException.failure("--model: cannot read " + file + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw CliException.usage("--model", e);
        }
    }

    private static String text(JsonNode config, String key, String fallback) {
        JsonNode v = config == null ? null : config.get(key);
        return v != null && v.isTextual() ? v.asText() : fallback;
    }

    /** The input width: the metadata's, else the first weight's column count. */
    private static int inputWidth(Path file, Map<String, String> meta, Safetensors.Contents contents) {
        String in = meta.get(Weights.META_INPUT);
        if (in != null) {
            try {
                return Integer.parseInt(in.strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(file + ": metadata " + Weights.META_INPUT + " '" + in + "' is not a whole number");
            }
        }
        Safetensors.Tensor w = contents.tensors().get("layers.0.weight");
        if (w == null || w.shape().length != 2) throw new IllegalArgumentException(file + ": no layers.0.weight of shape [out, in]");
        return w.shape()[1];
    }

    private static List<String> classNames(Path file, String text, Model model) {
        if (text == null) return List.of();
        try {
            String[] names = Json.MAPPER.readValue(text, String[].class);
            int outputs = model.outputSize();
            if (names == null || names.length < 2 || (names.length != outputs && !(names.length == 2 && outputs == 1)))
                throw new IllegalArgumentException(file + ": metadata " + META_CLASSES + " names " + (names == null ? 0 : names.length)
                        + " classes, but the model outputs " + outputs);
            return List.of(names);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + ": metadata " + META_CLASSES + " is not a JSON list of names: " + e.getOriginalMessage());
        }
    }

    private static Standardizer standardizer(Path file, String text) {
        if (text == null) return null;
        try {
            JsonNode n = Json.MAPPER.readTree(text);
            double[] mean = Json.MAPPER.treeToValue(n.get("mean"), double[].class);
            double[] std = Json.MAPPER.treeToValue(n.get("std"), double[].class);
            if (mean == null || std == null || mean.length != std.length)
                throw new IllegalArgumentException(file + ": metadata " + META_STANDARDIZE + " needs mean and std lists of one length");
            return new Standardizer(mean, std);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + ": metadata " + META_STANDARDIZE + " is not valid JSON: " + e.getOriginalMessage());
        }
    }
}
