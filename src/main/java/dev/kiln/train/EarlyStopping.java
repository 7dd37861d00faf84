package dev.kiln.train;

/**
 * Stops training when a monitored metric has stopped improving (Keras EarlyStopping): after each epoch,
 * the metric improves if it beats the best so far by more than {@code minDelta} (lower for losses,
 * higher for accuracies); after {@code patience} epochs in a row without improvement the run stops. With
 * {@code restoreBestWeights}, the parameters of the best epoch are kept in a device-side snapshot and put
 * back when training ends (as Keras 3, whether or not the run stopped early).
 */
public final class EarlyStopping implements Callback {
    private final String monitor;
    private final int patience;
    private final double minDelta;
    private final boolean restoreBestWeights;
    private final boolean maximize;
    private double best;
    private int bestEpoch = -1, wait;

    /**
     * @param monitor            loss, accuracy, val_loss or val_accuracy
     * @param patience           epochs without improvement before stopping (>= 0)
     * @param minDelta           the least change that counts as an improvement (>= 0)
     * @param restoreBestWeights whether to end with the best epoch's weights
     */
    public EarlyStopping(String monitor, int patience, double minDelta, boolean restoreBestWeights) {
        if (monitor == null) throw new IllegalArgumentException("early stopping: the monitored metric is null (loss, accuracy, val_loss or val_accuracy)");
        new EpochResult(0, 0, 0, 0, 0, 0, 0, 0, 0).metric(monitor);   // rejects unknown names now, not after an epoch
        if (patience < 0) throw new IllegalArgumentException("early stopping: patience must be >= 0, got " + patience);
        if (!(minDelta >= 0)) throw new IllegalArgumentException("early stopping: min_delta must be >= 0, got " + minDelta);
        this.monitor = monitor;
        this.patience = patience;
        this.minDelta = minDelta;
        this.restoreBestWeights = restoreBestWeights;
        this.maximize = monitor.contains("acc");
        this.best = maximize ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    }

    /** Monitors val_loss with this patience, min_delta 0, restoring the best weights. */
    public static EarlyStopping valLoss(int patience) { return new EarlyStopping("val_loss", patience, 0, true); }

    /**
     * A run from its first epoch starts from nothing, as Keras's {@code on_train_begin} resets: one callback may
     * serve several runs (a config reused for k folds, one run per request). A run continued by a second
     * {@code fit} keeps what the first part saw.
     */
    @Override
    public void onTrainBegin(TrainingContext ctx) {
        // before any work, and from the run's data rather than a value: a diverged model's val_loss is NaN too
        if (monitor.startsWith("val_") && !ctx.hasValidation())
            throw new IllegalStateException("early stopping monitors " + monitor + ", but the run has no validation data"
                    + " (give a validation set or a validation split)");
        if (!ctx.history().epochs().isEmpty()) return;
        best = maximize ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        bestEpoch = -1;
        wait = 0;
    }

    @Override
    public void onEpochEnd(EpochResult r, TrainingContext ctx) {
        // a NaN value (a diverged model) is no improvement, as in Keras (np.less(nan, best) is false)
        double v = r.metric(monitor);
        boolean improved = maximize ? v > best + minDelta : v < best - minDelta;
        if (improved) {
            best = v;
            bestEpoch = r.epoch();
            wait = 0;
            if (restoreBestWeights) ctx.snapshotParameters();
        } else if (++wait >= patience) {
            ctx.stop(String.format("early stopping: %s did not improve by more than %s for %d epoch%s (best %.6g at epoch %d)",
                    monitor, minDelta, wait, wait == 1 ? "" : "s", best, bestEpoch));
        }
    }

    @Override
    public void onTrainEnd(History history, TrainingContext ctx) {
        if (restoreBestWeights && bestEpoch >= 0 && history.last().map(r -> r.epoch() != bestEpoch).orElse(false))
            ctx.restoreSnapshot();
    }

    /** The best value seen. */
    public double best() { return best; }

    /** The epoch of the best value, or -1 before the first epoch. */
    public int bestEpoch() { return bestEpoch; }
}
