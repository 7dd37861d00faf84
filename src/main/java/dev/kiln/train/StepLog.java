package dev.kiln.train;

/**
 * What a callback that asked for a log interval ({@link Callback#logEvery()}) receives: the training
 * loss and accuracy of the rows seen since its previous log (within the epoch), read from the device.
 *
 * @param step     0-based global index of the last step included
 * @param epoch    0-based epoch
 * @param loss     mean loss over the rows since the previous log
 * @param accuracy accuracy over those rows (NaN for regression)
 * @param lr       the learning rate of the last step
 */
public record StepLog(long step, int epoch, double loss, double accuracy, double lr) {}
