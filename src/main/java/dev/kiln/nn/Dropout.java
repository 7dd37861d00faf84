package dev.kiln.nn;

/**
 * Inverted dropout (as torch.nn.Dropout and Keras): while training, each element is kept with
 * probability {@code 1 - p} and scaled by {@code 1 / (1 - p)}, so evaluation needs no rescaling and is the
 * identity. Masks come from the counter-based generator shared by all backends.
 *
 * @param p the probability of dropping an element, in [0, 1)
 */
public record Dropout(double p) implements Layer {
    /** Checks that {@code p} is in [0, 1). */
    public Dropout {
        if (!(p >= 0 && p < 1)) throw new IllegalArgumentException("dropout: p must be in [0, 1), got " + p);
    }

    @Override public int outputSize(int inputSize) { return inputSize; }

    /** Text form: {@code dropout:p}. */
    @Override public String spec() { return "dropout:" + p; }
}
