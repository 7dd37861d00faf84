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
 * {@link #optimizerState()}): restoring it into a fresh trainer and calling {@link #fit} again continues
 * bit-identically, from an epoch boundary or from the middle of an epoch.
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

    private History history = new History();
    private long step, dropoutCounter;
    private int epoch, stepInEpoch;
    private int expectedTrainRows = -1, trainRows = -1;
    private long skippedKnown;
    private Map<String, Object> pendingScheduleState;
    private BoundSchedule schedule;
    private RunPlan plan;
    private String stopReason;
    private DeviceBuffer snapshot;

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
        this.dropoutSeed = Seeds.derive(config.seed(), Seeds.DROPOUT, 0);
        this.callbacks = config.callbacks().toArray(new Callback[0]);
        this.net = new DeviceNetwork(backend, model, Math.max(config.batchSize(), config.evalBatchSize()), rule.stateCount());
        try {
            setParameters(model.initialParameters(config.seed()));
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

    // ---- training ---------------------------------------------------------------------------------

    /** Trains on {@code train}, validating on {@code config.validationSplit()} of it if that is set. */
    public History fit(Dataset train) { return fit(train, null); }

    /**
     * Trains until {@code config.epochs()} epochs are done (counting epochs done before a {@link #restore}),
     * validating on {@code validation} after every epoch (null: the configured validation split, or none).
     * Returns the history; a callback or early stopping may end the run first ({@link History#stopReason()}).
     *
     * @throws DivergenceException   when the {@link NonFiniteGuard#STOP} guard saw a NaN/Inf loss or gradient
     * @throws IllegalArgumentException when the data do not fit the model or the batch size
     */
    public History fit(Dataset train, Dataset validation) {
        Dataset tr = train, val = validation;
        if (val == null && config.validationSplit() > 0) {
            Dataset.Split s = train.splitLast(config.validationSplit());
            tr = s.train();
            val = s.test();
        }
        checkShapes(tr);
        if (val != null) checkShapes(val);
        int n = tr.rows(), batch = config.batchSize();
        if (batch > n)
            throw new IllegalArgumentException("batch size " + batch + " is larger than the " + n + " training rows of " + tr.name());
        if (expectedTrainRows >= 0 && expectedTrainRows != n)
            throw new IllegalArgumentException("the restored state was taken on " + expectedTrainRows + " training rows, but "
                    + tr.name() + " has " + n);
        trainRows = n;
        plan = RunPlan.of(n, batch, config.epochs());
        schedule = config.schedule().apply(plan);
        if (pendingScheduleState != null) {
            schedule.restore(pendingScheduleState);
            pendingScheduleState = null;
        }
        history.reserveSteps(plan.totalSteps());
        stopReason = null;
        boolean classification = tr.isClassification();
        boolean guarded = config.guard() != NonFiniteGuard.OFF;
        boolean gradSq = guarded || config.clipNorm() > 0;
        int[] order = new int[n];
        int[] logEvery = new int[callbacks.length];
        float[][] logBase = new float[callbacks.length][];
        for (int i = 0; i < callbacks.length; i++) {
            logEvery[i] = Math.max(0, callbacks[i].logEvery());
            logBase[i] = new float[Stats.SIZE];
        }
        try (DeviceData data = new DeviceData(backend, tr);
             DeviceBuffer idx = backend.allocInt(n);
             DeviceData vdata = val == null ? null : new DeviceData(backend, val)) {
            for (Callback c : callbacks) c.onTrainBegin(ctx);
            while (epoch < config.epochs() && stopReason == null) {
                if (stepInEpoch == 0) {
                    backend.fill(net.stats, Stats.LOSS_SUM, 2, 0f);      // LOSS_SUM and CORRECT
                    backend.fill(net.stats, Stats.ROWS, 1, 0f);
                }
                long skippedAtEpochStart = skippedKnown, windowStart = step;
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
                        checkGuard(windowStart, done);
                        windowStart = step;
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
                checkGuard(windowStart, step - 1);
                for (Callback c : callbacks) c.onEpochEnd(r, ctx);
            }
            // a run stopped inside an epoch may still have queued work reading the data buffers closed below
            backend.synchronize();
        }
        if (stopReason != null) history.stopped(stopReason);
        for (Callback c : callbacks) c.onTrainEnd(history, ctx);
        return history;
    }

    /** One optimizer step on rows [pos, pos + rows) of this epoch's order; returns its learning rate. */
    private double trainStep(DeviceData data, DeviceBuffer idx, int pos, int rows, boolean classification,
                             boolean guarded, boolean gradSq) {
        backend.gather(data.x, data.cols, idx, pos, rows, net.x);
        backend.gather(data.y, data.targetCols, idx, pos, rows, net.y);
        if (guarded) backend.fill(net.stats, Stats.STEP_LOSS, 1, 0f);
        dropoutCounter = net.forward(rows, true, dropoutSeed, dropoutCounter);
        net.loss(rows, net.stats, true);
        if (classification) net.countCorrect(rows, net.stats);
        net.backward(rows);
        if (gradSq) backend.sumSquares(net.grad, 0, net.params, net.stats, Stats.GRAD_SQ);
        double lr = optimizer.lr() * schedule.factor(step);
        OptionalDouble m = schedule.momentum(step);
        scalars.clear();
        optimizer.scalars(step + 1, lr, m.isPresent() ? m.getAsDouble() : Double.NaN, scalars);
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

    /** Reads stats[SKIPPED] (already downloaded into statsHost) and stops the run if the guard says so. */
    private void checkGuard(long firstStep, long lastStep) {
        long skipped = (long) statsHost[Stats.SKIPPED];
        long fresh = skipped - skippedKnown;
        skippedKnown = skipped;
        if (fresh <= 0 || config.guard() != NonFiniteGuard.STOP) return;
        int ep = stepInEpoch == 0 ? epoch - 1 : epoch;
        String where = firstStep == lastStep ? "step " + firstStep : "steps " + firstStep + "-" + lastStep;
        throw new DivergenceException(String.format(
                "training diverged: the loss or a gradient was NaN or infinite in epoch %d (%d of %s skipped); the weights are"
                        + " those after the last finite step. Try a lower learning rate or gradient clipping.",
                ep, fresh, where), history, ep, firstStep, lastStep);
    }

    private void checkShapes(Dataset d) {
        if (d.cols() != model.inputSize())
            throw new IllegalArgumentException(d.name() + " has " + d.cols() + " features, but the model's input is " + model.inputSize());
        if (d.targetCols() != model.outputSize())
            throw new IllegalArgumentException(d.name() + " has " + d.targetCols() + " target columns"
                    + (d.isClassification() ? " (classes)" : "") + ", but the model outputs " + model.outputSize());
    }

    // ---- evaluation and prediction --------------------------------------------------------------

    /** Mean loss and accuracy of the model on {@code data} (no dropout). */
    public Evaluation evaluate(Dataset data) {
        checkShapes(data);
        try (DeviceData d = new DeviceData(backend, data)) {
            return evaluate(d);
        }
    }

    private Evaluation evaluate(DeviceData d) {
        backend.fill(net.evalStats, 0, Stats.SIZE, 0f);
        int chunk = config.evalBatchSize();
        for (int r = 0; r < d.rows; r += chunk) {
            int rows = Math.min(chunk, d.rows - r);
            backend.copy(d.x, (long) r * d.cols, net.x, 0, (long) rows * d.cols);
            backend.copy(d.y, (long) r * d.targetCols, net.y, 0, (long) rows * d.targetCols);
            net.forward(rows, false, 0, 0);
            net.loss(rows, net.evalStats, false);
            if (d.classification) net.countCorrect(rows, net.evalStats);
        }
        float[] s = new float[Stats.SIZE];
        backend.download(net.evalStats, 0, s, 0, Stats.SIZE);
        return new Evaluation(s[Stats.LOSS_SUM] / d.rows, d.classification ? (double) s[Stats.CORRECT] / d.rows : Double.NaN, d.rows);
    }

    /** The model's outputs (softmax probabilities, sigmoid outputs or values) for each row. */
    public float[][] predict(float[][] rows) {
        int c = model.inputSize();
        float[] flat = new float[rows.length * c];
        for (int r = 0; r < rows.length; r++) {
            if (rows[r].length != c)
                throw new IllegalArgumentException("predict: row " + r + " has " + rows[r].length + " values, but the model's input is " + c);
            System.arraycopy(rows[r], 0, flat, r * c, c);
        }
        return predictFlat(flat, rows.length);
    }

    /** The model's outputs for every row of {@code data}. */
    public float[][] predict(Dataset data) {
        if (data.cols() != model.inputSize())
            throw new IllegalArgumentException(data.name() + " has " + data.cols() + " features, but the model's input is " + model.inputSize());
        return predictFlat(data.features(), data.rows());
    }

    private float[][] predictFlat(float[] flat, int n) {
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
        try (DeviceData d = new DeviceData(backend, batch)) {
            int rows = d.rows;
            backend.copy(d.x, 0, net.x, 0, (long) rows * d.cols);
            backend.copy(d.y, 0, net.y, 0, (long) rows * d.targetCols);
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
        backend.download(net.param, 0, p, 0, net.params);
        return p;
    }

    /** Replaces the parameters (laid out by {@code model().layout()}). */
    public void setParameters(float[] p) {
        if (p.length != net.params)
            throw new IllegalArgumentException("parameters: got " + p.length + " values, the model " + model.spec() + " has " + net.params);
        backend.upload(p, 0, net.param, 0, net.params);
    }

    /** Host copies of the optimizer's state buffers ({@code rule().stateCount()} arrays in the parameter layout). */
    public float[][] optimizerState() {
        float[][] s = new float[net.state.length][net.params];
        for (int i = 0; i < s.length; i++) backend.download(net.state[i], 0, s[i], 0, net.params);
        return s;
    }

    /** Replaces the optimizer's state buffers. */
    public void setOptimizerState(float[][] s) {
        if (s.length != net.state.length)
            throw new IllegalArgumentException("optimizer state: got " + s.length + " buffers, " + optimizer.spec() + " has " + net.state.length);
        for (int i = 0; i < s.length; i++) {
            if (s[i].length != net.params)
                throw new IllegalArgumentException("optimizer state buffer " + i + ": got " + s[i].length + " values, expected " + net.params);
            backend.upload(s[i], 0, net.state[i], 0, net.params);
        }
    }

    /** The resumable state after the last queued step (reads the device's stats slots). */
    public TrainerState state() {
        backend.download(net.stats, 0, statsHost, 0, Stats.SIZE);
        Map<String, Object> sched = schedule != null ? schedule.state() : pendingScheduleState;
        return new TrainerState(config.seed(), step, epoch, stepInEpoch, dropoutCounter, config.batchSize(),
                trainRows >= 0 ? trainRows : Math.max(0, expectedTrainRows),
                statsHost[Stats.LOSS_SUM], statsHost[Stats.CORRECT], statsHost[Stats.ROWS], statsHost[Stats.SKIPPED], sched);
    }

    /**
     * Puts this trainer where {@code s} was taken (parameters and optimizer state are restored separately,
     * with {@link #setParameters} and {@link #setOptimizerState}); the next {@link #fit} continues from there.
     * The seed and batch size must match this trainer's configuration.
     */
    public void restore(TrainerState s) {
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
        float[] st = new float[Stats.SIZE];
        st[Stats.LOSS_SUM] = s.lossSum();
        st[Stats.CORRECT] = s.correct();
        st[Stats.ROWS] = s.rows();
        st[Stats.SKIPPED] = s.skipped();
        backend.upload(st, 0, net.stats, 0, Stats.SIZE);
    }

    /** {@link #restore(TrainerState)} plus the history of the run so far. */
    public void restore(TrainerState s, History h) {
        restore(s);
        history = h;
    }

    /** Writes the parameters as safetensors ({@code layers.<i>.weight}, {@code layers.<i>.bias}). */
    public void save(Path file) { Weights.save(model, parameters(), file); }

    /** Loads parameters from a safetensors file; shapes are checked against the model. */
    public void load(Path file) { setParameters(Weights.load(model, file)); }

    @Override
    public void close() {
        if (snapshot != null) snapshot.close();
        snapshot = null;
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
