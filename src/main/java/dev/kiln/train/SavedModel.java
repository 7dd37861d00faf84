package dev.kiln.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.backend.Backend;
import dev.kiln.data.Standardizer;
import dev.kiln.nn.Loss;
import dev.kiln.nn.Model;
import dev.kiln.nn.Safetensors;
import dev.kiln.nn.Weights;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A trained model as a run's {@code model.safetensors} holds it, for serving predictions from Java: the
 * network (from the metadata {@value Weights#META_MODEL}, {@value Weights#META_INPUT} and
 * {@value Weights#META_LOSS}), its parameters, the standardizer the run fitted on its training rows
 * ({@value #META_STANDARDIZE}: {@code {"mean": [...], "std": [...]}}, or none) and the names of its classes
 * ({@value #META_CLASSES}: a JSON list in class order, or none), and the names of the training file's feature
 * columns ({@value #META_FEATURES}, or none), by which a new file's columns are checked. New rows go through
 * {@link #prepare} (scaled exactly as the training rows were) and then {@link Trainer#predict(float[][])}:
 *
 * <pre>{@code
 * SavedModel saved = SavedModel.read(Path.of("runs/iris/model.safetensors"));
 * try (Backend backend = Kiln.backend(); Trainer t = saved.trainer(backend, 256)) {
 *     float[][] p = t.predict(saved.prepare(rows));
 *     String first = saved.className(argmax(p[0]));
 * }
 * }</pre>
 *
 * <p>The tensors are PyTorch's {@code nn.Linear} layout ({@link Weights}); a file without Kiln's metadata
 * (weights from another framework) reads with {@link #read(Path, Model)}.
 *
 * @param model        the network
 * @param parameters   its parameters in the flat layout ({@link Model#layout()}); shared, not copied
 * @param standardizer the training rows' standardizer, or null when the run did not standardise
 * @param classNames   the classes' names in class order, or empty (classes are then their indices)
 * @param featureNames the training file's feature column names in order, or empty
 */
public record SavedModel(Model model, float[] parameters, Standardizer standardizer, List<String> classNames,
                         List<String> featureNames) {
    /** Metadata key of the standardizer. */
    public static final String META_STANDARDIZE = "kiln.standardize";
    /** Metadata key of the class names. */
    public static final String META_CLASSES = "kiln.classes";
    /** Metadata key of the feature column names. */
    public static final String META_FEATURES = "kiln.features";

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Checks the parts against each other.
     *
     * @throws IllegalArgumentException when the parameters, standardizer or class names do not fit the model
     */
    public SavedModel {
        if (parameters.length != model.layout().size())
            throw new IllegalArgumentException("parameter array has " + parameters.length + " values, but " + model + " needs "
                    + model.layout().size());
        if (standardizer != null && standardizer.mean().length != model.inputSize())
            throw new IllegalArgumentException("the standardizer has " + standardizer.mean().length + " columns, but the model's input is "
                    + model.inputSize());
        classNames = List.copyOf(classNames);
        if (!classNames.isEmpty() && !fitsOutput(classNames.size(), model.outputSize()))
            throw new IllegalArgumentException(classNames.size() + " class names, but the model outputs " + model.outputSize());
        featureNames = List.copyOf(featureNames);
        if (!featureNames.isEmpty() && featureNames.size() != model.inputSize())
            throw new IllegalArgumentException(featureNames.size() + " feature names, but the model's input is " + model.inputSize());
    }

    /** A saved model without feature names. */
    public SavedModel(Model model, float[] parameters, Standardizer standardizer, List<String> classNames) {
        this(model, parameters, standardizer, classNames, List.of());
    }

    /** n named classes fit k outputs: one per output, or two classes on one sigmoid output ({@link Targets}). */
    private static boolean fitsOutput(int n, int outputs) {
        return n >= 2 && (n == outputs || (n == 2 && outputs == 1));
    }

    /**
     * Reads a file Kiln wrote: the network from its metadata.
     *
     * @throws IllegalArgumentException naming the file: not safetensors, no layer text in the metadata, a
     *                                  tensor missing or mis-shaped, metadata that does not parse or fit
     */
    public static SavedModel read(Path file) {
        return read(file, null, null);
    }

    /**
     * Reads a file with the network given, for weights without Kiln's metadata (another framework's
     * {@code nn.Linear} layers, named {@code layers.<i>.weight} and {@code layers.<i>.bias}); the standardizer
     * and class names are read from the metadata where present.
     */
    public static SavedModel read(Path file, Model model) {
        return of(file.toString(), Safetensors.read(file), model);
    }

    /**
     * Reads a file, with the layer text and loss given taking precedence over the metadata's (null: the
     * metadata's). The input width is the metadata's, else the first weight's column count.
     */
    public static SavedModel read(Path file, String layers, String loss) {
        Safetensors.Contents contents = Safetensors.read(file);
        Map<String, String> meta = contents.metadata();
        String layerText = layers != null ? layers : meta.get(Weights.META_MODEL);
        String lossText = loss != null ? loss : meta.get(Weights.META_LOSS);
        if (layerText == null)
            throw new IllegalArgumentException(file + ": no layer text in its metadata (" + Weights.META_MODEL
                    + ") and none given (a run's config.json, or SavedModel.read(file, model))");
        int input = inputWidth(file.toString(), meta, contents);
        Model model = lossText == null ? Model.parse(layerText, input) : Model.parse(layerText, input, Loss.parse(lossText));
        return of(file.toString(), contents, model);
    }

    /** Assembles a saved model from a file's contents; {@code source} names it in messages. */
    public static SavedModel of(String source, Safetensors.Contents contents, Model model) {
        Map<String, String> meta = contents.metadata();
        float[] params = Weights.fromTensors(model, contents.tensors(), source);
        Standardizer s = standardizer(source, meta.get(META_STANDARDIZE));
        if (s != null && s.mean().length != model.inputSize())
            throw new IllegalArgumentException(source + ": metadata " + META_STANDARDIZE + " has " + s.mean().length
                    + " columns, but the model's input is " + model.inputSize());
        List<String> names = names(source, META_CLASSES, meta.get(META_CLASSES));
        if (!names.isEmpty() && !fitsOutput(names.size(), model.outputSize()))
            throw new IllegalArgumentException(source + ": metadata " + META_CLASSES + " names " + names.size()
                    + " classes, but the model outputs " + model.outputSize());
        List<String> features = names(source, META_FEATURES, meta.get(META_FEATURES));
        if (!features.isEmpty() && features.size() != model.inputSize())
            throw new IllegalArgumentException(source + ": metadata " + META_FEATURES + " names " + features.size()
                    + " features, but the model's input is " + model.inputSize());
        return new SavedModel(model, params, s, names, features);
    }

    /** Writes the model, its parameters and (where present) the standardizer and class names, atomically. */
    public void write(Path file) {
        Map<String, String> meta = new LinkedHashMap<>();
        try {
            if (standardizer != null) {
                Map<String, Object> s = new LinkedHashMap<>();
                s.put("mean", standardizer.mean());
                s.put("std", standardizer.std());
                meta.put(META_STANDARDIZE, JSON.writeValueAsString(s));
            }
            if (!classNames.isEmpty()) meta.put(META_CLASSES, JSON.writeValueAsString(classNames));
            if (!featureNames.isEmpty()) meta.put(META_FEATURES, JSON.writeValueAsString(featureNames));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the metadata as JSON: " + e.getOriginalMessage(), e);
        }
        Weights.save(model, parameters, file, meta);
    }

    /**
     * Rows as the model takes them: standardised with the training statistics (new arrays) when the run
     * standardised, else the rows themselves.
     *
     * @throws IllegalArgumentException naming the row whose width is not the model's input
     */
    public float[][] prepare(float[][] rows) {
        for (int r = 0; r < rows.length; r++)
            if (rows[r].length != model.inputSize())
                throw new IllegalArgumentException("row " + r + " has " + rows[r].length + " values, but the model's input is "
                        + model.inputSize());
        if (standardizer == null) return rows;
        float[][] out = new float[rows.length][];
        for (int r = 0; r < rows.length; r++) out[r] = standardizer.applyRow(rows[r]);
        return out;
    }

    /** The name of class {@code c}, or its index as text where the classes have no names. */
    public String className(int c) {
        // the classes: one per output, or two on one sigmoid output (binary classification)
        int classes = !classNames.isEmpty() ? classNames.size() : model.outputSize() == 1 ? 2 : model.outputSize();
        if (c < 0 || c >= classes) throw new IllegalArgumentException("class " + c + " is not one of the " + classes + " classes (0 to " + (classes - 1) + ")");
        return classNames.isEmpty() ? Integer.toString(c) : classNames.get(c);
    }

    /**
     * A trainer on {@code backend} holding these parameters, for {@link Trainer#predict} and
     * {@link Trainer#evaluate} in batches of {@code batchSize} rows (or further training). Close it.
     */
    public Trainer trainer(Backend backend, int batchSize) {
        Trainer t = new Trainer(backend, model, TrainConfig.builder().batchSize(batchSize).build());
        try {
            t.setParameters(parameters);
            return t;
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
    }

    private static int inputWidth(String source, Map<String, String> meta, Safetensors.Contents contents) {
        String in = meta.get(Weights.META_INPUT);
        if (in != null) {
            try {
                return Integer.parseInt(in.strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(source + ": metadata " + Weights.META_INPUT + " '" + in + "' is not a whole number");
            }
        }
        Safetensors.Tensor w = contents.tensors().get("layers.0.weight");
        if (w == null || w.shape().length != 2) throw new IllegalArgumentException(source + ": no layers.0.weight of shape [out, in]");
        return w.shape()[1];
    }

    private static Standardizer standardizer(String source, String text) {
        if (text == null) return null;
        try {
            JsonNode n = JSON.readTree(text);
            double[] mean = n == null || n.get("mean") == null ? null : JSON.treeToValue(n.get("mean"), double[].class);
            double[] std = n == null || n.get("std") == null ? null : JSON.treeToValue(n.get("std"), double[].class);
            if (mean == null || std == null || mean.length != std.length)
                throw new IllegalArgumentException(source + ": metadata " + META_STANDARDIZE + " needs mean and std lists of one length");
            return new Standardizer(mean, std);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(source + ": metadata " + META_STANDARDIZE + " is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static List<String> names(String source, String key, String text) {
        if (text == null) return List.of();
        try {
            String[] names = JSON.readValue(text, String[].class);
            if (names == null) throw new IllegalArgumentException(source + ": metadata " + key + " is null");
            return List.of(names);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(source + ": metadata " + key + " is not a JSON list of names: " + e.getOriginalMessage());
        }
    }
}
