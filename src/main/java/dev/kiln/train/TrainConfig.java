package dev.kiln.train;

import dev.kiln.optim.Optimizer;
import dev.kiln.optim.Sgd;
import dev.kiln.schedule.BoundSchedule;
import dev.kiln.schedule.RunPlan;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * How to train: epochs, batch size, seed, shuffling, validation, optimizer, learning-rate schedule,
 * gradient clipping, the non-finite guard and callbacks. Build with {@link #builder()}; every field has a
 * default (10 epochs, batch 32, seed 0, shuffled, no validation split, SGD lr 0.01, constant schedule, no
 * clipping, guard STOP with rollback factor 0.5 and at most 5 rollbacks, evaluation batch = batch size).
 *
 * <p>The schedule is a function of the {@link RunPlan} (steps per epoch and total steps), which is only
 * known once the training set is: a schedule written in epochs or fractions of the run binds there. The
 * learning rate of step s is {@code optimizer.lr() * schedule.factor(s)}, computed on the host in double.
 *
 * @param epochs          epochs to train (>= 0)
 * @param batchSize       rows per step (>= 1; the last, partial batch of an epoch is kept, as PyTorch)
 * @param seed            seeds the batch order and dropout (and, through the Trainer, the initial weights)
 * @param shuffle         whether each epoch visits the rows in a new seeded order (else file order)
 * @param validationSplit fraction of the training rows held out for validation, from the end (Keras); 0 for none
 * @param optimizer       the update rule and its hyper-parameters
 * @param schedule        binds the learning-rate schedule to the run
 * @param clipNorm        clip the global gradient norm to this (torch clip_grad_norm_); 0 for none
 * @param clipValue       clip each gradient element to [-clipValue, clipValue]; 0 for none
 * @param guard           what to do with non-finite steps
 * @param evalBatchSize   rows per forward pass when evaluating or predicting
 * @param callbacks       hooks, called in order
 * @param rollbackFactor  with {@link NonFiniteGuard#ROLLBACK}: the learning-rate multiplier of each rollback, in (0, 1)
 * @param maxRollbacks    with {@link NonFiniteGuard#ROLLBACK}: rollbacks allowed before the run stops (>= 1)
 */
public record TrainConfig(int epochs, int batchSize, long seed, boolean shuffle, double validationSplit,
                          Optimizer optimizer, Function<RunPlan, BoundSchedule> schedule,
                          float clipNorm, float clipValue, NonFiniteGuard guard, int evalBatchSize,
                          List<Callback> callbacks, double rollbackFactor, int maxRollbacks) {

    /** Checks the arguments (the rollback settings through {@link DivergencePolicy}) and copies the callbacks. */
    public TrainConfig {
        if (epochs < 0) throw new IllegalArgumentException("epochs must be >= 0, got " + epochs);
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        if (!(validationSplit >= 0 && validationSplit < 1))
            throw new IllegalArgumentException("validation split must be in [0, 1), got " + validationSplit);
        if (optimizer == null) throw new IllegalArgumentException("optimizer is null");
        if (schedule == null) throw new IllegalArgumentException("schedule is null");
        if (!(clipNorm >= 0)) throw new IllegalArgumentException("clip norm must be >= 0, got " + clipNorm);
        if (!(clipValue >= 0)) throw new IllegalArgumentException("clip value must be >= 0, got " + clipValue);
        if (guard == null) throw new IllegalArgumentException("guard is null");
        if (evalBatchSize < 1) throw new IllegalArgumentException("evaluation batch size must be >= 1, got " + evalBatchSize);
        if (callbacks == null) throw new IllegalArgumentException("callbacks is null");
        for (int i = 0; i < callbacks.size(); i++)
            if (callbacks.get(i) == null) throw new IllegalArgumentException("callback " + i + " is null");
        callbacks = List.copyOf(callbacks);
        new DivergencePolicy(guard, rollbackFactor, maxRollbacks);    // checks the rollback settings
    }

    /** The configuration with the default rollback settings (the record's form before rollbacks existed). */
    public TrainConfig(int epochs, int batchSize, long seed, boolean shuffle, double validationSplit,
                       Optimizer optimizer, Function<RunPlan, BoundSchedule> schedule,
                       float clipNorm, float clipValue, NonFiniteGuard guard, int evalBatchSize, List<Callback> callbacks) {
        this(epochs, batchSize, seed, shuffle, validationSplit, optimizer, schedule, clipNorm, clipValue, guard, evalBatchSize,
                callbacks, DivergencePolicy.DEFAULT_FACTOR, DivergencePolicy.DEFAULT_MAX_ROLLBACKS);
    }

    /** The guard with its rollback settings ({@code --on-divergence}). */
    public DivergencePolicy divergence() { return new DivergencePolicy(guard, rollbackFactor, maxRollbacks); }

    /** A builder with the defaults. */
    public static Builder builder() { return new Builder(); }

    /** A builder starting from this configuration. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.epochs = epochs;
        b.batchSize = batchSize;
        b.seed = seed;
        b.shuffle = shuffle;
        b.validationSplit = validationSplit;
        b.optimizer = optimizer;
        b.schedule = schedule;
        b.clipNorm = clipNorm;
        b.clipValue = clipValue;
        b.guard = guard;
        b.evalBatchSize = evalBatchSize;
        b.callbacks.addAll(callbacks);
        b.rollbackFactor = rollbackFactor;
        b.maxRollbacks = maxRollbacks;
        return b;
    }

    /** The constant schedule (factor 1 at every step). */
    public static BoundSchedule constant() { return BoundSchedule.of("constant", step -> 1.0); }

    /** Fluent construction of a {@link TrainConfig}. */
    public static final class Builder {
        private int epochs = 10, batchSize = 32, evalBatchSize = -1;
        private long seed = 0;
        private boolean shuffle = true;
        private double validationSplit = 0;
        private Optimizer optimizer = Sgd.plain(0.01);
        private Function<RunPlan, BoundSchedule> schedule = plan -> constant();
        private float clipNorm = 0, clipValue = 0;
        private NonFiniteGuard guard = NonFiniteGuard.STOP;
        private double rollbackFactor = DivergencePolicy.DEFAULT_FACTOR;
        private int maxRollbacks = DivergencePolicy.DEFAULT_MAX_ROLLBACKS;
        private final List<Callback> callbacks = new ArrayList<>();

        Builder() {}

        /** Epochs to train (default 10). */
        public Builder epochs(int n) { epochs = n; return this; }
        /** Rows per step (default 32). */
        public Builder batchSize(int n) { batchSize = n; return this; }
        /** The run seed: initial weights, batch order, dropout (default 0). */
        public Builder seed(long s) { seed = s; return this; }
        /** Whether each epoch visits the rows in a fresh seeded order (default true). */
        public Builder shuffle(boolean on) { shuffle = on; return this; }
        /** Fraction of the training rows, from the end, held out for validation (default 0: none). */
        public Builder validationSplit(double fraction) { validationSplit = fraction; return this; }
        /** The optimizer (default plain SGD, lr 0.01). */
        public Builder optimizer(Optimizer o) { optimizer = o; return this; }
        /** A schedule that does not depend on the run's length. */
        public Builder schedule(BoundSchedule s) {
            if (s == null) throw new IllegalArgumentException("schedule is null");
            schedule = plan -> s;
            return this;
        }
        /** A schedule bound once the run's length is known (e.g. parsed text with durations in epochs). */
        public Builder schedule(Function<RunPlan, BoundSchedule> binder) { schedule = binder; return this; }
        /** Clip the global gradient norm to this (0: off). */
        public Builder clipNorm(float maxNorm) { clipNorm = maxNorm; return this; }
        /** Clip each gradient element to [-max, max] (0: off). */
        public Builder clipValue(float max) { clipValue = max; return this; }
        /** What to do with NaN/Inf steps (default STOP). */
        public Builder guard(NonFiniteGuard g) { guard = g; return this; }
        /** The guard with its rollback settings, e.g. {@code DivergencePolicy.parse("rollback:0.5")}. */
        public Builder divergence(DivergencePolicy p) {
            guard = p.guard();
            rollbackFactor = p.factor();
            maxRollbacks = p.maxRollbacks();
            return this;
        }
        /** Rows per forward pass in evaluation and prediction (default: the batch size). */
        public Builder evalBatchSize(int n) { evalBatchSize = n; return this; }
        /** Adds a callback. */
        public Builder callback(Callback c) {
            if (c == null) throw new IllegalArgumentException("callback is null");
            callbacks.add(c);
            return this;
        }
        /** Adds callbacks, in order. */
        public Builder callbacks(List<Callback> cs) {
            if (cs == null) throw new IllegalArgumentException("callbacks is null");
            for (int i = 0; i < cs.size(); i++)
                if (cs.get(i) == null) throw new IllegalArgumentException("callback " + i + " is null");
            callbacks.addAll(cs);
            return this;
        }
        /**
         * Removes every callback added so far (those of {@link TrainConfig#toBuilder()}'s configuration too): a
         * callback object holds its run's state, so runs on several threads at once each need their own.
         */
        public Builder clearCallbacks() { callbacks.clear(); return this; }

        /** The configuration; throws IllegalArgumentException naming a bad value. */
        public TrainConfig build() {
            return new TrainConfig(epochs, batchSize, seed, shuffle, validationSplit, optimizer, schedule, clipNorm, clipValue,
                    guard, evalBatchSize < 0 ? batchSize : evalBatchSize, callbacks, rollbackFactor, maxRollbacks);
        }
    }
}
