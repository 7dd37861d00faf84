package dev.kiln.nn;

import dev.kiln.backend.Activation;
import java.util.Locale;

/**
 * A fully connected layer: {@code Z = X W^T + b}, {@code A = act(Z)}, with W of shape [units, in]
 * (PyTorch's nn.Linear orientation) and b of shape [units]. Weights are drawn by {@link #initializer};
 * biases start at zero.
 *
 * @param units       output width (>= 1)
 * @param activation  the activation applied after the bias
 * @param slope       leaky_relu's negative slope (ignored by other activations)
 * @param initializer how the weights are drawn
 */
public record Dense(int units, Activation activation, float slope, Initializer initializer) implements Layer {
    /** leaky_relu's default negative slope, as torch.nn.LeakyReLU (Keras 3 uses 0.2, Keras 2 used 0.3). */
    public static final float DEFAULT_SLOPE = 0.01f;

    /**
     * Checks that {@code units >= 1}, the activation and initializer are given, the slope is finite, and that a
     * softmax layer has at least 2 units.
     */
    public Dense {
        if (units < 1) throw new IllegalArgumentException("dense: units must be >= 1, got " + units);
        if (activation == null) throw new IllegalArgumentException("dense: activation is null");
        if (initializer == null) throw new IllegalArgumentException("dense: initializer is null");
        if (!Float.isFinite(slope)) throw new IllegalArgumentException("dense: slope must be finite, got " + slope);
        // softmax normalises over the units: over one it is exp(z)/exp(z) = 1 whatever z, with a zero gradient,
        // so such a layer learns nothing (and a cross-entropy against a 0/1 label would go negative)
        if (activation == Activation.SOFTMAX && units == 1)
            throw new IllegalArgumentException("dense: softmax over 1 unit is always 1 and learns nothing; for two classes use"
                    + " 1 unit with sigmoid (binary cross-entropy) or 2 units with softmax");
    }

    /** A Dense layer with the default leaky_relu slope. */
    public Dense(int units, Activation activation, Initializer initializer) {
        this(units, activation, DEFAULT_SLOPE, initializer);
    }

    /** A Dense layer with glorot_uniform weights (Keras's default). */
    public Dense(int units, Activation activation) {
        this(units, activation, DEFAULT_SLOPE, Initializer.GLOROT_UNIFORM);
    }

    @Override public int outputSize(int inputSize) { return units; }

    /** Text form: {@code units:activation[:initializer]}, e.g. {@code 9:relu}, {@code 64:leaky_relu(0.2):he_normal}. */
    @Override
    public String spec() {
        StringBuilder s = new StringBuilder().append(units).append(':').append(activationSpec(activation, slope));
        if (initializer != Initializer.GLOROT_UNIFORM) s.append(':').append(initializer.spec());
        return s.toString();
    }

    static String activationSpec(Activation act, float slope) {
        String name = act.name().toLowerCase(Locale.ROOT);
        if (act == Activation.LEAKY_RELU && slope != DEFAULT_SLOPE) return name + "(" + slope + ")";
        return name;
    }
}
