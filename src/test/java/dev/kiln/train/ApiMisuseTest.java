package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.backend.Activation;
import dev.kiln.backend.Backend;
import dev.kiln.backend.BackendProvider;
import dev.kiln.backend.Backends;
import dev.kiln.data.Dataset;
import dev.kiln.data.Synthetic;
import dev.kiln.nn.Dense;
import dev.kiln.nn.Model;
import dev.kiln.optim.Adam;
import dev.kiln.optim.Sgd;
import dev.kiln.schedule.BoundSchedule;
import dev.kiln.schedule.RunPlan;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Java API under misuse a service will sooner or later commit: state read from another thread, calls
 * after close, data that cannot be trained or predicted on, shared callbacks, nulls. Each case was a bug
 * (a wrong answer or an exception that named nothing) before the fix it guards.
 */
class ApiMisuseTest {
    static final Model MODEL = Model.parse("9:relu,3:softmax", 3);
    static final Dataset.Split DATA = Synthetic.seedExperiment(5);

    static Backend open(String name) {
        BackendProvider p = Backends.provider(name);
        assumeTrue(p.isAvailable(), () -> name + " unavailable: " + p.unavailabilityCause());
        return p.create(-1);
    }

    /**
     * optimizerState() from a monitoring thread while another serves predict(): the reads go through the
     * backend's transfer buffers, so they must hold its lock. On OpenCL they did not, and 198 of 200
     * predictions came back wrong (by up to 1.0 in a probability).
     */
    @ParameterizedTest
    @ValueSource(strings = {"cpu", "opencl"})
    void stateReadFromAnotherThreadLeavesPredictionsAlone(String backend) throws Exception {
        float[][] rows = DATA.test().featureRows();
        try (Backend b = open(backend);
             Trainer t = new Trainer(b, MODEL, TrainConfig.builder().epochs(2).batchSize(50).optimizer(Adam.of(1e-2)).build())) {
            t.fit(DATA.train());
            float[][] expected = t.predict(rows);
            AtomicBoolean done = new AtomicBoolean();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread monitor = new Thread(() -> {
                try {
                    while (!done.get()) {
                        t.optimizerState();
                        t.state();
                    }
                } catch (Throwable e) {
                    failure.set(e);
                }
            });
            monitor.start();
            int wrong = 0;
            try {
                for (int k = 0; k < 60; k++) if (!Arrays.deepEquals(expected, t.predict(rows))) wrong++;
            } finally {
                done.set(true);
                monitor.join();
            }
            assertNull(failure.get(), "the monitoring thread failed");
            assertEquals(0, wrong, backend + ": predictions that differ from the single-threaded ones, of 60");
        }
    }

    @Test
    void aClosedTrainerRefusesTheStateCallsToo() {
        Trainer t;
        TrainerState s;
        float[][] state;
        try (Backend b = open("cpu")) {
            t = new Trainer(b, MODEL, TrainConfig.builder().epochs(1).batchSize(50).optimizer(Sgd.plain(0.1)).build());
            t.fit(DATA.train());
            s = t.state();
            state = t.optimizerState();
            t.close();
            t.close();   // twice is fine
        }
        for (org.junit.jupiter.api.function.Executable call : List.<org.junit.jupiter.api.function.Executable>of(
                t::optimizerState, t::state, t::snapshot, () -> t.restore(s), () -> t.setOptimizerState(state))) {
            assertEquals("this trainer is closed", assertThrows(IllegalStateException.class, call).getMessage());
        }
    }

