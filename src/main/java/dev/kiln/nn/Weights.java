package dev.kiln.nn;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's flat parameter array as a safetensors file: {@code layers.<i>.weight} [out, in] and
 * {@code layers.<i>.bias} [out] for the i-th Dense layer, float32, so that in PyTorch
 * {@code nn.Linear} layer i loads them as they are. The model's text form, input width and loss go into
 * the metadata (informational; loading checks the tensors' shapes, not the metadata).
 */
public final class Weights {
    private Weights() {}

    /** Metadata key of the model's layer text. */
    public static final String META_MODEL = "kiln.model";
    /** Metadata key of the input width. */
    public static final String META_INPUT = "kiln.input";
    /** Metadata key of the loss. */
    public static final String META_LOSS = "kiln.loss";

    /** Writes {@code params} (laid out by {@code model.layout()}) to {@code file}, atomically. */
    public static void save(Model model, float[] params, Path file, Map<String, String> extraMetadata) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put(META_MODEL, model.spec());
        meta.put(META_INPUT, Integer.toString(model.inputSize()));
        meta.put(META_LOSS, model.loss().spec());
        if (extraMetadata != null) meta.putAll(extraMetadata);
        Safetensors.write(file, tensors(model, params), meta);
    }

    /** Writes {@code params} to {@code file} with the standard metadata only. */
    public static void save(Model model, float[] params, Path file) { save(model, params, file, Map.of()); }

    /** The tensors of a parameter array, in layout order (copies). */
    public static List<Safetensors.Tensor> tensors(Model model, float[] params) {
        ParameterLayout layout = model.layout();
        if (params.length != layout.size())
            throw new IllegalArgumentException("parameter array has " + params.length + " values, but " + model + " needs " + layout.size());
        List<Safetensors.Tensor> out = new ArrayList<>();
        for (ParameterLayout.Tensor t : layout.tensors())
            out.add(new Safetensors.Tensor(t.name(), t.shape(), Arrays.copyOfRange(params, t.offset(), t.offset() + t.size())));
        return out;
    }

    /** Reads {@code file} into a parameter array for {@code model}, checking every tensor's name and shape. */
    public static float[] load(Model model, Path file) {
        return fromTensors(model, Safetensors.read(file).tensors(), file.toString());
    }

    /**
     * Assembles a parameter array from named tensors. Missing, unexpected or mis-shaped tensors fail with
     * a message naming the file, the tensor and both shapes.
     */
    public static float[] fromTensors(Model model, Map<String, Safetensors.Tensor> tensors, String source) {
        ParameterLayout layout = model.layout();
        float[] params = new float[layout.size()];
        List<String> expected = new ArrayList<>();
        for (ParameterLayout.Tensor t : layout.tensors()) {
            expected.add(t.name());
            Safetensors.Tensor got = tensors.get(t.name());
            if (got == null)
                throw new IllegalArgumentException(source + ": missing tensor " + t.name() + " " + Safetensors.shapeText(t.shape())
                        + " (the file holds " + String.join(", ", tensors.keySet()) + ")");
            if (!Arrays.equals(got.shape(), t.shape()))
                throw new IllegalArgumentException(source + ": tensor " + t.name() + " has shape " + Safetensors.shapeText(got.shape())
                        + " but the model " + model.inputSize() + " -> " + model.spec() + " needs " + Safetensors.shapeText(t.shape()));
            System.arraycopy(got.data(), 0, params, t.offset(), t.size());
        }
        for (String name : tensors.keySet())
            if (!expected.contains(name))
                throw new IllegalArgumentException(source + ": unexpected tensor " + name + " (the model " + model.inputSize()
                        + " -> " + model.spec() + " has " + layout.layers() + " Dense layers)");
        return params;
    }
}
