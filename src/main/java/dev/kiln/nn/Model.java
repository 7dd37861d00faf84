package dev.kiln.nn;

import dev.kiln.backend.Activation;
import dev.kiln.data.Seeds;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.StringJoiner;

/**
 * A multi-layer perceptron: an input width, a sequence of {@link Dense} and {@link Dropout} layers (the last
 * one Dense) and the {@link Loss} it trains with. Immutable; it describes shapes only (the parameters live
 * in one flat array laid out by {@link #layout()}).
 *
 * <p>Text form (the CLI's {@code --model}): layers separated by commas, each {@code units:activation[:initializer]}
 * or {@code dropout:p}, e.g. {@code 9:relu,9:relu,9:relu,3:softmax} or
 * {@code 128:leaky_relu(0.2):he_normal,dropout:0.2,10:softmax}. The input width comes from the data.
 *
 * @param inputSize number of input features (>= 1)
 * @param layers    the layers, first to last
 * @param loss      the training loss; checked against the output activation
 */
public record Model(int inputSize, List<Layer> layers, Loss loss) {

    /**
     * Copies the layers and checks the model: input size >= 1, at least one layer, the last one Dense, a loss that fits
     * its activation ({@link Loss#validate}).
     */
    public Model {
        if (inputSize < 1) throw new IllegalArgumentException("model: input size must be >= 1, got " + inputSize);
        layers = List.copyOf(layers);
        if (layers.isEmpty()) throw new IllegalArgumentException("model: no layers");
        if (!(layers.get(layers.size() - 1) instanceof Dense last))
            throw new IllegalArgumentException("model: the last layer must be Dense, got '" + layers.get(layers.size() - 1).spec() + "'");
        if (loss == null) throw new IllegalArgumentException("model: loss is null");
        loss.validate(last);
    }

    /** A model whose loss is {@link Loss#defaultFor} its output activation. */
    public Model(int inputSize, List<Layer> layers) {
        this(inputSize, layers, defaultLoss(layers));
    }

    private static Loss defaultLoss(List<Layer> layers) {
        if (!layers.isEmpty() && layers.get(layers.size() - 1) instanceof Dense d) return Loss.defaultFor(d.activation());
        return Loss.MSE;   // the canonical constructor reports what is wrong with the layers
    }

    /** Parses the text form; the loss is the natural one for the output activation. Errors name the token. */
    public static Model parse(String text, int inputSize) {
        return new Model(inputSize, ModelText.parseLayers(text));
    }

    /** Parses the text form with an explicit loss. */
    public static Model parse(String text, int inputSize, Loss loss) {
        return new Model(inputSize, ModelText.parseLayers(text), loss);
    }

    /** A builder: {@code Model.builder().input(3).dense(9, RELU).dense(3, SOFTMAX).build()}. */
    public static Builder builder() { return new Builder(); }

    /** The layers' text form (without the input width), which {@link #parse} reads back. */
    public String spec() {
        StringJoiner j = new StringJoiner(",");
        for (Layer l : layers) j.add(l.spec());
        return j.toString();
    }

    /** The Dense layers in order. */
    public List<Dense> denseLayers() {
        List<Dense> d = new ArrayList<>();
        for (Layer l : layers) if (l instanceof Dense x) d.add(x);
        return d;
    }

    /** The last (output) layer. */
    public Dense outputLayer() { return (Dense) layers.get(layers.size() - 1); }

    /** Width of the output. */
    public int outputSize() { return outputLayer().units(); }

    /** The flat parameter layout. */
    public ParameterLayout layout() {
        List<Dense> d = denseLayers();
        int[] in = new int[d.size()], out = new int[d.size()];
        int width = inputSize, k = 0;
        for (Layer l : layers) {
            if (l instanceof Dense x) {
                in[k] = width;
                out[k] = x.units();
                k++;
            }
            width = l.outputSize(width);
        }
        return new ParameterLayout(in, out);
    }

    /** Number of parameters. */
    public int parameterCount() { return layout().size(); }