    /** softmax over one unit is 1 whatever its input: it trained with a negative cross-entropy before. */
    @Test
    void softmaxOverOneUnitIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Dense(1, Activation.SOFTMAX));
        assertTrue(e.getMessage().startsWith("dense: softmax over 1 unit is always 1"), e.getMessage());
        IllegalArgumentException parsed = assertThrows(IllegalArgumentException.class, () -> Model.parse("4:relu,1:softmax", 2));
        assertTrue(parsed.getMessage().contains("'1:softmax'") && parsed.getMessage().contains("1 unit with sigmoid"), parsed.getMessage());
        assertDoesNotThrow(() -> Model.parse("4:relu,2:softmax", 2));
    }

    /** fit refused NaN features but predict and evaluate answered (ReLU hid a NaN as 0; an Inf gave NaN). */
    @Test
    void predictAndEvaluateRefuseNonFiniteFeatures() {
        try (Backend b = open("cpu"); Trainer t = new Trainer(b, MODEL, TrainConfig.builder().build())) {
            assertEquals("predict: row 1, feature 2 is NaN: the features must be finite", assertThrows(IllegalArgumentException.class,
                    () -> t.predict(new float[][] {{1, 2, 3}, {1, 2, Float.NaN}})).getMessage());
            assertEquals("predict: row 0, feature 0 is Infinity: the features must be finite", assertThrows(IllegalArgumentException.class,
                    () -> t.predict(new float[][] {{Float.POSITIVE_INFINITY, 2, 3}})).getMessage());
            Dataset bad = Dataset.ofClasses("bad", new float[][] {{1, 2, 3}, {4, Float.NEGATIVE_INFINITY, 6}}, new int[] {0, 2}, 3);
            String expected = "bad: row 1, feature 1 is -Infinity: the features must be finite (CsvReader's NanPolicy.DROP drops such rows)";
            assertEquals(expected, assertThrows(IllegalArgumentException.class, () -> t.evaluate(bad)).getMessage());
            assertEquals(expected, assertThrows(IllegalArgumentException.class, () -> t.predict(bad)).getMessage());
            assertEquals(0, t.predict(new float[0][]).length, "no rows, no predictions");
        }
    }

    /** An empty set failed with "step -1 of 0" in fit and gave NaN from evaluate. */
    @Test
    void emptySetsAreNamed() {
        Dataset empty = Dataset.ofLabels("none", new float[0], 3, new int[0], 3, List.of(), List.of());
        try (Backend b = open("cpu"); Trainer t = new Trainer(b, MODEL, TrainConfig.builder().build())) {
            assertEquals("fit: none has no rows to train on", assertThrows(IllegalArgumentException.class, () -> t.fit(empty)).getMessage());
            assertEquals("fit: the validation set none has no rows",
                    assertThrows(IllegalArgumentException.class, () -> t.fit(DATA.train(), empty)).getMessage());
            assertEquals("evaluate: none has no rows", assertThrows(IllegalArgumentException.class, () -> t.evaluate(empty)).getMessage());
            assertEquals(0, t.history().epochs().size(), "nothing trained");
        }
    }

    /**
     * A diverged model's val_loss is NaN: Keras counts that as no improvement (np.less(nan, best) is false);
     * Kiln read it as "no validation data" and threw.
     */
    @Test
    void earlyStoppingCountsANanValidationLossAsNoImprovement() {
        EarlyStopping es = new EarlyStopping("val_loss", 2, 0.0, false);
        TrainConfig c = TrainConfig.builder().epochs(6).batchSize(50).optimizer(Sgd.plain(1e30)).guard(NonFiniteGuard.OFF)
                .callback(es).build();
        try (Backend b = open("cpu"); Trainer t = new Trainer(b, MODEL, c)) {
            History h = t.fit(DATA.train(), DATA.test());
            assertTrue(h.epochs().stream().allMatch(e -> Double.isNaN(e.valLoss())), "every val_loss is NaN: " + h);
            assertEquals(2, h.epochs().size(), "stopped after patience 2: " + h);
            assertTrue(h.stopReason().orElse("").startsWith("early stopping: val_loss did not improve"), h.stopReason().toString());
        }
        // and a run with no validation data at all is still refused, before any step
        try (Backend b = open("cpu"); Trainer t = new Trainer(b, MODEL, c)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.fit(DATA.train()));
            assertTrue(e.getMessage().contains("no validation data"), e.getMessage());
            assertEquals(0, t.history().steps(), "no step ran");
        }
    }

    /**
     * The epoch in which the guard stops a run reaches the callbacks (Keras calls on_epoch_end for the epoch in
     * which TerminateOnNaN stops): the progress table printed no row for it, only the stop line.
     */
    @Test
    void theDivergedEpochReachesTheCallbacks() {
        List<EpochResult> seen = new java.util.ArrayList<>();
        Callback record = new Callback() {
            @Override public void onEpochEnd(EpochResult r, TrainingContext ctx) { seen.add(r); }
        };
        TrainConfig c = TrainConfig.builder().epochs(3).batchSize(50).optimizer(Sgd.plain(1e30)).callback(record).build();
        try (Backend b = open("cpu"); Trainer t = new Trainer(b, MODEL, c)) {
            DivergenceException e = assertThrows(DivergenceException.class, () -> t.fit(DATA.train(), DATA.test()));
            assertFalse(seen.isEmpty(), "no epoch reached the callbacks");
            assertEquals(e.history().epochs(), seen, "the callbacks saw every epoch of the history, the diverged one included");
            assertFalse(Double.isFinite(seen.get(seen.size() - 1).loss()), "the last one diverged: " + seen);
        }
    }

    /** A callback holds its run's state; concurrent runs replace them with clearCallbacks(). */
    @Test
    void clearCallbacksGivesAConfigItsOwnCallbacks() {
        EarlyStopping shared = new EarlyStopping("val_loss", 2, 0.0, false);
        TrainConfig base = TrainConfig.builder().callback(shared).build();
        EarlyStopping own = new EarlyStopping("val_loss", 2, 0.0, false);
        assertEquals(List.of(own), base.toBuilder().clearCallbacks().callback(own).build().callbacks());
        assertEquals(List.of(shared), base.callbacks(), "the original keeps its own");
    }

    @Test
    void nullsAreNamedWhereTheyEnter() {
        assertEquals("schedule is null", assertThrows(IllegalArgumentException.class,
                () -> TrainConfig.builder().schedule((BoundSchedule) null)).getMessage());
        assertEquals("callback 1 is null", assertThrows(IllegalArgumentException.class,
                () -> TrainConfig.builder().callbacks(Arrays.asList(new EarlyStopping("loss", 1, 0, false), null))).getMessage());
        assertEquals("d: row 0 is null", assertThrows(IllegalArgumentException.class,
                () -> Dataset.ofClasses("d", new float[][] {null, {1, 2, 3}}, new int[] {0, 1}, 3)).getMessage());
        TrainConfig nullBinder = TrainConfig.builder().schedule((java.util.function.Function<RunPlan, BoundSchedule>) plan -> null).build();
        try (Backend b = open("cpu"); Trainer t = new Trainer(b, MODEL, nullBinder)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.fit(DATA.train()));
            assertTrue(e.getMessage().startsWith("the configured schedule binder returned null"), e.getMessage());
        }
    }
}
