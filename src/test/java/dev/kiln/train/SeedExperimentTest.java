package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.*;

import dev.kiln.Tolerance;
import dev.kiln.backend.Activation;
import dev.kiln.backend.Backend;
import dev.kiln.backend.cpu.CpuBackendProvider;
import dev.kiln.data.Dataset;
import dev.kiln.data.Synthetic;
import dev.kiln.nn.Model;
import dev.kiln.optim.Sgd;
import dev.kiln.schedule.BoundSchedule;
import dev.kiln.schedule.ScheduleSpec;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The article's experiment: 3-9-9-9-3, batch 50, 10 epochs, SGD lr 0.01 with lr = 0.01 * 0.8^floor(epoch/2). */
class SeedExperimentTest {
    static final Model MODEL = Model.parse("9:relu,9:relu,9:relu,3:softmax", 3);
    // 1000 rows / batch 50 = 20 steps per epoch, so the epoch-wise staircase floor(epoch/2) is floor(step/40)
    static final BoundSchedule STAIRCASE = BoundSchedule.of("0.8^floor(step/40)", s -> Math.pow(0.8, Math.floor(s / 40.0)));

    static TrainConfig config() {
        return TrainConfig.builder().epochs(10).batchSize(50).seed(42).optimizer(Sgd.plain(0.01)).schedule(STAIRCASE).build();
    }

    @Test
    void learningRateFollowsTheStaircaseAndTheLossFalls() {
        Dataset.Split data = Synthetic.seedExperiment(42);
        try (Backend b = new CpuBackendProvider().create(-1); Trainer t = new Trainer(b, MODEL, config())) {
            History h = t.fit(data.train(), data.test());
            assertEquals(10, h.epochs().size());
            assertEquals(200, h.steps());
            Tolerance exact = Tolerance.SCHEDULE;
            for (int s = 0; s < 40; s++) exact.assertClose("lr of step " + s + " (epochs 0-1)", 0.01, h.lr(s));
            for (int s = 180; s < 200; s++) exact.assertClose("lr of step " + s + " (epoch 9)", 0.004096, h.lr(s));
            exact.assertClose("epoch 9 lr", 0.004096, h.epochs().get(9).lr());
            exact.assertClose("epoch 0 lr", 0.01, h.epochs().get(0).lr());
            assertEquals(199, h.epochs().get(9).lastStep());
            double[] loss = h.losses();
            assertTrue(loss[9] < loss[0], "loss should fall: " + Arrays.toString(loss));
            // the untrained 3-class softmax starts near log(3) = 1.0986
            assertTrue(Math.abs(loss[0] - Math.log(3)) < 0.15, "first epoch loss " + loss[0]);
            assertTrue(h.epochs().get(9).hasValidation());
        }
    }

    @Test
    void theScheduleGrammarBindsThroughTheRunPlanToTheSameRun() {
        Dataset.Split data = Synthetic.seedExperiment(42);
        History lambda, text;
        float[] a, b;
        try (Backend be = new CpuBackendProvider().create(-1); Trainer t = new Trainer(be, MODEL, config())) {
            lambda = t.fit(data.train());
            a = t.parameters();
        }
        // "every=2ep" needs the run's steps per epoch, which the trainer knows once it sees the data
        TrainConfig grammar = config().toBuilder().schedule(ScheduleSpec.parse("step:gamma=0.8,every=2ep")::bind).build();
        try (Backend be = new CpuBackendProvider().create(-1); Trainer t = new Trainer(be, MODEL, grammar)) {
            text = t.fit(data.train());
            b = t.parameters();
        }
        assertArrayEquals(lambda.stepLearningRates(), text.stepLearningRates());
        assertArrayEquals(a, b);
    }

    @Test
    void oneSeedGivesBitIdenticalWeights() {
        Dataset.Split data = Synthetic.seedExperiment(7);
        float[] first, second;
        try (Backend b = new CpuBackendProvider().create(-1); Trainer t = new Trainer(b, MODEL, config())) {
            t.fit(data.train());
            first = t.parameters();
        }
        try (Backend b = new CpuBackendProvider().create(-1); Trainer t = new Trainer(b, MODEL, config())) {
            t.fit(data.train());
            second = t.parameters();
        }
        assertArrayEquals(first, second);
        // and a different seed gives different weights (so the equality above is not vacuous)
        try (Backend b = new CpuBackendProvider().create(-1);
             Trainer t = new Trainer(b, MODEL, config().toBuilder().seed(43).build())) {
            t.fit(data.train());
            assertFalse(Arrays.equals(first, t.parameters()));
        }
        assertEquals(Activation.SOFTMAX, MODEL.outputLayer().activation());
    }
}
