package dev.kiln.train;

import dev.kiln.backend.Backend;
import dev.kiln.backend.DeviceBuffer;
import dev.kiln.backend.Stats;
import dev.kiln.backend.UpdateRule;
import dev.kiln.backend.UpdateScalars;
import dev.kiln.data.Dataset;
import dev.kiln.data.Seeds;
import dev.kiln.data.Shuffle;
import dev.kiln.nn.Model;
import dev.kiln.nn.Weights;
import dev.kiln.optim.Optimizer;
import dev.kiln.schedule.BoundSchedule;
import dev.kiln.schedule.RunPlan;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * Trains a {@link Model} on a {@link Backend}: the step loop of DESIGN.md. The trainer talks to the device
 * only through {@link Backend}, to the update rule only through {@link Optimizer} and to the learning rate
 * only through {@link BoundSchedule}.
 *
 * <p>Per step: gather the batch rows by index on the device; forward; loss (fused with the output
 * activation); backward; when clipping or the guard is on, the sum of squares of the whole gradient
 * into stats[GRAD_SQ]; then one fused update over the flat parameter buffer with the scalars of
 * {@code optimizer.scalars(t, lr, momentum)}, {@code lr = optimizer.lr() * schedule.factor(step)} in double
 * on the host. The training set is uploaded once per {@link #fit}, the shuffled order once per epoch
 * (seeded Fisher-Yates from (seed, epoch), the same for every backend); loss and accuracy accumulate in
 * device stats slots and are read once per epoch. Nothing in the step loop allocates or waits for the device.
 *
 * <p>The resumable state is explicit ({@link #state()}, {@link #restore}, {@link #parameters()},
 * {@link #optimizerState()}, all of it in {@link #snapshot()}): restoring it into a fresh trainer and calling
 * {@link #fit} again continues bit-identically, from an epoch boundary or from the middle of an epoch.
 * {@link #checkpointing} writes snapshots to disk every N steps or epochs, and {@link #resume(Path, boolean)}
 * continues from one; {@link #requestStop} (a signal handler) ends a run after the current step with a
 * checkpoint there.
 *
 * <p>Divergence ({@link DivergencePolicy}): the update kernel skips a step whose loss or gradient is not
 * finite and counts it on the device; the host reads the count at log intervals, checkpoints and epoch
 * ends (never per step) and then stops, logs the skips, or rolls back to a device-side snapshot of the last
 * good state with a lower learning rate.
 *
 * <p>Threads: a backend runs one stream of operations, so {@code fit}, {@code predict}, {@code evaluate},
 * {@code gradients} and the parameter accessors hold the backend's lock while they run. Calls from several
 * threads, on one trainer or on trainers that share a backend, are therefore safe and run one at a time
 * (a {@code predict} waits for a running {@code fit}); for parallel inference give each thread its own
 * backend. A closed trainer refuses every call with an IllegalStateException.
 *
 * <p>A second {@code fit} continues the same run: it trains until {@code config().epochs()} epochs are done
 * in all, so after a finished run it returns the history at once (as a resumed run whose last checkpoint is
 * its end does). For another run, make another trainer; for more epochs, a config with more of them.
 *
 * <pre>{@code
 * try (Backend backend = Backends.open("cpu", -1, System.err);
 *      Trainer t = new Trainer(backend, model, TrainConfig.builder().epochs(10).batchSize(50).build())) {
 *     History h = t.fit(train, test);
 * }
 * }</pre>
 */
public final class Trainer implements AutoCloseable {
    private final Backend backend;
    private final boolean ownsBackend;
    private final Model model;
    private final TrainConfig config;
    private final Optimizer optimizer;
    private final UpdateRule rule;
    private final DeviceNetwork net;
    private final UpdateScalars scalars = new UpdateScalars();
    private final float[] statsHost = new float[Stats.SIZE];
    private final long dropoutSeed;
    private final Callback[] callbacks;
    private final Context ctx = new Context();
    private final NonFiniteGuard guard;
    private final OptimizerHost host;

    private History history = new History();
    private long step, dropoutCounter;
    private int epoch, stepInEpoch;
    private int expectedTrainRows = -1, trainRows = -1;
    private long skippedKnown, windowStart;
    private Map<String, Object> pendingScheduleState;
    private BoundSchedule schedule;
    private RunPlan plan;
    private DataShape dataShape, expectedData;
    private String stopReason;
    private DeviceBuffer snapshot;

    // divergence policy, checkpoints, interruption
    private double lrScale = 1.0;
    private int rollbacks;
    private RollbackPoint rollbackPoint;
    private Interval checkpointEvery;
    private CheckpointSink sink;
    private Path lastCheckpoint;
    private long lastCheckpointStep = -1;
    private volatile String stopSignal;
    private volatile boolean closed;
    private Interruption interruption;
    private boolean primePending, validating;
    private Double expectedMuProduct;
    private String checkScheduleOnFit;

    /**
     * A trainer for {@code model} on {@code backend}, with parameters initialised from {@code config.seed()}.
     * Allocates every device buffer now (for the larger of the batch and evaluation batch sizes). The
     * backend stays the caller's to close.
     */
    public Trainer(Backend backend, Model model, TrainConfig config) {
        this(backend, false, model, config);
    }

    /**
     * A trainer that owns {@code backend}: closing the trainer closes it too (also when this constructor
     * fails, so the caller can hand over a freshly opened backend in one expression).
     */
    public static Trainer onOwnBackend(Backend backend, Model model, TrainConfig config) {
        try {
            return new Trainer(backend, true, model, config);
        } catch (RuntimeException e) {
            backend.close();
            throw e;
        }
    }

    private Trainer(Backend backend, boolean ownsBackend, Model model, TrainConfig config) {
        this.backend = backend;
        this.ownsBackend = ownsBackend;
        this.model = model;
        this.config = config;
        this.optimizer = config.optimizer();
        this.rule = optimizer.rule();
        this.guard = config.guard();
        this.host = new OptimizerHost(optimizer);
        this.dropoutSeed = Seeds.derive(config.seed(), Seeds.DROPOUT, 0);
        this.callbacks = config.callbacks().toArray(new Callback[0]);
        this.net = new DeviceNetwork(backend, model, Math.max(config.batchSize(), config.evalBatchSize()), rule.stateCount());
        try {
            // in pieces of 1 Mi values: a whole host copy would add the parameters' size to peak memory
            model.initialParameters(config.seed(), new float[(int) Math.min(net.params, 1 << 20)],
                    (values, n, offset) -> backend.upload(values, 0, net.param, offset, n));
            for (int i = 0; i < net.state.length; i++) {
                // e.g. Adagrad's initial_accumulator_value; buffers are allocated zeroed, so 0 needs no fill
                float init = optimizer.initialState(i);
                if (init != 0f) backend.fill(net.state[i], 0, net.params, init);
            }
        } catch (RuntimeException e) {
            net.close();
            throw e;
        }
    }

    /** The model being trained. */
    public Model model() { return model; }

    /** The configuration. */
    public TrainConfig config() { return config; }

    /** The backend the trainer runs on. */
    public Backend backend() { return backend; }

    /** The history of every {@link #fit} so far (one history across resumed calls). */
    public History history() { return history; }

    // ---- checkpoints, interruption --------------------------------------------------------------

    /**
     * Writes a checkpoint to {@code sink} every {@code every} steps or epochs during {@link #fit} and when the
     * run ends (unless its last step was just written), and, with or without an interval, when a stop is
     * {@linkplain #requestStop requested}. Before each write the trainer reads the device's skip counter, so a
     * checkpoint never holds a state after non-finite steps the guard has not dealt with. A null sink turns
     * checkpointing off; a null interval writes only on a stop request.
     */
    public void checkpointing(Interval every, CheckpointSink sink) {
        this.checkpointEvery = sink == null ? null : every;
        this.sink = sink;
    }

    /** The last checkpoint this trainer wrote, or null. */
    public Path lastCheckpoint() { return lastCheckpoint; }

    /**
     * Asks a running {@link #fit} to stop after the step in progress, write a checkpoint there (if
     * {@linkplain #checkpointing checkpointing} is on) and return; {@link #interruption()} then says where.
     * Safe to call from any thread (a signal handler).
     *
     * @param signal the cause, e.g. "INT" or "TERM"
     */
    public void requestStop(String signal) {
        stopSignal = signal == null ? "STOP" : signal;
    }

    /** Where the last {@link #fit} stopped on {@link #requestStop}, if it did. */
    public java.util.Optional<Interruption> interruption() { return java.util.Optional.ofNullable(interruption); }

    /** The learning-rate multiplier that rollbacks have left (1 without rollbacks). */
    public double lrScale() { return lrScale; }

    // ---- training ---------------------------------------------------------------------------------

    /** Trains on {@code train}, validating on {@code config.validationSplit()} of it if that is set. */
    public History fit(Dataset train) { return fit(train, null); }

    /**
     * Trains until {@code config.epochs()} epochs are done (counting epochs done before a {@link #restore}),
     * validating on {@code validation} after every epoch (null: the configured validation split, or none).
     * Returns the history; a callback, early stopping or {@link #requestStop} may end the run first
     * ({@link History#stopReason()}).
     *
     * @throws DivergenceException      when the {@link NonFiniteGuard#STOP} guard saw a NaN/Inf loss or gradient,
     *                                  or {@link NonFiniteGuard#ROLLBACK} ran out of rollbacks
     * @throws IllegalArgumentException when the data do not fit the model, the batch size or a resumed checkpoint
     * @throws dev.kiln.backend.BackendException when the device fails; the message names the step and the last checkpoint
     */
    public History fit(Dataset train, Dataset validation) {
        synchronized (backend) {
            checkOpen();
            return fitLocked(train, validation);
        }
    }

    private History fitLocked(Dataset train, Dataset validation) {
        Dataset tr = train, val = validation;
        if (val == null && config.validationSplit() > 0) {
            Dataset.Split s = train.splitLast(config.validationSplit());
            tr = s.train();
            val = s.test();
        }
        checkShapes(tr);
        if (val != null) checkShapes(val);
        if (tr.rows() == 0) throw new IllegalArgumentException("fit: " + tr.name() + " has no rows to train on");
        if (val != null && val.rows() == 0) throw new IllegalArgumentException("fit: the validation set " + val.name() + " has no rows");
        tr.requireFinite();
        if (val != null) val.requireFinite();
        // a batch larger than the data is one batch of all of it per epoch, as PyTorch's DataLoader and Keras make it
        int n = tr.rows(), batch = config.batchSize();
        DataShape shape = DataShape.of(tr);
        if (expectedData != null && !expectedData.sameShape(shape))
            throw new IllegalArgumentException("the checkpoint was taken on " + expectedData.name() + " (" + expectedData.describe()
                    + "), but " + tr.name() + " is " + shape.describe() + ": resume on the same data");
        if (expectedTrainRows >= 0 && expectedTrainRows != n)
            throw new IllegalArgumentException("the restored state was taken on " + expectedTrainRows + " training rows, but "
                    + tr.name() + " has " + n);
        trainRows = n;
        dataShape = shape;
        plan = RunPlan.of(n, batch, config.epochs());
        if (step > plan.totalSteps())
            throw new IllegalArgumentException("the checkpoint at step " + step + " is past the end of this run (" + plan.totalSteps()
                    + " steps in " + config.epochs() + " epochs): resume with at least " + (epoch + (stepInEpoch > 0 ? 1 : 0))
                    + " epochs");
        BoundSchedule bound = config.schedule().apply(plan);
        if (bound == null) throw new IllegalArgumentException("the configured schedule binder returned null for " + plan);
        if (checkScheduleOnFit != null && !checkScheduleOnFit.equals(bound.spec()))
            throw new IllegalArgumentException("the checkpoint's schedule '" + checkScheduleOnFit + "' differs from this run's '"
                    + bound.spec() + "': resume with the same schedule, or pass --replan to switch");
        checkScheduleOnFit = null;
        schedule = bound;
        if (pendingScheduleState != null) {
            schedule.restore(pendingScheduleState);
            pendingScheduleState = null;
        }
        if (primePending) {
            double replayed = host.prime(schedule, step);
            if (expectedMuProduct != null && replayed != expectedMuProduct)
                throw new IllegalArgumentException("the checkpoint's NAdam mu_product " + expectedMuProduct + " differs from "
                        + replayed + " replayed with this schedule's momentum: the momentum schedule changed");
            primePending = false;
            expectedMuProduct = null;
        }
        history.reserveSteps(plan.totalSteps());
        history.stopped(null);
        stopReason = null;
        interruption = null;
        windowStart = step;
        boolean classification = tr.isClassification();
        boolean guarded = guard != NonFiniteGuard.OFF;
        boolean gradSq = guarded || config.clipNorm() > 0;
        int[] order = new int[n];
        int[] logEvery = new int[callbacks.length];
        float[][] logBase = new float[callbacks.length][];
        for (int i = 0; i < callbacks.length; i++) {
            logEvery[i] = Math.max(0, callbacks[i].logEvery());
            logBase[i] = new float[Stats.SIZE];
        }
        try (DeviceData data = new DeviceData(backend, tr, model.outputSize());
             DeviceBuffer idx = backend.allocInt(n);
             DeviceData vdata = val == null ? null : new DeviceData(backend, val, model.outputSize())) {
            validating = vdata != null;
            for (Callback c : callbacks) c.onTrainBegin(ctx);
            try {
                if (guard == NonFiniteGuard.ROLLBACK) takeRollbackPoint();
                epochs:
                while (epoch < config.epochs() && stopReason == null) {
                    if (stepInEpoch == 0) {
                        backend.fill(net.stats, Stats.LOSS_SUM, 2, 0f);      // LOSS_SUM and CORRECT
                        backend.fill(net.stats, Stats.ROWS, 1, 0f);
                    }
                    long skippedAtEpochStart = skippedKnown;
                    if (config.shuffle()) Shuffle.permutation(config.seed(), epoch, order);
                    else Shuffle.identity(order);
                    backend.uploadInt(order, 0, idx, 0, n);
                    if (anyLogging(logEvery)) {
                        backend.download(net.stats, 0, statsHost, 0, Stats.SIZE);
                        for (float[] base : logBase) System.arraycopy(statsHost, 0, base, 0, Stats.SIZE);
                    }
                    long t0 = System.nanoTime();
                    int pos = stepInEpoch * batch;
                    while (pos < n && stopReason == null) {
                        int rows = Math.min(batch, n - pos);
                        double lr = trainStep(data, idx, pos, rows, classification, guarded, gradSq);
                        pos += rows;
                        long done = step - 1;
                        for (Callback c : callbacks) c.onStep(done, lr, ctx);
                        if (anyDue(logEvery)) {
                            backend.download(net.stats, 0, statsHost, 0, Stats.SIZE);
                            for (int i = 0; i < callbacks.length; i++) {
                                if (logEvery[i] == 0 || step % logEvery[i] != 0) continue;
                                float[] base = logBase[i];
                                double r = statsHost[Stats.ROWS] - base[Stats.ROWS];
                                double loss = (statsHost[Stats.LOSS_SUM] - base[Stats.LOSS_SUM]) / r;
                                double acc = classification ? (statsHost[Stats.CORRECT] - base[Stats.CORRECT]) / r : Double.NaN;
                                System.arraycopy(statsHost, 0, base, 0, Stats.SIZE);
                                callbacks[i].onLog(new StepLog(done, epoch, loss, acc, lr), ctx);
                            }
                            if (checkGuard(done)) continue epochs;
                        }
                        // at the epoch's last step, checkpoints and signals wait for the epoch's end (its row in the history)
                        boolean due = pos < n && checkpointEvery != null && checkpointEvery.dueAfterStep(step);
                        String signal = pos < n ? stopSignal : null;
                        if (due || signal != null) {
                            if (boundary(true, true)) continue epochs;
                            if (signal != null) interrupt(signal);
                        }
                    }
                    if (pos < n) break;    // stopped inside the epoch: the state points at the next batch
                    backend.download(net.stats, 0, statsHost, 0, Stats.SIZE);
                    double rowsSeen = statsHost[Stats.ROWS];
                    double loss = statsHost[Stats.LOSS_SUM] / rowsSeen;
                    double acc = classification ? statsHost[Stats.CORRECT] / rowsSeen : Double.NaN;
                    long skippedTotal = (long) statsHost[Stats.SKIPPED];
                    Evaluation ve = vdata == null ? null : evaluate(vdata);
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    EpochResult r = new EpochResult(epoch, step - 1, history.lr(step - 1), loss, acc,
                            ve == null ? Double.NaN : ve.loss(), ve == null ? Double.NaN : ve.accuracy(), seconds,
                            skippedTotal - skippedAtEpochStart);
                    history.add(r);
                    epoch++;
                    stepInEpoch = 0;
                    if (schedule.observesMetric()) schedule.observe(step, ve != null ? ve.loss() : loss);
                    boolean retry;
                    try {
                        retry = checkGuard(step - 1);
                    } catch (DivergenceException e) {
                        // the epoch did end, diverged: callbacks see it (Keras calls on_epoch_end for the epoch in which
                        // TerminateOnNaN stops), so a progress table shows the row that explains the stop
                        for (Callback c : callbacks) c.onEpochEnd(r, ctx);
                        throw e;
                    }
                    if (retry) continue;
                    for (Callback c : callbacks) c.onEpochEnd(r, ctx);
                    boolean due = checkpointEvery != null && (checkpointEvery.dueAfterEpoch(epoch) || checkpointEvery.dueAfterStep(step));
                    String signal = stopSignal;
                    if (due || signal != null || guard == NonFiniteGuard.ROLLBACK) {
                        // the accumulators were just read and checked: no second download needed
                        if (guard == NonFiniteGuard.ROLLBACK) takeRollbackPoint();
                        if (due || signal != null) writeCheckpoint();
                        if (signal != null) interrupt(signal);
                    }
                }
                if (checkpointEvery != null && step > 0 && lastCheckpointStep != step) boundary(true, false);
                // a run stopped inside an epoch may still have queued work reading the data buffers closed below
                backend.synchronize();
            } catch (dev.kiln.backend.BackendException e) {
                throw new dev.kiln.backend.BackendException("device failure at step " + step + " (epoch " + epoch + "): "
                        + e.getMessage() + checkpointHint(), e);
            } catch (java.io.UncheckedIOException e) {
                // the writer's message already says which checkpoint is intact
                throw new java.io.UncheckedIOException("at step " + step + " (epoch " + epoch + "): " + e.getMessage(), e.getCause());
            }
        }
        if (stopReason != null) history.stopped(stopReason);
        for (Callback c : callbacks) c.onTrainEnd(history, ctx);
        return history;
    }

    /** One optimizer step on rows [pos, pos + rows) of this epoch's order; returns its learning rate. */
    private double trainStep(DeviceData data, DeviceBuffer idx, int pos, int rows, boolean classification,
                             boolean guarded, boolean gradSq) {
        backend.gather(data.x, data.cols, idx, pos, rows, net.x);
        data.gatherTargets(backend, idx, pos, rows, net.y);
        if (guarded) backend.fill(net.stats, Stats.STEP_LOSS, 1, 0f);
        dropoutCounter = net.forward(rows, true, dropoutSeed, dropoutCounter);
        net.loss(rows, net.stats, true);
        if (classification) net.countCorrect(rows, net.stats);
        net.backward(rows);
        if (gradSq) backend.sumSquares(net.grad, 0, net.params, net.stats, Stats.GRAD_SQ);
        // lrScale is exactly 1 until a rollback, and x * 1.0 == x: runs without rollbacks keep their numbers
        double factor = schedule.factor(step);
        if (!(factor >= 0) || Double.isInfinite(factor))
            throw new IllegalStateException("the schedule " + schedule.spec() + " gave the factor " + factor + " at step " + step
                    + ": a learning rate must be finite and >= 0 (no update was made)");
        double lr = optimizer.lr() * factor * lrScale;
        OptionalDouble m = schedule.momentum(step);
        double momentum = m.isPresent() ? m.getAsDouble() : Double.NaN;
        scalars.clear();
        optimizer.scalars(step + 1, lr, momentum, scalars);
        host.advance(step + 1, momentum);
        scalars.maxNorm = config.clipNorm();
        scalars.clipValue = config.clipValue();
        scalars.skipNonFinite = guarded;
        backend.update(rule, net.param, net.grad, net.state, net.params, scalars, net.stats);
        history.recordLr(step, lr);
        step++;
        stepInEpoch++;
        return lr;
    }

    private static boolean anyLogging(int[] every) {
        for (int e : every) if (e > 0) return true;
        return false;
    }

    private boolean anyDue(int[] every) {
        for (int e : every) if (e > 0 && step % e == 0) return true;
        return false;
    }

    /**
     * A step boundary where the host looks at the device: reads the accumulators, lets the guard act on
     * fresh non-finite steps, then (when nothing was rolled back) takes the rollback snapshot and writes a
     * checkpoint. Returns true when it rolled back (the caller restarts its loops from the restored position).
     */
    private boolean boundary(boolean write, boolean snapshotForRollback) {
        backend.download(net.stats, 0, statsHost, 0, Stats.SIZE);
        if (checkGuard(step - 1)) return true;
        if (snapshotForRollback && guard == NonFiniteGuard.ROLLBACK) takeRollbackPoint();
        if (write && sink != null) writeCheckpoint();
        return false;
    }

    private void writeCheckpoint() {
        if (sink == null) return;
        lastCheckpoint = sink.write(snapshot());
        lastCheckpointStep = step;
    }

    private void interrupt(String signal) {
        stopSignal = null;
        interruption = new Interruption(signal, step, epoch, sink != null && lastCheckpointStep == step ? lastCheckpoint : null);
        stopReason = "interrupted (SIG" + signal + ") at step " + step;
    }

    private String checkpointHint() {
        if (lastCheckpoint == null) return "; no checkpoint was written";
        return "; the last checkpoint (step " + lastCheckpointStep + ") is intact: resume with kiln train --resume " + lastCheckpoint;
    }

    /**
     * Reads stats[SKIPPED] (already downloaded into statsHost) and applies the guard to steps not seen yet,
     * which lie in [windowStart, lastStep]: SKIP logs them, STOP throws, ROLLBACK restores the last good state
     * and returns true.
     */
    private boolean checkGuard(long lastStep) {
        long skipped = (long) statsHost[Stats.SKIPPED];
        long fresh = skipped - skippedKnown;
        long first = Math.min(windowStart, lastStep);
        skippedKnown = skipped;
        windowStart = lastStep + 1;
        if (fresh <= 0 || guard == NonFiniteGuard.OFF) return false;
        int ep = stepInEpoch == 0 ? epoch - 1 : epoch;
        String where = first == lastStep ? "step " + first : "steps " + first + "-" + lastStep;
        switch (guard) {
            case SKIP -> {
                history.event(new TrainingEvent(TrainingEvent.Kind.SKIP, ep, first, lastStep, fresh, -1, lrScale));
                return false;
            }
            case ROLLBACK -> {
                if (rollbacks < config.maxRollbacks()) {
                    rollback(ep, first, lastStep, fresh);
                    return true;
                }
                history.event(new TrainingEvent(TrainingEvent.Kind.STOP, ep, first, lastStep, fresh, -1, lrScale));
                // the retries failing at the very first step after the rollback point mean the weights saved there
                // already overflow in the forward pass: no learning rate from that point can help
                boolean stuck = rollbackPoint != null && first == rollbackPoint.step;
                throw new DivergenceException(String.format(
                        "training diverged again after %d rollbacks (learning rate x%s): the loss or a gradient was NaN or infinite"
                                + " in epoch %d (%d of %s); giving up.%s Try a lower learning rate, a warmup or gradient clipping.%s",
                        rollbacks, lrScale, ep, fresh, where, stuck ? " Every retry failed at the first step after step " + first
                                + ": the weights there already overflow, so a lower rate from that point cannot help." : "",
                        lastGood()), history, ep, first, lastStep, lastCheckpoint);
            }
            default -> {
                history.event(new TrainingEvent(TrainingEvent.Kind.STOP, ep, first, lastStep, fresh, -1, lrScale));
                throw new DivergenceException(String.format(
                        "training diverged: the loss or a gradient was NaN or infinite in epoch %d (%d of %s skipped); the weights are"
                                + " those after the last finite step. Try a lower learning rate or gradient clipping.%s",
                        ep, fresh, where, lastGood()), history, ep, first, lastStep, lastCheckpoint);
            }
        }
    }

    private String lastGood() {
        return lastCheckpoint == null ? "" : " The last checkpoint is " + lastCheckpoint + " (step " + lastCheckpointStep
                + ", written before any of those steps).";
    }

    /** Copies the current state into the rollback snapshot (device-side for the buffers). */
    private void takeRollbackPoint() {
        if (rollbackPoint == null) rollbackPoint = new RollbackPoint(backend, net);
        RollbackPoint p = rollbackPoint;
        p.take(net);
        p.step = step;
        p.epoch = epoch;
        p.stepInEpoch = stepInEpoch;
        p.dropoutCounter = dropoutCounter;
        p.skipped = skippedKnown;
        p.epochsRecorded = history.epochs().size();
        p.schedule = schedule == null ? Map.of() : schedule.state();
        p.muProduct = host.product();
    }

    /** Puts back the last good state and lowers the learning rate (ROLLBACK). */
    private void rollback(int ep, long first, long last, long fresh) {
        RollbackPoint p = rollbackPoint;
        p.restore(net);
        step = p.step;
        epoch = p.epoch;
        stepInEpoch = p.stepInEpoch;
        dropoutCounter = p.dropoutCounter;
        skippedKnown = p.skipped;
        windowStart = step;
        schedule.restore(p.schedule);
        history.truncate(p.epochsRecorded, p.step);
        lrScale *= config.rollbackFactor();
        rollbacks++;
        host.prime(schedule, step);     // the NAdam product of steps 1..step, as the run first computed it
        history.event(new TrainingEvent(TrainingEvent.Kind.ROLLBACK, ep, first, last, fresh, step, lrScale));
    }

    private void checkShapes(Dataset d) {
        String mismatch = Targets.mismatch(d, model);
        if (mismatch != null) throw new IllegalArgumentException(mismatch);
    }

    // ---- evaluation and prediction --------------------------------------------------------------

    /**
     * Mean loss and accuracy of the model on {@code data} (no dropout).
     *
     * @throws IllegalArgumentException when {@code data} has no rows, a NaN or infinite feature (named by row and
     *                                  feature), or targets that do not fit the model
     */
    public Evaluation evaluate(Dataset data) {
        checkShapes(data);
        if (data.rows() == 0) throw new IllegalArgumentException("evaluate: " + data.name() + " has no rows");
        data.requireFinite();
        synchronized (backend) {
            checkOpen();
            try (DeviceData d = new DeviceData(backend, data, model.outputSize())) {
                return evaluate(d);
            }
        }
    }

    private Evaluation evaluate(DeviceData d) {
        backend.fill(net.evalStats, 0, Stats.SIZE, 0f);
        int chunk = config.evalBatchSize();
        for (int r = 0; r < d.rows; r += chunk) {
            int rows = Math.min(chunk, d.rows - r);
            backend.copy(d.x, (long) r * d.cols, net.x, 0, (long) rows * d.cols);
            d.copyTargets(backend, r, rows, net.y);
            net.forward(rows, false, 0, 0);
            net.loss(rows, net.evalStats, false);
            if (d.classification) net.countCorrect(rows, net.evalStats);
        }
        float[] s = new float[Stats.SIZE];
        backend.download(net.evalStats, 0, s, 0, Stats.SIZE);
        return new Evaluation(s[Stats.LOSS_SUM] / d.rows, d.classification ? (double) s[Stats.CORRECT] / d.rows : Double.NaN, d.rows);
    }

    /**
     * The model's outputs (softmax probabilities, sigmoid outputs or values) for each row; no rows give none.
     *
     * @throws IllegalArgumentException naming the first row that is null, of the wrong width, or has a NaN or
     *                                  infinite feature
     */
    public float[][] predict(float[][] rows) {
        int c = model.inputSize();
        float[] flat = new float[rows.length * c];
        for (int r = 0; r < rows.length; r++) {
            if (rows[r] == null) throw new IllegalArgumentException("predict: row " + r + " is null");
            if (rows[r].length != c)
                throw new IllegalArgumentException("predict: row " + r + " has " + rows[r].length + " values, but the model's input is " + c);
            for (int j = 0; j < c; j++)
                if (!Float.isFinite(rows[r][j]))
                    throw new IllegalArgumentException("predict: row " + r + ", feature " + j + " is " + rows[r][j] + ": the features must be finite");
            System.arraycopy(rows[r], 0, flat, r * c, c);
        }
        return predictFlat(flat, rows.length);
    }

    /**
     * The model's outputs for every row of {@code data}.
     *
     * @throws IllegalArgumentException when {@code data} is of the wrong width or has a NaN or infinite feature
     */
    public float[][] predict(Dataset data) {
        if (data.cols() != model.inputSize())
            throw new IllegalArgumentException(data.name() + " has " + data.cols() + " features, but the model's input is " + model.inputSize());
        data.requireFinite();
        return predictFlat(data.features(), data.rows());
    }

    private float[][] predictFlat(float[] flat, int n) {
        synchronized (backend) {
            return predictLocked(flat, n);
        }
    }

    private float[][] predictLocked(float[] flat, int n) {
        checkOpen();
        int c = model.inputSize(), o = model.outputSize(), chunk = config.evalBatchSize();
        float[][] out = new float[n][o];
        if (n == 0) return out;
        float[] part = new float[chunk * o];
        try (DeviceBuffer xs = backend.alloc((long) n * c)) {
            backend.upload(flat, 0, xs, 0, n * c);
            for (int r = 0; r < n; r += chunk) {
                int rows = Math.min(chunk, n - r);
                backend.copy(xs, (long) r * c, net.x, 0, (long) rows * c);
                net.forward(rows, false, 0, 0);
                backend.download(net.outputActivations(), 0, part, 0, rows * o);
                for (int i = 0; i < rows; i++) System.arraycopy(part, i * o, out[r + i], 0, o);
            }
        }
        return out;
    }

    /**
     * The gradient of the mean loss of {@code batch} (at most the batch size rows) with respect to every
     * parameter, from the same forward and backward passes as training (dropout off), without updating.
     */
    public BatchGradients gradients(Dataset batch) {
        checkShapes(batch);
        if (batch.rows() > net.maxRows)
            throw new IllegalArgumentException("gradients: " + batch.rows() + " rows is more than the " + net.maxRows + " the trainer holds");
        synchronized (backend) {
            checkOpen();
            return gradientsLocked(batch);
        }
    }

    private BatchGradients gradientsLocked(Dataset batch) {
        try (DeviceData d = new DeviceData(backend, batch, model.outputSize())) {
            int rows = d.rows;
            backend.copy(d.x, 0, net.x, 0, (long) rows * d.cols);
            d.copyTargets(backend, 0, rows, net.y);
            backend.fill(net.evalStats, 0, Stats.SIZE, 0f);
            net.forward(rows, false, 0, 0);
            net.loss(rows, net.evalStats, true);
            net.backward(rows);
            float[] g = new float[net.params];
            backend.download(net.grad, 0, g, 0, net.params);
            float[] s = new float[Stats.SIZE];
            backend.download(net.evalStats, 0, s, 0, Stats.SIZE);
            return new BatchGradients(g, s[Stats.LOSS_SUM] / rows);
        }
    }

    // ---- parameters and resumable state ---------------------------------------------------------

    /** A host copy of the parameters, laid out by {@code model().layout()}. */
    public float[] parameters() {
        float[] p = new float[net.params];
        synchronized (backend) {
            checkOpen();
            backend.download(net.param, 0, p, 0, net.params);
        }
        return p;
    }

    /** Replaces the parameters (laid out by {@code model().layout()}). */
    public void setParameters(float[] p) {
        if (p.length != net.params)
            throw new IllegalArgumentException("parameters: got " + p.length + " values, the model " + model.spec() + " has " + net.params);
        synchronized (backend) {
            checkOpen();
            backend.upload(p, 0, net.param, 0, net.params);
        }
    }

    /** Host copies of the optimizer's state buffers ({@code rule().stateCount()} arrays in the parameter layout). */
    public float[][] optimizerState() {
        float[][] s = new float[net.state.length][net.params];
        synchronized (backend) {
            checkOpen();
            for (int i = 0; i < s.length; i++) backend.download(net.state[i], 0, s[i], 0, net.params);
        }
        return s;
    }

    /** Replaces the optimizer's state buffers. */
    public void setOptimizerState(float[][] s) {
        if (s.length != net.state.length)
            throw new IllegalArgumentException("optimizer state: got " + s.length + " buffers, " + optimizer.spec() + " has " + net.state.length);
        for (int i = 0; i < s.length; i++) {
            if (s[i] == null || s[i].length != net.params)
                throw new IllegalArgumentException("optimizer state buffer " + i + ": got " + (s[i] == null ? "null" : s[i].length + " values")
                        + ", expected " + net.params + " values");
        }
        synchronized (backend) {
            checkOpen();
            for (int i = 0; i < s.length; i++) backend.upload(s[i], 0, net.state[i], 0, net.params);
        }
    }

    /** The resumable state after the last queued step (reads the device's stats slots). */
    public TrainerState state() {
        synchronized (backend) {
            checkOpen();
            return stateLocked();
        }
    }

    private TrainerState stateLocked() {
        backend.download(net.stats, 0, statsHost, 0, Stats.SIZE);
        Map<String, Object> sched = schedule != null ? schedule.state() : pendingScheduleState;
        return new TrainerState(config.seed(), step, epoch, stepInEpoch, dropoutCounter, config.batchSize(),
                trainRows >= 0 ? trainRows : Math.max(0, expectedTrainRows),
                statsHost[Stats.LOSS_SUM], statsHost[Stats.CORRECT], statsHost[Stats.ROWS], statsHost[Stats.SKIPPED], sched);
    }

    /**
     * Host copies of everything a checkpoint holds, after the last queued step (waits for the device). Only
     * after {@link #fit} has started (the schedule is bound to the run's length there).
     *
     * @throws IllegalStateException before the first {@code fit}
     */
    public TrainingSnapshot snapshot() {
        synchronized (backend) {
            checkOpen();
            if (plan == null || schedule == null) throw new IllegalStateException("snapshot: no fit has started yet");
            TrainerState s = stateLocked();
            return new TrainingSnapshot(model, TrainingSnapshot.Settings.of(config, schedule.spec()), plan, dataShape, s,
                    parameters(), optimizerState(), host.state(), lrScale, rollbacks, history.copy());
        }
    }

    /**
     * Continues from a snapshot (a loaded checkpoint): parameters, optimizer state and its host part,
     * position in the run, dropout counter, accumulators, schedule state, learning-rate multiplier and
     * history; the next {@link #fit} goes on from there, bit-identically to a run that was never stopped.
     * The snapshot must come from the same model, seed, batch size, shuffling and optimizer; a different run
     * length (epochs) or schedule is refused unless {@code replan} (the schedule is then bound to this run's
     * length), and {@code fit} refuses data of another shape.
     *
     * @throws IllegalArgumentException naming what differs, both values, and the way out
     */
    public void resume(TrainingSnapshot s, boolean replan) {
        synchronized (backend) {
            checkOpen();
            resumeLocked(s, replan);
        }
    }

    private void resumeLocked(TrainingSnapshot s, boolean replan) {
        String where = "the checkpoint at step " + s.step();
        if (s.model().inputSize() != model.inputSize() || !s.model().spec().equals(model.spec())
                || !s.model().loss().spec().equals(model.loss().spec()))
            throw new IllegalArgumentException(where + " is of another model: " + describe(s.model()) + ", but this run trains "
                    + describe(model) + " (" + (s.model().inputSize() == model.inputSize() && s.model().spec().equals(model.spec())
                    ? "a different loss" : "different layers or data width") + ")");
        TrainingSnapshot.Settings c = s.settings(), mine = TrainingSnapshot.Settings.of(config, s.settings().schedule());
        if (c.seed() != mine.seed()) throw differs(where, "seed", c.seed(), mine.seed(), "--seed " + c.seed());
        if (c.batchSize() != mine.batchSize())
            throw differs(where, "batch size", c.batchSize(), mine.batchSize(), "--batch-size " + c.batchSize());
        if (c.shuffle() != mine.shuffle()) throw differs(where, "shuffling", c.shuffle(), mine.shuffle(), "the same --shuffle setting");
        if (c.validationSplit() != mine.validationSplit())
            throw differs(where, "validation split", c.validationSplit(), mine.validationSplit(), "--validation-split " + c.validationSplit());
        if (!c.optimizer().equals(mine.optimizer())) {
            String theirs = c.optimizer(), ours = mine.optimizer();
            throw differs(where, "optimizer", theirs, ours, "--optimizer '" + theirs + "'");
        }
        // clipping changes every update as the optimizer does
        if (c.clipNorm() != mine.clipNorm())
            throw differs(where, "gradient clipping by norm", clipText(c.clipNorm()), clipText(mine.clipNorm()),
                    c.clipNorm() > 0 ? "--clip-norm " + c.clipNorm() : "no --clip-norm");
        if (c.clipValue() != mine.clipValue())
            throw differs(where, "gradient clipping by value", clipText(c.clipValue()), clipText(mine.clipValue()),
                    c.clipValue() > 0 ? "--clip-value " + c.clipValue() : "no --clip-value");
        if (c.epochs() != config.epochs() && !replan)
            throw new IllegalArgumentException(where + " belongs to a run of " + c.epochs() + " epochs, but this run has "
                    + config.epochs() + " epochs: pass --replan to re-plan the schedule for " + config.epochs()
                    + " epochs, or train for " + c.epochs() + " epochs");
        if (s.state().epoch() > config.epochs())
            throw new IllegalArgumentException(where + " is already in epoch " + s.state().epoch() + ", past the "
                    + config.epochs() + " epochs of this run");
        restore(s.state(), s.history().copy());
        setParameters(s.parameters());
        setOptimizerState(s.optimizerState());
        lrScale = s.lrScale();
        rollbacks = s.rollbacks();
        Object mu = s.optimizerHost().get(OptimizerHost.MU_PRODUCT);
        expectedMuProduct = mu instanceof Number num && !replan ? num.doubleValue() : null;
        primePending = true;
        expectedData = s.data();
        checkScheduleOnFit = replan ? null : c.schedule();
    }

    /**
     * Loads a checkpoint ({@code dev.kiln.train.checkpoint.Checkpoint#load}: a {@code step-N} directory, a
     * checkpoint directory or a run directory, whose latest checkpoint is taken) and {@linkplain
     * #resume(TrainingSnapshot, boolean) resumes} from it.
     *
     * @return the checkpoint directory used
     * @throws IllegalArgumentException naming the file and what is wrong, or what differs from this run
     */
    public Path resume(Path checkpoint, boolean replan) {
        dev.kiln.train.checkpoint.Checkpoint c = dev.kiln.train.checkpoint.Checkpoint.load(checkpoint);
        resume(c.snapshot(), replan, c.directory());
        return c.directory();
    }

    /**
     * {@link #resume(TrainingSnapshot, boolean)} from a snapshot read from {@code from}, which becomes the
     * {@linkplain #lastCheckpoint() last checkpoint} that failure messages point to.
     */
    public void resume(TrainingSnapshot s, boolean replan, Path from) {
        synchronized (backend) {
            resume(s, replan);
            lastCheckpoint = from;
            lastCheckpointStep = s.step();
        }
    }

    private static String describe(Model m) {
        return m.inputSize() + " -> " + m.spec() + " (" + m.loss().spec() + ")";
    }

    private static String clipText(float v) { return v > 0 ? Float.toString(v) : "off"; }

    private static IllegalArgumentException differs(String where, String what, Object theirs, Object ours, String fix) {
        return new IllegalArgumentException(where + " was taken with " + what + " " + theirs + ", but this run has " + ours
                + ": resume with " + fix);
    }

    /**
     * Puts this trainer where {@code s} was taken (parameters and optimizer state are restored separately,
     * with {@link #setParameters} and {@link #setOptimizerState}); the next {@link #fit} continues from there.
     * The seed and batch size must match this trainer's configuration.
     */
    public void restore(TrainerState s) {
        synchronized (backend) {
            checkOpen();
            restoreLocked(s);
        }
    }

    private void restoreLocked(TrainerState s) {
        if (s.seed() != config.seed())
            throw new IllegalArgumentException("restore: the state's seed " + s.seed() + " differs from the configured seed " + config.seed());
        if (s.batchSize() != config.batchSize())
            throw new IllegalArgumentException("restore: the state's batch size " + s.batchSize() + " differs from the configured " + config.batchSize());
        step = s.step();
        epoch = s.epoch();
        stepInEpoch = s.stepInEpoch();
        dropoutCounter = s.dropoutCounter();
        expectedTrainRows = s.trainRows();
        skippedKnown = (long) s.skipped();
        pendingScheduleState = s.schedule();
        schedule = null;
        primePending = step > 0;
        float[] st = new float[Stats.SIZE];
        st[Stats.LOSS_SUM] = s.lossSum();
        st[Stats.CORRECT] = s.correct();
        st[Stats.ROWS] = s.rows();
        st[Stats.SKIPPED] = s.skipped();
        backend.upload(st, 0, net.stats, 0, Stats.SIZE);
    }

    /** {@link #restore(TrainerState)} plus the history of the run so far. */
    public void restore(TrainerState s, History h) {
        synchronized (backend) {
            restore(s);
            history = h;
        }
    }

    /** Writes the parameters as safetensors ({@code layers.<i>.weight}, {@code layers.<i>.bias}). */
    public void save(Path file) { Weights.save(model, parameters(), file); }

    /** Loads parameters from a safetensors file; shapes are checked against the model. */
    public void load(Path file) { setParameters(Weights.load(model, file)); }

    /** Fails when the trainer is closed: its device buffers are gone. */
    private void checkOpen() {
        if (closed) throw new IllegalStateException("this trainer is closed");
    }

    @Override
    public void close() {
        // under the lock: a predict or fit on another thread finishes before the buffers go
        synchronized (backend) {
            if (closed) return;
            closeLocked();
        }
    }

    private void closeLocked() {
        closed = true;
        if (snapshot != null) snapshot.close();
        snapshot = null;
        if (rollbackPoint != null) rollbackPoint.close();
        rollbackPoint = null;
        net.close();
        if (ownsBackend) backend.close();
    }

    /** What callbacks see. */
    private final class Context implements TrainingContext {
        @Override public Model model() { return model; }
        @Override public TrainConfig config() { return config; }
        @Override public RunPlan plan() { return plan; }
        @Override public History history() { return history; }
        @Override public TrainerState state() { return Trainer.this.state(); }
        @Override public float[] parameters() { return Trainer.this.parameters(); }
        @Override public boolean hasValidation() { return validating; }

        @Override
        public void stop(String reason) {
            if (stopReason == null) stopReason = reason == null ? "stopped by a callback" : reason;
        }

        @Override
        public void snapshotParameters() {
            if (snapshot == null) snapshot = backend.alloc(net.params);
            backend.copy(net.param, 0, snapshot, 0, net.params);
        }

        @Override
        public boolean restoreSnapshot() {
            if (snapshot == null) return false;
            backend.copy(snapshot, 0, net.param, 0, net.params);
            return true;
        }
    }
}
