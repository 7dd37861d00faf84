package dev.kiln.backend;

/**
 * The element-wise (or, for softmax, row-wise) activations a Dense layer can apply.
 * The integer {@link #code()} is the value the kernels in {@code kernels/common/kiln_math.h} switch on.
 */
public enum Activation {
    /** a = z. */
    LINEAR(0),
    /** a = max(0, z); derivative 0 at z = 0, as PyTorch. */
    RELU(1),
    /** a = z if z > 0 else slope * z (slope 0.01 by default, as PyTorch; Keras uses 0.3). */
    LEAKY_RELU(2),
    /** a = 1 / (1 + exp(-z)). */
    SIGMOID(3),
    /** a = tanh(z). */
    TANH(4),
    /** exact GELU, a = z * Phi(z) = 0.5 z (1 + erf(z / sqrt 2)), as torch.nn.GELU() default. */
    GELU(5),
    /** a_i = exp(z_i - max z) / sum_j exp(z_j - max z), over each row. */
    SOFTMAX(6);

    private final int code;

    Activation(int code) { this.code = code; }

    /** The code the kernels use. */
    public int code() { return code; }

    /** Whether this activation works over a whole row rather than element by element. */
    public boolean rowWise() { return this == SOFTMAX; }
}
