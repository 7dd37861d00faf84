package dev.kiln.train.checkpoint;

import static org.junit.jupiter.api.Assertions.*;

import dev.kiln.backend.Backend;
import dev.kiln.backend.cpu.CpuBackendProvider;
import dev.kiln.data.Dataset;
import dev.kiln.nn.Model;
import dev.kiln.optim.Sgd;
import dev.kiln.schedule.BoundSchedule;
import dev.kiln.train.DivergenceException;
import dev.kiln.train.DivergencePolicy;
import dev.kiln.train.EpochResult;
import dev.kiln.train.History;
import dev.kiln.train.Interval;
import dev.kiln.train.NonFiniteGuard;
import dev.kiln.train.TrainConfig;
import dev.kiln.train.Trainer;
import dev.kiln.train.TrainingEvent;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The divergence policies on a learning rate that makes an MSE regression explode: plain SGD at lr 0.2 on
 * y = x1 + x2 + x3 (200 rows, batches of 20: 10 steps per epoch) converges, but the schedule multiplies the
 * rate by 100000 from step 25 on, which overflows the weights within a few steps.
 */
class DivergencePolicyTest {
    static final Model MODEL = Model.parse("8:tanh,1:linear", 3);
    static final double LR = 0.2, SPIKE = 1e5;

    static Dataset data() {
        SplittableRandom r = new SplittableRandom(1);
        float[][] x = new float[200][3], y = new float[200][1];
        for (int i = 0; i < 200; i++) {
            for (int j = 0; j < 3; j++) x[i][j] = (float) r.nextDouble();
            y[i][0] = x[i][0] + x[i][1] + x[i][2];
        }
        return Dataset.ofValues("sum", x, y);
    }

    /** factor 1 before step 25, 1e5 from then on (lasting when {@code lasting}, else for steps 25-27 only). */
    static BoundSchedule spike(boolean lasting) {
        return BoundSchedule.of("spike", s -> s >= 25 && (lasting || s < 28) ? SPIKE : 1.0);
    }

    static TrainConfig.Builder config(DivergencePolicy p, BoundSchedule s) {
        return TrainConfig.builder().epochs(6).batchSize(20).seed(1).optimizer(Sgd.plain(LR)).schedule(s).divergence(p);
    }

