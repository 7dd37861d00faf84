package dev.kiln.nn;

import dev.kiln.backend.Activation;
import dev.kiln.backend.LossKind;
import java.util.Locale;

/**
 * The training loss, each tied to the output activation it is fused with (see {@link LossKind} for the
 * formulas). The batch loss is the mean of the row losses, and BCE's and MSE's row losses are means over the
 * row's outputs: together PyTorch's {@code reduction='mean'} over every element, and Keras's mean over the last
 * axis, then over the batch.
 */
public enum Loss {
    /** Categorical cross-entropy on a softmax output (Keras categorical_crossentropy, torch CrossEntropyLoss). */
    SOFTMAX_CROSS_ENTROPY(LossKind.SOFTMAX_CROSS_ENTROPY, Activation.SOFTMAX),
    /** Binary cross-entropy on a sigmoid output (torch BCEWithLogitsLoss). */
    BINARY_CROSS_ENTROPY(LossKind.BINARY_CROSS_ENTROPY, Activation.SIGMOID),
    /** Mean squared error on any output. */
    MSE(LossKind.MSE, null);

    private final LossKind kind;
    private final Activation requires;

    Loss(LossKind kind, Activation requires) {
        this.kind = kind;
        this.requires = requires;
    }

    /** The backend's loss kernel. */
    public LossKind kind() { return kind; }

    /** The output activation this loss needs, or null if any will do. */
    public Activation requiredOutput() { return requires; }

    /** The natural loss for an output activation: softmax gives cross-entropy, sigmoid BCE, anything else MSE. */
    public static Loss defaultFor(Activation output) {
        if (output == Activation.SOFTMAX) return SOFTMAX_CROSS_ENTROPY;
        if (output == Activation.SIGMOID) return BINARY_CROSS_ENTROPY;
        return MSE;
    }

    /** Throws an IllegalArgumentException naming both if this loss cannot follow {@code output}. */
    public void validate(Dense output) {
        if (requires != null && output.activation() != requires)
            throw new IllegalArgumentException("loss " + spec() + " needs a " + requires.name().toLowerCase(Locale.ROOT)
                    + " output layer, but the last layer is '" + output.spec() + "'");
    }

    /** The text name: {@code softmax_cross_entropy}, {@code bce} or {@code mse}. */
    public String spec() {
        return switch (this) {
            case SOFTMAX_CROSS_ENTROPY -> "softmax_cross_entropy";
            case BINARY_CROSS_ENTROPY -> "bce";
            case MSE -> "mse";
        };
    }

    /**
     * Parses a loss name: {@code softmax_cross_entropy} (also {@code cross_entropy},
     * {@code categorical_crossentropy}), {@code bce} (also {@code binary_cross_entropy},
     * {@code binary_crossentropy}) or {@code mse} (also {@code mean_squared_error}).
     */
    public static Loss parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        return switch (t) {
            case "softmax_cross_entropy", "cross_entropy", "categorical_crossentropy", "xent" -> SOFTMAX_CROSS_ENTROPY;
            case "bce", "binary_cross_entropy", "binary_crossentropy" -> BINARY_CROSS_ENTROPY;
            case "mse", "mean_squared_error" -> MSE;
            default -> throw new IllegalArgumentException("unknown loss '" + text + "' (known: softmax_cross_entropy, bce, mse)");
        };
    }
}