    /**
     * The initial parameters for {@code seed}: Dense layer i's weights drawn by its initializer from a
     * generator seeded with {@code Seeds.derive(seed, INIT, i)} (so changing one layer leaves the others'
     * draws alone), biases zero.
     */
    public float[] initialParameters(long seed) {
        float[] params = new float[layout().size()];
        initialParameters(seed, new float[Math.max(1, Math.min(params.length, 1 << 16))],
                (values, n, offset) -> System.arraycopy(values, 0, params, (int) offset, n));
        return params;
    }

    /**
     * The same values as {@link #initialParameters(long)}, handed to {@code sink} in layout order a piece
     * at a time through {@code buffer} (each piece at most {@code buffer.length} values), so a trainer can
     * upload them without a host copy of every parameter (100 MiB for the wide benchmark network).
     */
    public void initialParameters(long seed, float[] buffer, ParameterSink sink) {
        if (buffer.length == 0) throw new IllegalArgumentException("initialParameters: empty buffer");
        ParameterLayout p = layout();
        List<Dense> d = denseLayers();
        for (int i = 0; i < d.size(); i++) {
            SplittableRandom rng = new SplittableRandom(Seeds.derive(seed, Seeds.INIT, i));
            int weights = p.in(i) * p.out(i);
            for (int done = 0; done < weights; ) {
                int n = Math.min(buffer.length, weights - done);
                d.get(i).initializer().fill(buffer, 0, n, p.in(i), p.out(i), rng);
                sink.accept(buffer, n, (long) p.weightOffset(i) + done);
                done += n;
            }
            java.util.Arrays.fill(buffer, 0, Math.min(buffer.length, p.out(i)), 0f);
            for (int done = 0; done < p.out(i); ) {
                int n = Math.min(buffer.length, p.out(i) - done);
                sink.accept(buffer, n, (long) p.biasOffset(i) + done);
                done += n;
            }
        }
    }

    /** Receives initial parameters: {@code values[0 .. n)} belong at {@code offset} of the flat layout. */
    @FunctionalInterface
    public interface ParameterSink {
        /** Takes {@code values[0 .. n)} for layout positions {@code [offset, offset + n)}; must not keep {@code values}. */
        void accept(float[] values, int n, long offset);
    }

    @Override
    public String toString() {
        return "Model[" + inputSize + " -> " + spec() + ", loss " + loss.spec() + ", " + parameterCount() + " parameters]";
    }

    /** Fluent construction of a {@link Model}. */
    public static final class Builder {
        private int input = -1;
        private final List<Layer> layers = new ArrayList<>();
        private Loss loss;
        private Initializer initializer = Initializer.GLOROT_UNIFORM;

        Builder() {}

        /** The number of input features. */
        public Builder input(int size) { input = size; return this; }

        /** The initializer of Dense layers added after this call (default glorot_uniform). */
        public Builder initializer(Initializer init) { initializer = init; return this; }

        /** Adds a Dense layer. */
        public Builder dense(int units, Activation activation) {
            layers.add(new Dense(units, activation, initializer));
            return this;
        }

        /** Adds a Dense layer with a given initializer. */
        public Builder dense(int units, Activation activation, Initializer init) {
            layers.add(new Dense(units, activation, init));
            return this;
        }

        /** Adds a leaky_relu Dense layer with this negative slope. */
        public Builder leakyRelu(int units, float slope) {
            layers.add(new Dense(units, Activation.LEAKY_RELU, slope, initializer));
            return this;
        }

        /** Adds a dropout layer dropping with probability p. */
        public Builder dropout(double p) { layers.add(new Dropout(p)); return this; }

        /** Adds layers from the text form, e.g. {@code "9:relu,9:relu"}. */
        public Builder layers(String text) { layers.addAll(ModelText.parseLayers(text)); return this; }

        /** The loss (default: the natural one for the output activation). */
        public Builder loss(Loss l) { loss = l; return this; }

        /** The model; throws IllegalArgumentException if the input width is missing or the layers are invalid. */
        public Model build() {
            if (input < 1) throw new IllegalArgumentException("model: call input(n) with the number of features first");
            return loss == null ? new Model(input, layers) : new Model(input, layers, loss);
        }
    }
}
