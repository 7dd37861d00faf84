package dev.kiln.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.Tolerance;
import dev.kiln.backend.Backend;
import dev.kiln.backend.cpu.CpuBackendProvider;
import dev.kiln.data.Dataset;
import dev.kiln.data.Datasets;
import dev.kiln.data.Standardizer;
import dev.kiln.data.Synthetic;
import dev.kiln.nn.Model;
import dev.kiln.optim.Sgd;
import dev.kiln.schedule.BoundSchedule;
import dev.kiln.train.EpochResult;
import dev.kiln.train.History;
import dev.kiln.train.TrainConfig;
import dev.kiln.train.Trainer;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * End to end: the trainer on the OpenCL backend follows the CPU backend's loss curve. Same model, same
 * initialisation and batch order (one seed), so the two runs differ only by float rounding inside the
 * ops; every epoch's training and validation loss must agree within {@link #CURVE} (1e-4 relative).
 */
class OpenClTrainingTest {
    /** Per-epoch mean losses, OpenCL against CPU. */
    static final Tolerance CURVE = new Tolerance(0, 1e-4);

    static final OpenClBackendProvider PROVIDER = new OpenClBackendProvider();
    static Backend cl;

    @BeforeAll
    static void open() {
        assumeTrue(PROVIDER.isAvailable(), () -> "opencl unavailable: " + PROVIDER.unavailabilityCause());
        cl = PROVIDER.create(-1);
    }

    @AfterAll
    static void close() {
        if (cl != null) cl.close();
    }

    /** Runs the config on the CPU backend and on the shared OpenCL backend. */
    private static History[] both(Model model, TrainConfig config, Dataset train, Dataset test) {
        History cpu;
        try (Backend b = new CpuBackendProvider().create(-1); Trainer t = new Trainer(b, model, config)) {
            cpu = t.fit(train, test);
        }
        History gpu;
        try (Trainer t = new Trainer(cl, model, config)) {
            gpu = t.fit(train, test);
        }
        return new History[] {cpu, gpu};
    }

    private static void assertSameCurve(String what, History cpu, History cl) {
        List<EpochResult> a = cpu.epochs(), b = cl.epochs();
        assertEquals(a.size(), b.size(), what + ": epochs");
        for (int e = 0; e < a.size(); e++) {
            CURVE.assertClose(what + " epoch " + e + " loss", a.get(e).loss(), b.get(e).loss());
            CURVE.assertClose(what + " epoch " + e + " validation loss", a.get(e).valLoss(), b.get(e).valLoss());
            CURVE.assertClose(what + " epoch " + e + " lr", a.get(e).lr(), b.get(e).lr());
        }
    }

    /** The article's experiment: 3-9-9-9-3 relu/softmax, SGD lr 0.01, x0.8 every 2 epochs, batch 50, 10 epochs. */
    @Test
    void seedExperimentFollowsTheCpuCurve() {
        Model model = Model.parse("9:relu,9:relu,9:relu,3:softmax", 3);
        // 1000 rows / batch 50 = 20 steps per epoch: the epoch staircase floor(epoch / 2) is floor(step / 40)
        BoundSchedule staircase = BoundSchedule.of("0.8^floor(step/40)", s -> Math.pow(0.8, Math.floor(s / 40.0)));
        TrainConfig config = TrainConfig.builder().epochs(10).batchSize(50).seed(42).optimizer(Sgd.plain(0.01))
                .schedule(staircase).build();
        Dataset.Split data = Synthetic.seedExperiment(42);
        History[] h = both(model, config, data.train(), data.test());
        assertSameCurve("seed experiment", h[0], h[1]);
        assertEquals(0.004096, h[1].epochs().get(9).lr(), 1e-12, "the staircase reached 0.01 * 0.8^4");
    }

    /**
     * 64-32-10 on the bundled digits (standardised, last 20% held out), SGD with Nesterov momentum and
     * gradient-norm clipping (so sumSquares and the clipping scale are on the path), 4 epochs of batch 32.
     */
    @Test
    void digitsFollowTheCpuCurve() {
        Dataset.Split split = Datasets.digits().splitLast(0.2);
        Standardizer s = Standardizer.fit(split.train());
        Model model = Model.parse("32:relu,10:softmax", 64);
        TrainConfig config = TrainConfig.builder().epochs(4).batchSize(32).seed(5)
                .optimizer(new Sgd(0.05, 0.9, 0, 0, true, false)).clipNorm(5f).build();
        History[] h = both(model, config, s.apply(split.train()), s.apply(split.test()));
        assertSameCurve("digits", h[0], h[1]);
        List<EpochResult> e = h[1].epochs();
        assertTrue(e.get(3).loss() < 0.5 * e.get(0).loss(), "the OpenCL run learns: " + e.get(0).loss() + " -> " + e.get(3).loss());
        assertTrue(e.get(3).valAccuracy() > 0.85, "held-out accuracy of an untrained net is about 0.1, here " + e.get(3).valAccuracy());
    }
}
