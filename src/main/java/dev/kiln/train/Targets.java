package dev.kiln.train;

import dev.kiln.data.Dataset;
import dev.kiln.nn.Model;

/**
 * How a data set's targets meet the model's output: one target column per output, or the binary case.
 *
 * <p>Binary classification is Keras's {@code Dense(1, activation='sigmoid')} with
 * {@code binary_crossentropy} on labels 0 and 1 (and PyTorch's one-logit {@code BCEWithLogitsLoss}): a
 * two-class set meets a one-unit output, and the target of a row is the probability of class 1 (its label, 0
 * or 1, or for one-hot rows their second column). The row is counted correct when the output and the target
 * fall on the same side of 0.5 (Keras's {@code binary_accuracy}; the kernels' one-column rule).
 */
public final class Targets {
    private Targets() {}

    /**
     * Whether {@code model} is a regression model as Keras's {@code Dense(1)} with {@code loss='mse'} is: one
     * output under MSE, so a CSV label column holds target values rather than classes.
     */
    public static boolean regression(Model model) {
        return model.loss() == dev.kiln.nn.Loss.MSE && model.outputSize() == 1;
    }

    /** Whether {@code data} trains a model with {@code outputs} units as binary classification (see above). */
    public static boolean binary(Dataset data, int outputs) {
        return outputs == 1 && data.isClassification() && data.classes() == 2;
    }

    /**
     * Null if {@code data} fits {@code model}'s input and output, else the one-line reason naming the data
     * set, e.g. {@code digits.csv has 10 target columns (classes), but the model outputs 3}.
     */
    public static String mismatch(Dataset data, Model model) {
        if (data.cols() != model.inputSize())
            return data.name() + " has " + data.cols() + " features, but the model's input is " + model.inputSize();
        if (data.targetCols() != model.outputSize() && !binary(data, model.outputSize()))
            return data.name() + " has " + data.targetCols() + " target columns" + (data.isClassification() ? " (classes)" : "")
                    + ", but the model outputs " + model.outputSize()
                    + (data.isClassification() && model.outputSize() == 1 ? " (one output fits two classes only)" : "");
        return null;
    }

    /** For a binary set (see {@link #binary}): each row's target, the probability of class 1. */
    static float[] binaryColumn(Dataset data) {
        int rows = data.rows();
        float[] y = new float[rows];
        int[] labels = data.integerLabels();
        if (labels != null) {
            for (int r = 0; r < rows; r++) y[r] = labels[r];
        } else {
            float[] oneHot = data.targets();
            for (int r = 0; r < rows; r++) y[r] = oneHot[2 * r + 1];
        }
        return y;
    }
}