    @Test
    void policiesParseFromTheirTextForm() {
        assertEquals(DivergencePolicy.stop(), DivergencePolicy.parse("stop"));
        assertEquals(DivergencePolicy.skip(), DivergencePolicy.parse(" SKIP "));
        assertEquals(new DivergencePolicy(NonFiniteGuard.ROLLBACK, 0.5, 5), DivergencePolicy.parse("rollback"));
        assertEquals(new DivergencePolicy(NonFiniteGuard.ROLLBACK, 0.25, 5), DivergencePolicy.parse("rollback:0.25"));
        assertEquals("rollback:0.25", DivergencePolicy.parse("rollback:0.25").toString());
        for (String[] bad : new String[][] {
                {"explode", "divergence policy 'explode': unknown policy 'explode' (expected stop, skip, rollback or rollback:FACTOR)"},
                {"rollback:2", "divergence policy 'rollback:2': the factor must be in (0, 1), got 2"},
                {"rollback:half", "divergence policy 'rollback:half': the factor 'half' is not a number"},
                {"skip:0.5", "divergence policy 'skip:0.5': only rollback takes a factor"}}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DivergencePolicy.parse(bad[0]));
            assertEquals(bad[1], e.getMessage());
        }
    }

    @Test
    void stopNamesTheEpochAndStepsAndKeepsTheLastGoodCheckpoint(@TempDir Path tmp) {
        Dataset d = data();
        try (Backend b = new CpuBackendProvider().create(-1);
             Trainer t = new Trainer(b, MODEL, config(DivergencePolicy.stop(), spike(true)).build())) {
            t.checkpointing(Interval.steps(5), new CheckpointWriter(tmp, 10, null));
            DivergenceException e = assertThrows(DivergenceException.class, () -> t.fit(d));
            Path good = tmp.toAbsolutePath().resolve("step-25");
            assertTrue(e.getMessage().startsWith("training diverged: the loss or a gradient was NaN or infinite in epoch 2 ("),
                    e.getMessage());
            assertTrue(e.getMessage().contains(" of steps 25-29 skipped)"), e.getMessage());
            assertTrue(e.getMessage().endsWith("The last checkpoint is " + good + " (step 25, written before any of those steps)."), e.getMessage());
            assertEquals(25, e.firstStep());
            assertEquals(29, e.lastStep());
            assertEquals(2, e.epoch());
            assertEquals(good, e.lastCheckpoint());
            // no checkpoint after the bad steps; the last good one loads
            assertEquals(good, Checkpoint.latest(tmp).orElseThrow());
            Checkpoint c = Checkpoint.load(tmp);
            for (float v : c.snapshot().parameters()) assertTrue(Float.isFinite(v));
            for (float v : t.parameters()) assertTrue(Float.isFinite(v), "skipped on the device: the weights stay finite");
            List<TrainingEvent> events = e.history().events();
            assertEquals(1, events.size());
            assertEquals(TrainingEvent.Kind.STOP, events.get(0).kind());
        }
    }

    @Test
    void skipDropsTheBadUpdatesCountsThemAndGoesOn() {
        Dataset d = data();
        try (Backend b = new CpuBackendProvider().create(-1);
             Trainer t = new Trainer(b, MODEL, config(DivergencePolicy.skip(), spike(false)).build())) {
            History h = t.fit(d);
            assertEquals(6, h.epochs().size(), "the run goes on to the end");
            long perEpoch = h.epochs().stream().mapToLong(EpochResult::skippedSteps).sum();
            long logged = h.events().stream().mapToLong(TrainingEvent::steps).sum();
            assertTrue(perEpoch > 0, "steps were skipped: " + h);
            assertEquals(perEpoch, logged, "every skipped step is in the events");
            for (TrainingEvent ev : h.events()) assertEquals(TrainingEvent.Kind.SKIP, ev.kind());
            assertEquals(0, h.epochs().get(0).skippedSteps() + h.epochs().get(1).skippedSteps(), "nothing skipped before step 25");
            for (float v : t.parameters()) assertTrue(Float.isFinite(v));
        }
    }

    @Test
    void rollbackRestoresTheLastGoodStateAndLowersTheLearningRate(@TempDir Path tmp) {
        Dataset d = data();
        DivergencePolicy p = DivergencePolicy.parse("rollback:0.000001");
        float[] atStep20;
        try (Backend b = new CpuBackendProvider().create(-1);
             Trainer t = new Trainer(b, MODEL, config(p, BoundSchedule.of("one", s -> 1.0)).epochs(2).build())) {
            t.fit(d);
            atStep20 = t.parameters();
        }
        try (Backend b = new CpuBackendProvider().create(-1); Trainer t = new Trainer(b, MODEL, config(p, spike(true)).build())) {
            t.checkpointing(Interval.epochs(1), new CheckpointWriter(tmp, 10, null));
            History h = t.fit(d);
            assertEquals(6, h.epochs().size());
            List<TrainingEvent> events = h.events();
            assertEquals(1, events.size(), h.toString());
            TrainingEvent r = events.get(0);
            assertEquals(TrainingEvent.Kind.ROLLBACK, r.kind());
            assertEquals(20, r.toStep(), "back to the snapshot of the end of epoch 1");
            assertEquals(20, r.firstStep(), "the window since the last check (the end of epoch 1)");
            assertEquals(29, r.lastStep());
            assertEquals(1e-6, r.lrScale(), 0.0);
            assertEquals(1e-6, t.lrScale(), 0.0);
            // the lr log: steps 0-19 at 0.2; from the rollback on x1e-6, the spike included
            assertEquals(LR, h.lr(19), 0.0);
            assertEquals(LR * 1e-6, h.lr(20), 0.0);
            assertEquals(LR * SPIKE * 1e-6, h.lr(25), 0.0);
            assertEquals(60, h.steps());
            for (float v : t.parameters()) assertTrue(Float.isFinite(v));
            assertTrue(h.losses()[5] < 0.5, "training recovered: " + h);
            // the epochs after the rollback were trained again: their rows are the new ones
            assertEquals(2, h.epochs().get(2).epoch());
            assertEquals(0, h.epochs().get(2).skippedSteps());
            // the restored state is the one at step 20, exactly
            Checkpoint at20 = Checkpoint.load(tmp.resolve("step-20"));
            assertArrayEquals(atStep20, at20.snapshot().parameters());
            // the multiplier and the event travel with later checkpoints
            Checkpoint last = Checkpoint.load(tmp);
            assertEquals(60, last.snapshot().step());
            assertEquals(1e-6, last.snapshot().lrScale(), 0.0);
            assertEquals(1, last.snapshot().rollbacks());
            assertEquals(events, last.snapshot().history().events());
        }
    }

    @Test
    void rollbackGivesUpAfterItsBound() {
        Dataset d = data();
        // the rate keeps doubling every 3 steps: no factor rescues it for long
        BoundSchedule growing = BoundSchedule.of("2^(step/3)", s -> Math.pow(2, s / 3.0));
        try (Backend b = new CpuBackendProvider().create(-1);
             Trainer t = new Trainer(b, MODEL, config(new DivergencePolicy(NonFiniteGuard.ROLLBACK, 0.5, 2), growing).epochs(30).build())) {
            DivergenceException e = assertThrows(DivergenceException.class, () -> t.fit(d));
            assertTrue(e.getMessage().startsWith("training diverged again after 2 rollbacks (learning rate x0.25): the loss or a"
                    + " gradient was NaN or infinite in epoch "), e.getMessage());
            assertTrue(e.getMessage().contains("; giving up."), e.getMessage());
            List<TrainingEvent> ev = e.history().events();
            assertEquals(List.of(TrainingEvent.Kind.ROLLBACK, TrainingEvent.Kind.ROLLBACK, TrainingEvent.Kind.STOP),
                    ev.stream().map(TrainingEvent::kind).toList());
            assertEquals(0.5, ev.get(0).lrScale(), 0.0);
            assertEquals(0.25, ev.get(1).lrScale(), 0.0);
        }
    }
}
