package dev.kiln.train;

/**
 * The result of {@link Trainer#evaluate}: mean loss over the rows and the fraction classified correctly
 * (argmax of the output equals argmax of the target; NaN for regression sets).
 *
 * @param loss     mean row loss
 * @param accuracy fraction of correct rows, or NaN
 * @param rows     rows evaluated
 */
public record Evaluation(double loss, double accuracy, int rows) {}
