package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.*;

import dev.kiln.Tolerance;
import dev.kiln.backend.Backend;
import dev.kiln.backend.cpu.CpuBackendProvider;
import dev.kiln.data.Dataset;
import dev.kiln.data.Synthetic;
import dev.kiln.nn.Model;
import dev.kiln.optim.Sgd;
import dev.kiln.schedule.BoundSchedule;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CallbacksTest {
    static final Model MODEL = Model.parse("9:relu,9:relu,3:softmax", 3);
    static final Dataset.Split DATA = Synthetic.seedExperiment(5);

    static Backend cpu() { return new CpuBackendProvider().create(-1); }

    @Test
    void logIntervalReportsTheRunningLossWhoseMeanIsTheEpochLoss() {
        List<StepLog> logs = new ArrayList<>();
        long[] steps = {0};
        Callback cb = new Callback() {
            @Override public int logEvery() { return 5; }
            @Override public void onLog(StepLog log, TrainingContext ctx) { logs.add(log); }
            @Override public void onStep(long step, double lr, TrainingContext ctx) {
                assertEquals(steps[0]++, step);
                assertEquals(ctx.history().lr(step), lr);
            }
        };
        TrainConfig c = TrainConfig.builder().epochs(2).batchSize(50).optimizer(Sgd.momentum(0.05, 0.9)).callback(cb).build();
        try (Backend b = cpu(); Trainer t = new Trainer(b, MODEL, c)) {
            History h = t.fit(DATA.train());
            assertEquals(40, steps[0]);
            assertEquals(8, logs.size());                      // 20 steps per epoch, every 5
            assertEquals(4, logs.get(0).step());
            assertEquals(19, logs.get(3).step());
            assertEquals(1, logs.get(4).epoch());
            for (int e = 0; e < 2; e++) {
                // each log covers 5 steps of 50 rows, so the epoch loss is the mean of its four logs
                double mean = 0, acc = 0;
                for (int i = 0; i < 4; i++) {
                    mean += logs.get(4 * e + i).loss() / 4;
                    acc += logs.get(4 * e + i).accuracy() / 4;
                }
                Tolerance.ELEMENTWISE.assertClose("epoch " + e + " loss from logs", h.epochs().get(e).loss(), mean);
                Tolerance.ELEMENTWISE.assertClose("epoch " + e + " accuracy from logs", h.epochs().get(e).accuracy(), acc);
            }
            assertTrue(logs.get(7).loss() < logs.get(0).loss());
        }
    }

    @Test
    void earlyStoppingStopsAndRestoresTheBestWeights() {
        // validate on the same features labelled by argmin: the better the model learns argmax, the worse
        // the validation loss, so epoch 0 stays the best and patience 2 stops the run after epoch 2
        Dataset test = DATA.test();
        float[] inverted = new float[test.targets().length];
        float[] x = test.features();
        for (int r = 0; r < test.rows(); r++) {
            int arg = 0;
            for (int j = 1; j < 3; j++) if (x[r * 3 + j] < x[r * 3 + arg]) arg = j;
            inverted[r * 3 + arg] = 1f;
        }
        Dataset argmin = new Dataset("argmin", x, 3, inverted, 3, 3, List.of(), List.of());
        float[][] afterEpoch0 = new float[1][];
        Callback keep = new Callback() {
            @Override public void onEpochEnd(EpochResult r, TrainingContext ctx) {
                if (r.epoch() == 0) afterEpoch0[0] = ctx.parameters();
            }
        };
        EarlyStopping es = new EarlyStopping("val_loss", 2, 0, true);
        TrainConfig c = TrainConfig.builder().epochs(20).batchSize(50).optimizer(Sgd.momentum(0.1, 0.9)).callback(keep).callback(es).build();
        try (Backend b = cpu(); Trainer t = new Trainer(b, MODEL, c)) {
            History h = t.fit(DATA.train(), argmin);
            double[] val = h.valLosses();
            assertEquals(3, val.length, "stopped after two epochs without improvement: " + h);
            assertTrue(val[1] > val[0] && val[2] > val[0]);
            assertEquals(0, es.bestEpoch());
            assertTrue(h.stopReason().orElseThrow().startsWith("early stopping: val_loss did not improve"), h.stopReason().get());
            assertArrayEquals(afterEpoch0[0], t.parameters(), "best weights restored");
        }
    }

    @Test
    void earlyStoppingNeedsValidationForValMetrics() {
        TrainConfig c = TrainConfig.builder().epochs(2).batchSize(50).callback(EarlyStopping.valLoss(1)).build();
        try (Backend b = cpu(); Trainer t = new Trainer(b, MODEL, c)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.fit(DATA.train()));
            assertTrue(e.getMessage().contains("no validation data"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new EarlyStopping("val_los", 1, 0, false));
    }

    @Test
    void guardStopsNamingTheEpochAndStepAndKeepsTheWeightsFinite() {
        // lr 1e30: step 0 is finite, but it makes the weights ~1e29, so from step 1 on the loss overflows
        TrainConfig c = TrainConfig.builder().epochs(3).batchSize(50).optimizer(Sgd.plain(1e30)).build();
        try (Backend b = cpu(); Trainer t = new Trainer(b, MODEL, c)) {
            DivergenceException e = assertThrows(DivergenceException.class, () -> t.fit(DATA.train()));
            assertEquals("training diverged: the loss or a gradient was NaN or infinite in epoch 0 (19 of steps 0-19 skipped);"
                    + " the weights are those after the last finite step. Try a lower learning rate or gradient clipping.", e.getMessage());
            assertEquals(0, e.epoch());
            assertEquals(1, e.history().epochs().size());
            for (float p : t.parameters()) assertTrue(Float.isFinite(p));
        }
        // a callback logging every step makes the guard exact
        Callback everyStep = new Callback() {
            @Override public int logEvery() { return 1; }
        };
        try (Backend b = cpu(); Trainer t = new Trainer(b, MODEL, c.toBuilder().callback(everyStep).build())) {
            DivergenceException e = assertThrows(DivergenceException.class, () -> t.fit(DATA.train()));
            assertTrue(e.getMessage().contains("in epoch 0 (1 of step 1 skipped)"), e.getMessage());
            assertEquals(1, e.firstStep());
        }
    }

    @Test
    void guardSkipCountsAndOffLetsNanIn() {
        TrainConfig c = TrainConfig.builder().epochs(2).batchSize(50).optimizer(Sgd.plain(1e30)).guard(NonFiniteGuard.SKIP).build();
        try (Backend b = cpu(); Trainer t = new Trainer(b, MODEL, c)) {
            History h = t.fit(DATA.train());
            assertEquals(19, h.epochs().get(0).skippedSteps());
            assertEquals(20, h.epochs().get(1).skippedSteps());
            for (float p : t.parameters()) assertTrue(Float.isFinite(p));
        }
        try (Backend b = cpu(); Trainer t = new Trainer(b, MODEL, c.toBuilder().guard(NonFiniteGuard.OFF).build())) {
            History h = t.fit(DATA.train());
            assertEquals(0, h.epochs().get(0).skippedSteps());
            assertTrue(Double.isNaN(h.epochs().get(1).loss()) || Double.isInfinite(h.epochs().get(1).loss()));
            boolean anyNonFinite = false;
            for (float p : t.parameters()) anyNonFinite |= !Float.isFinite(p);
            assertTrue(anyNonFinite);
        }
    }

    @Test
    void plateauSchedulesObserveTheValidationLossEachEpoch() {
        // a controller that halves the factor at every observation, recording what it saw
        List<double[]> seen = new ArrayList<>();
        BoundSchedule halving = new BoundSchedule() {
            double factor = 1;
            @Override public double factor(long step) { return factor; }
            @Override public boolean observesMetric() { return true; }
            @Override public void observe(long step, double metric) {
                seen.add(new double[] {step, metric});
                factor /= 2;
            }
            @Override public String spec() { return "halving"; }
        };
        TrainConfig c = TrainConfig.builder().epochs(3).batchSize(50).optimizer(Sgd.plain(0.08)).schedule(halving).build();
        try (Backend b = cpu(); Trainer t = new Trainer(b, MODEL, c)) {
            History h = t.fit(DATA.train(), DATA.test());
            assertEquals(3, seen.size());
            for (int e = 0; e < 3; e++) {
                assertEquals(20.0 * (e + 1), seen.get(e)[0]);
                assertEquals(h.epochs().get(e).valLoss(), seen.get(e)[1]);
                assertEquals(0.08 / (1 << e), h.epochs().get(e).lr(), 1e-15);
            }
        }
    }

    @Test
    void badSetupsFailClearly() {
        try (Backend b = cpu(); Trainer t = new Trainer(b, Model.parse("3:softmax", 4), TrainConfig.builder().build())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.fit(DATA.train()));
            assertEquals("seed-train has 3 features, but the model's input is 4", e.getMessage());
        }
        try (Backend b = cpu(); Trainer t = new Trainer(b, Model.parse("2:softmax", 3), TrainConfig.builder().build())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.fit(DATA.train()));
            assertEquals("seed-train has 3 target columns (classes), but the model outputs 2", e.getMessage());
        }
    }
}
