package dev.kiln.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Arrays;

import dev.kiln.Tolerance;
import dev.kiln.backend.Backend;
import dev.kiln.backend.cpu.CpuBackendProvider;
import dev.kiln.data.Dataset;
import dev.kiln.data.Synthetic;
import dev.kiln.nn.Model;
import dev.kiln.optim.Sgd;
import dev.kiln.schedule.BoundSchedule;
import dev.kiln.train.History;
import dev.kiln.train.TrainConfig;
import dev.kiln.train.Trainer;
import org.junit.jupiter.api.Test;

/**
 * End to end on CUDA: the article's experiment (3-9-9-9-3, ReLU, softmax cross-entropy, SGD at
 * lr = 0.01 * 0.8^floor(epoch/2), batch 50, 10 epochs) from the same seed on CUDA and on the CPU backend;
 * the two loss curves and the trained weights must agree (llm.c's loss checker, at float32 rounding).
 * Skipped with the probe's cause where CUDA is unavailable.
 */
class CudaSeedExperimentTest {
    /** Ten epoch losses after 200 float32 steps, summed in a different order on the GPU. */
    static final Tolerance LOSS_CURVE = new Tolerance(1e-6, 1e-4);
    /** Trained weights of order 0.1 to 1 after 200 steps. */
    static final Tolerance WEIGHTS = new Tolerance(1e-5, 1e-3);

    static final Model MODEL = Model.parse("9:relu,9:relu,9:relu,3:softmax", 3);
    // 1000 rows / batch 50 = 20 steps per epoch: floor(epoch / 2) = floor(step / 40)
    static final BoundSchedule STAIRCASE = BoundSchedule.of("0.8^floor(step/40)", s -> Math.pow(0.8, Math.floor(s / 40.0)));

    @Test
    void seedExperimentOnCudaFollowsTheCpuCurve() {
        CudaBackendProvider cuda = new CudaBackendProvider();
        assumeTrue(cuda.isAvailable(), () -> "CUDA unavailable: " + cuda.unavailabilityCause());
        Dataset.Split data = Synthetic.seedExperiment(42);
        TrainConfig config = TrainConfig.builder().epochs(10).batchSize(50).seed(42).optimizer(Sgd.plain(0.01)).schedule(STAIRCASE).build();
        History onCpu, onGpu;
        float[] cpuWeights, gpuWeights;
        try (Backend b = new CpuBackendProvider().create(-1); Trainer t = new Trainer(b, MODEL, config)) {
            onCpu = t.fit(data.train(), data.test());
            cpuWeights = t.parameters();
        }
        try (Backend b = cuda.create(-1); Trainer t = new Trainer(b, MODEL, config)) {
            onGpu = t.fit(data.train(), data.test());
            gpuWeights = t.parameters();
        }
        assertEquals(200, onGpu.steps());
        double[] loss = onGpu.losses();
        assertTrue(loss[9] < loss[0], "the loss falls on CUDA: " + Arrays.toString(loss));
        LOSS_CURVE.assertClose("epoch losses, CUDA against CPU", onCpu.losses(), loss);
        WEIGHTS.assertClose("trained weights, CUDA against CPU", cpuWeights, gpuWeights);
        Tolerance.SCHEDULE.assertClose("last epoch's learning rate", 0.004096, onGpu.epochs().get(9).lr());
    }
}
