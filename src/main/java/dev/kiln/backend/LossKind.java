package dev.kiln.backend;

/**
 * Losses, each fused with the output layer where that is what the frameworks do, so the gradient
 * leaving the loss is the gradient with respect to the output layer's pre-activation Z.
 */
public enum LossKind {
    /**
     * Softmax cross-entropy on logits Z (output activation softmax): row loss
     * {@code -sum_j y_j log_softmax(z)_j}, computed as {@code logsumexp(z) - sum_j y_j z_j} with no clipping
     * (torch.nn.CrossEntropyLoss with probability targets); dZ = (softmax(z) - y) * scale.
     */
    SOFTMAX_CROSS_ENTROPY(0),
    /**
     * Binary cross-entropy on logits Z (output activation sigmoid), in the stable form of
     * torch.nn.BCEWithLogitsLoss: row loss {@code sum_j [max(z_j,0) - z_j y_j + log(1 + exp(-|z_j|))] / cols}, the
     * mean over the row's outputs (torch's mean over all elements = this summed over rows / rows; Keras's
     * binary_crossentropy also averages over the last axis); dZ = (sigmoid(z) - y) / cols * scale.
     */
    BINARY_CROSS_ENTROPY(1),
    /**
     * Mean squared error on the activations A: row loss {@code sum_j (a_j - y_j)^2 / cols}
     * (torch.nn.MSELoss mean over all elements = this summed over rows / rows); dA = 2 (a - y) / cols * scale.
     */
    MSE(2);

    private final int code;

    LossKind(int code) { this.code = code; }

    /** The code the kernels use (the KILN_LOSS_* of kernels/common/kiln_nn.h). */
    public int code() { return code; }

    /** True if the loss gives dZ of the output layer directly (fused with its activation). */
    public boolean fusedWithActivation() { return this != MSE; }
}
