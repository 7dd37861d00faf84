package dev.kiln.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * What a run did: one {@link EpochResult} per finished epoch, the learning rate of every optimizer step
 * (a double per step, preallocated for the run so recording it allocates nothing), and why the run stopped
 * early, if it did.
 */
public final class History {
    private final List<EpochResult> epochs = new ArrayList<>();
    private final List<TrainingEvent> events = new ArrayList<>();
    private double[] stepLr = new double[0];
    private long steps;
    private String stopReason;

    /** An empty history. */
    public History() {}

    /** A history rebuilt from saved parts (checkpoint resume): the epoch rows and the lr of steps 0 .. stepLr.length-1. */
    public History(List<EpochResult> epochs, double[] stepLr, String stopReason) {
        this.epochs.addAll(epochs);
        this.stepLr = stepLr.clone();
        this.steps = stepLr.length;
        this.stopReason = stopReason;
    }

    /** A history rebuilt from saved parts, with the divergence guard's events. */
    public History(List<EpochResult> epochs, double[] stepLr, List<TrainingEvent> events, String stopReason) {
        this(epochs, stepLr, stopReason);
        this.events.addAll(events);
    }

    /** An independent copy (the learning rates of the steps recorded so far, the epochs, the events). */
    public History copy() {
        return new History(epochs, stepLearningRates(), events, stopReason);
    }

    /**
     * What the divergence guard did, in order: skipped non-finite steps, rollbacks (with the step gone back
     * to and the learning-rate multiplier from then on), a stop.
     */
    public List<TrainingEvent> events() { return List.copyOf(events); }

    /** Rollbacks so far. */
    public long rollbacks() { return events.stream().filter(e -> e.kind() == TrainingEvent.Kind.ROLLBACK).count(); }

    /** The finished epochs, in order. */
    public List<EpochResult> epochs() { return List.copyOf(epochs); }

    /** The last finished epoch. */
    public Optional<EpochResult> last() { return epochs.isEmpty() ? Optional.empty() : Optional.of(epochs.get(epochs.size() - 1)); }

    /** Number of optimizer steps recorded. */
    public long steps() { return steps; }

    /** The learning rate of every step, in order (a copy). */
    public double[] stepLearningRates() { return Arrays.copyOf(stepLr, (int) steps); }

    /** The learning rate of global step {@code step}. */
    public double lr(long step) {
        if (step < 0 || step >= steps) throw new IndexOutOfBoundsException("step " + step + " of " + steps);
        return stepLr[(int) step];
    }

    /** Training loss of each epoch. */
    public double[] losses() { return column("loss"); }

    /** Validation loss of each epoch (NaN without validation data). */
    public double[] valLosses() { return column("val_loss"); }

    /** A metric (loss, accuracy, val_loss, val_accuracy) of each epoch. */
    public double[] column(String metric) {
        double[] v = new double[epochs.size()];
        for (int i = 0; i < v.length; i++) v[i] = epochs.get(i).metric(metric);
        return v;
    }

    /** Why the run stopped before its last epoch (early stopping, a callback), if it did. */
    public Optional<String> stopReason() { return Optional.ofNullable(stopReason); }

    void reserveSteps(long total) {
        if (total > stepLr.length) stepLr = Arrays.copyOf(stepLr, (int) Math.min(Integer.MAX_VALUE - 8, total));
    }

    void recordLr(long step, double lr) {
        if (step >= stepLr.length) stepLr = Arrays.copyOf(stepLr, (int) Math.max(step + 1, 2L * stepLr.length));
        stepLr[(int) step] = lr;
        steps = step + 1;
    }

    void add(EpochResult r) { epochs.add(r); }

    void event(TrainingEvent e) { events.add(e); }

    /** Forgets epochs after the first {@code epochCount} and steps from {@code stepCount} on (a rollback). */
    void truncate(int epochCount, long stepCount) {
        while (epochs.size() > epochCount) epochs.remove(epochs.size() - 1);
        steps = Math.min(steps, stepCount);
    }

    void stopped(String reason) { stopReason = reason; }

    /** A plain-text table, one line per epoch. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("epoch  step        lr      loss  accuracy  val_loss   val_acc   seconds\n");
        for (EpochResult r : epochs)
            s.append(String.format("%5d %5d %9.3g %9.5f %9.4f %9.5f %9.4f %9.3f%n", r.epoch(), r.lastStep(), r.lr(), r.loss(),
                    r.accuracy(), r.valLoss(), r.valAccuracy(), r.seconds()));
        for (TrainingEvent e : events) s.append(e.describe()).append('\n');
        if (stopReason != null) s.append("stopped: ").append(stopReason).append('\n');
        return s.toString();
    }
}
