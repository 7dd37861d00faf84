package dev.kiln.train.checkpoint;

import static org.junit.jupiter.api.Assertions.*;

import dev.kiln.backend.Backend;
import dev.kiln.backend.cpu.CpuBackendProvider;
import dev.kiln.data.Dataset;
import dev.kiln.nn.Model;
import dev.kiln.optim.Sgd;
import dev.kiln.schedule.BoundSchedule;
import dev.kiln.schedule.ScheduleSpec;
import dev.kiln.train.Callback;
import dev.kiln.train.History;
import dev.kiln.train.Interval;
import dev.kiln.train.TrainConfig;
import dev.kiln.train.Trainer;
import dev.kiln.train.TrainingContext;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Resuming from checkpoint files: a loss-based (plateau) schedule and SGD momentum continue bit-identically
 * from the middle of an epoch; a checkpoint of another model, other data, another run length or schedule is
 * refused with a message naming both sides, and {@code replan} re-plans the schedule for a new length.
 */
class ResumeChecksTest {
    private static Callback stopAfter(long steps) {
        return new Callback() {
            @Override public void onStep(long step, double lr, TrainingContext ctx) {
                if (step + 1 == steps) ctx.stop("test stop");
            }
        };
    }

    /** Trains {@code config} with checkpoints every 9 steps into dir, stopping after {@code steps} steps. */
    private static void partial(Model model, TrainConfig.Builder config, Path dir, long steps) {
        Dataset.Split d = Runs.data();
        try (Backend b = new CpuBackendProvider().create(-1); Trainer t = new Trainer(b, model, config.callback(stopAfter(steps)).build())) {
            t.checkpointing(Interval.steps(9), new CheckpointWriter(dir, 2, null));
            t.fit(d.train(), d.test());
        }
    }

    @Test
    void plateauScheduleAndMomentumResumeFromFilesBitIdentically(@TempDir Path tmp) {
        Dataset.Split d = Runs.data();
        // plateau on the epoch's training loss with patience 0: its controller state changes every epoch
        TrainConfig.Builder c = TrainConfig.builder().epochs(5).batchSize(64).seed(5).shuffle(true)
                .optimizer(new Sgd(0.2, 0.9, 0, 1e-4, true, false))
                .schedule(ScheduleSpec.parse("cosine * plateau:patience=0,factor=0.5,threshold=0.2")::bind);
        float[] straight;
        History full;
        try (Backend b = new CpuBackendProvider().create(-1); Trainer t = new Trainer(b, Runs.MODEL, c.build())) {
            full = t.fit(d.train(), d.test());
            straight = t.parameters();
        }
        assertTrue(full.lr(79) < 0.2 * 0.5, "the plateau controller cut the learning rate: " + full.lr(79));
        partial(Runs.MODEL, TrainConfig.builder().epochs(5).batchSize(64).seed(5).optimizer(new Sgd(0.2, 0.9, 0, 1e-4, true, false))
                .schedule(ScheduleSpec.parse("cosine * plateau:patience=0,factor=0.5,threshold=0.2")::bind), tmp, 41);
        Checkpoint ck = Checkpoint.load(tmp);
        assertEquals(41, ck.snapshot().step());
        assertEquals(2, ck.snapshot().state().epoch());
        assertEquals(9, ck.snapshot().state().stepInEpoch());
        assertFalse(ck.snapshot().state().schedule().isEmpty(), "the plateau state is in the checkpoint");
        try (Backend b = new CpuBackendProvider().create(-1); Trainer t = new Trainer(b, Runs.MODEL, c.build())) {
            assertEquals(ck.directory(), t.resume(tmp, false));
            History h = t.fit(d.train(), d.test());
            assertArrayEquals(straight, t.parameters());
            assertArrayEquals(full.stepLearningRates(), h.stepLearningRates());
            assertArrayEquals(full.losses(), h.losses());
        }
    }

