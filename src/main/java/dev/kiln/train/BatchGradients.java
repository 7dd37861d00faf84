package dev.kiln.train;

/**
 * The gradient of the mean batch loss with respect to every parameter, in the flat parameter layout,
 * as computed by {@link Trainer#gradients} without updating anything.
 *
 * @param gradients d(mean loss)/d(parameter), laid out as the parameters
 * @param loss      the mean loss of the batch
 */
public record BatchGradients(float[] gradients, double loss) {}
