package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.*;

import dev.kiln.backend.Backend;
import dev.kiln.backend.cpu.CpuBackendProvider;
import dev.kiln.data.Dataset;
import dev.kiln.data.Synthetic;
import dev.kiln.nn.Model;
import dev.kiln.optim.Sgd;
import dev.kiln.schedule.BoundSchedule;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The trainer's explicit state is enough to resume from the middle of an epoch bit-identically: dropout
 * (counter-based masks), momentum (optimizer state), a per-step schedule and the epoch's partial
 * loss accumulators all carry over.
 */
class ResumeTest {
    static final Model MODEL = Model.parse("16:relu,dropout:0.2,8:tanh,3:softmax", 3);

    static TrainConfig.Builder config() {
        return TrainConfig.builder().epochs(3).batchSize(64).seed(11)     // 1000 rows: 15 full batches and one of 40
                .optimizer(new Sgd(0.05, 0.9, 0, 1e-4, true, false))
                .schedule(BoundSchedule.of("0.97^step", s -> Math.pow(0.97, s)));
    }

    @Test
    void resumingMidEpochIsBitIdentical() {
        Dataset.Split data = Synthetic.seedExperiment(3);
        float[] straight;
        History full;
        try (Backend b = new CpuBackendProvider().create(-1); Trainer t = new Trainer(b, MODEL, config().build())) {
            full = t.fit(data.train(), data.test());
            straight = t.parameters();
        }

        // stop after global step 20 (epoch 1, 5 steps in) and keep everything a checkpoint would keep
        TrainerState state;
        float[] params;
        float[][] moments;
        History partial;
        Callback stopper = new Callback() {
            @Override public void onStep(long step, double lr, TrainingContext ctx) {
                if (step == 20) ctx.stop("checkpoint");
            }
        };
        try (Backend b = new CpuBackendProvider().create(-1);
             Trainer t = new Trainer(b, MODEL, config().callback(stopper).build())) {
            partial = t.fit(data.train(), data.test());
            state = t.state();
            params = t.parameters();
            moments = t.optimizerState();
        }
        assertEquals(1, partial.epochs().size());
        assertEquals("checkpoint", partial.stopReason().orElseThrow());
        assertEquals(21, state.step());
        assertEquals(1, state.epoch());
        assertEquals(5, state.stepInEpoch());
        assertEquals(5 * 64, (int) state.rows());
        assertTrue(state.dropoutCounter() > 0);

        float[] resumed;
        History continued;
        try (Backend b = new CpuBackendProvider().create(-1); Trainer t = new Trainer(b, MODEL, config().build())) {
            t.restore(state, partial);
            t.setParameters(params);
            t.setOptimizerState(moments);
            continued = t.fit(data.train(), data.test());
            resumed = t.parameters();
        }
        assertArrayEquals(straight, resumed, "parameters after resuming mid-epoch");
        assertEquals(3, continued.epochs().size());
        for (int e = 0; e < 3; e++) {
            EpochResult a = full.epochs().get(e), c = continued.epochs().get(e);
            assertEquals(a.loss(), c.loss(), 0.0, "epoch " + e + " loss");
            assertEquals(a.accuracy(), c.accuracy(), 0.0, "epoch " + e + " accuracy");
            assertEquals(a.valLoss(), c.valLoss(), 0.0, "epoch " + e + " validation loss");
            assertEquals(a.lr(), c.lr(), 0.0);
        }
        assertArrayEquals(full.stepLearningRates(), continued.stepLearningRates());

        // without the optimizer state the run differs, so the comparison above is not vacuous
        try (Backend b = new CpuBackendProvider().create(-1); Trainer t = new Trainer(b, MODEL, config().build())) {
            t.restore(state, new History());
            t.setParameters(params);
            t.fit(data.train(), data.test());
            assertFalse(Arrays.equals(straight, t.parameters()));
        }
    }

    @Test
    void restoreChecksSeedBatchAndRows() {
        TrainerState s = new TrainerState(11, 5, 0, 5, 0, 64, 1000, 0, 0, 0, 0, null);
        try (Backend b = new CpuBackendProvider().create(-1)) {
            try (Trainer t = new Trainer(b, MODEL, config().seed(12).build())) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.restore(s));
                assertTrue(e.getMessage().contains("seed 11 differs from the configured seed 12"), e.getMessage());
            }
            try (Trainer t = new Trainer(b, MODEL, config().build())) {
                t.restore(s);
                Dataset other = Synthetic.seedExperiment(3).train().slice(0, 900);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.fit(other));
                assertTrue(e.getMessage().contains("taken on 1000 training rows"), e.getMessage());
            }
        }
    }
}
