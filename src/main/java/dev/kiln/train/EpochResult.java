package dev.kiln.train;

/**
 * One row of a {@link History}: what an epoch did. Losses are means over rows; accuracies are fractions.
 * Values that do not apply are NaN (validation without validation data, accuracy for regression).
 *
 * @param epoch         0-based epoch number
 * @param lastStep      0-based global index of the epoch's last optimizer step
 * @param lr            the learning rate of that step (base lr times the schedule)
 * @param loss          mean training loss over the epoch's batches (with the weights as they changed, as Keras)
 * @param accuracy      training accuracy over the epoch
 * @param valLoss       validation loss after the epoch (no dropout)
 * @param valAccuracy   validation accuracy after the epoch
 * @param seconds       wall time of the epoch, validation included
 * @param skippedSteps  steps the non-finite guard skipped in this epoch
 */
public record EpochResult(int epoch, long lastStep, double lr, double loss, double accuracy,
                          double valLoss, double valAccuracy, double seconds, long skippedSteps) {

    /** The value of a metric by its Keras name: loss, accuracy, val_loss or val_accuracy. */
    public double metric(String name) {
        return switch (name) {
            case "loss" -> loss;
            case "accuracy", "acc" -> accuracy;
            case "val_loss" -> valLoss;
            case "val_accuracy", "val_acc" -> valAccuracy;
            default -> throw new IllegalArgumentException("unknown metric '" + name + "' (known: loss, accuracy, val_loss, val_accuracy)");
        };
    }

    /**
     * Whether a validation loss was recorded: false without validation data, and also when the validation
     * loss itself was NaN (a diverged model); {@link TrainingContext#hasValidation()} tells the two apart.
     */
    public boolean hasValidation() { return !Double.isNaN(valLoss); }
}
