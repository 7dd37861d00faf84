package dev.kiln.nn;

/**
 * One layer of a {@link Model}: a {@link Dense} layer or a {@link Dropout} layer. A model is a plain
 * sequence of them; the last one is always Dense.
 */
public sealed interface Layer permits Dense, Dropout {
    /** The width of this layer's output given the width of its input. */
    int outputSize(int inputSize);

    /** The text form of this layer, as {@link Model#parse} reads it. */
    String spec();
}