    @Test
    void aCheckpointOfAnotherModelIsRefused(@TempDir Path tmp) {
        partial(Runs.MODEL, Runs.config(), tmp, 10);
        Model other = Model.parse("9:relu,3:softmax", 3);
        try (Backend b = new CpuBackendProvider().create(-1); Trainer t = new Trainer(b, other, Runs.config().build())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.resume(tmp, false));
            assertEquals("the checkpoint at step 10 is of another model: 3 -> 16:relu,dropout:0.2,8:tanh,3:softmax"
                    + " (softmax_cross_entropy), but this run trains 3 -> 9:relu,3:softmax (softmax_cross_entropy)"
                    + " (different layers or data width)", e.getMessage());
        }
        Model wider = Model.parse("16:relu,dropout:0.2,8:tanh,3:softmax", 4);
        try (Backend b = new CpuBackendProvider().create(-1); Trainer t = new Trainer(b, wider, Runs.config().build())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.resume(tmp, false));
            assertTrue(e.getMessage().contains("of another model: 3 -> 16:relu"), e.getMessage());
            assertTrue(e.getMessage().contains("this run trains 4 -> 16:relu"), e.getMessage());
        }
        // through Checkpointing (the CLI's way) the message names the checkpoint directory
        try (Backend b = new CpuBackendProvider().create(-1); Trainer t = new Trainer(b, other, Runs.config().build())) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> new Checkpointing().resumeFrom(tmp, false).attach(t));
            assertTrue(e.getMessage().startsWith(tmp.resolve("step-10") + ": the checkpoint at step 10 is of another model"), e.getMessage());
        }
    }

    @Test
    void otherDataIsRefusedAtFit(@TempDir Path tmp) {
        partial(Runs.MODEL, Runs.config(), tmp, 10);
        try (Backend b = new CpuBackendProvider().create(-1); Trainer t = new Trainer(b, Runs.MODEL, Runs.config().build())) {
            t.resume(tmp, false);
            Dataset fewer = Runs.data().train().slice(0, 900);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.fit(fewer));
            assertTrue(e.getMessage().startsWith("the checkpoint was taken on "), e.getMessage());
            assertTrue(e.getMessage().contains("(1000 rows x 3 features -> 3 classes), but "), e.getMessage());
            assertTrue(e.getMessage().endsWith(" is 900 rows x 3 features -> 3 classes: resume on the same data"), e.getMessage());
        }
    }

    @Test
    void aDifferentRunLengthIsRefusedUnlessReplanned(@TempDir Path tmp) {
        partial(Runs.MODEL, Runs.config(), tmp, 30);
        Dataset.Split d = Runs.data();
        try (Backend b = new CpuBackendProvider().create(-1); Trainer t = new Trainer(b, Runs.MODEL, Runs.config(6).build())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.resume(tmp, false));
            assertEquals("the checkpoint at step 30 belongs to a run of 4 epochs, but this run has 6 epochs: pass --replan to"
                    + " re-plan the schedule for 6 epochs, or train for 4 epochs", e.getMessage());
        }
        try (Backend b = new CpuBackendProvider().create(-1); Trainer t = new Trainer(b, Runs.MODEL, Runs.config(6).build())) {
            t.resume(tmp, true);
            History h = t.fit(d.train(), d.test());
            assertEquals(120, h.steps());
            // steps 0..29 keep the 4-epoch plan's rates; from step 30 on the one-cycle is bound to 120 steps
            BoundSchedule four = ScheduleSpec.parse("onecycle:max=1").bind(dev.kiln.schedule.RunPlan.of(1000, 50, 4));
            BoundSchedule six = ScheduleSpec.parse("onecycle:max=1").bind(dev.kiln.schedule.RunPlan.of(1000, 50, 6));
            assertEquals(0.02 * four.factor(29), h.lr(29), 0.0);
            assertEquals(0.02 * six.factor(30), h.lr(30), 0.0);
            assertEquals(0.02 * six.factor(119), h.lr(119), 0.0);
            assertNotEquals(four.factor(30), six.factor(30));
            assertEquals(6, h.epochs().size());
        }
        // re-planned shorter than the checkpoint's step (30 > 20 steps in 1 epoch): refused, where it saved the
        // step-30 weights as the model of a 20-step run
        try (Backend b = new CpuBackendProvider().create(-1); Trainer t = new Trainer(b, Runs.MODEL, Runs.config(1).build())) {
            t.resume(tmp, true);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.fit(d.train(), d.test()));
            assertEquals("the checkpoint at step 30 is past the end of this run (20 steps in 1 epochs): resume with at least 2 epochs",
                    e.getMessage());
        }
    }

    @Test
    void aDifferentScheduleIsRefusedUnlessReplanned(@TempDir Path tmp) {
        partial(Runs.MODEL, Runs.config(), tmp, 10);
        TrainConfig.Builder cosine = Runs.config().schedule(ScheduleSpec.parse("cosine")::bind);
        Dataset.Split d = Runs.data();
        try (Backend b = new CpuBackendProvider().create(-1); Trainer t = new Trainer(b, Runs.MODEL, cosine.build())) {
            t.resume(tmp, false);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.fit(d.train()));
            assertTrue(e.getMessage().startsWith("the checkpoint's schedule 'onecycle"), e.getMessage());
            assertTrue(e.getMessage().endsWith("differs from this run's 'cosine': resume with the same schedule, or pass --replan to switch"),
                    e.getMessage());
        }
        try (Backend b = new CpuBackendProvider().create(-1);
             Trainer t = new Trainer(b, Runs.MODEL, Runs.config().optimizer(Sgd.plain(0.1)).build())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.resume(tmp, false));
            assertEquals("the checkpoint at step 10 was taken with optimizer nadam:lr=0.02, but this run has sgd:lr=0.1:"
                    + " resume with --optimizer 'nadam:lr=0.02'", e.getMessage());
        }
    }
}
