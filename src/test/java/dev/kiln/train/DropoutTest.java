package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.*;

import dev.kiln.Tolerance;
import dev.kiln.backend.Backend;
import dev.kiln.backend.cpu.CpuBackendProvider;
import dev.kiln.backend.cpu.Rng;
import dev.kiln.data.Dataset;
import dev.kiln.data.Seeds;
import dev.kiln.nn.Loss;
import dev.kiln.nn.Model;
import dev.kiln.nn.ParameterLayout;
import dev.kiln.optim.Sgd;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Dropout while training, against a float64 reference that redraws the masks itself from the shared
 * counter-based generator: element i of a step's dropout layer keeps its value times 1/(1-p) iff
 * u(seed, counter + i) >= p, where the counter runs on across steps (so masks never repeat).
 */
class DropoutTest {
    static final Model MODEL = Model.parse("6:tanh,dropout:0.4,3:softmax", 3, Loss.SOFTMAX_CROSS_ENTROPY);
    static final int ROWS = 8, HIDDEN = 6;
    static final float P = 0.4f;
    static final long SEED = 77;

    @Test
    void trainingLossUsesTheGeneratorsMasksAndTheCounterRunsOn() {
        Dataset data = data();
        float[] params = params();
        // lr 0: the weights stay put, so each epoch's loss is one step's loss under that step's masks
        TrainConfig c = TrainConfig.builder().epochs(3).batchSize(ROWS).seed(SEED).shuffle(false).optimizer(Sgd.plain(0)).build();
        try (Backend b = new CpuBackendProvider().create(-1); Trainer t = new Trainer(b, MODEL, c)) {
            t.setParameters(params);
            History h = t.fit(data);
            double[] theta = Tolerance.toDouble(params);
            for (int e = 0; e < 3; e++)
                Tolerance.ELEMENTWISE.assertClose("loss of step " + e, loss(theta, data, (long) e * ROWS * HIDDEN), h.epochs().get(e).loss());
            assertNotEquals(h.epochs().get(0).loss(), h.epochs().get(1).loss(), "fresh masks each step");
            assertEquals(3L * ROWS * HIDDEN, t.state().dropoutCounter());
            // evaluation is the identity: no masks, no scaling
            Tolerance.ELEMENTWISE.assertClose("evaluation loss", loss(theta, data, -1), t.evaluate(data).loss());
        }
    }

    @Test
    void backwardThroughTheMaskMatchesFiniteDifferences() {
        Dataset data = data();
        float[] params = params();
        // one plain SGD step with lr 1: theta0 - theta1 is the gradient of step 0's loss (masks from counter 0)
        TrainConfig c = TrainConfig.builder().epochs(1).batchSize(ROWS).seed(SEED).shuffle(false).optimizer(Sgd.plain(1)).build();
        float[] after;
        try (Backend b = new CpuBackendProvider().create(-1); Trainer t = new Trainer(b, MODEL, c)) {
            t.setParameters(params);
            t.fit(data);
            after = t.parameters();
        }
        double[] theta = Tolerance.toDouble(params), numeric = new double[theta.length], applied = new double[theta.length];
        double h = 1e-5;
        for (int k = 0; k < theta.length; k++) {
            double keep = theta[k];
            theta[k] = keep + h;
            double up = loss(theta, data, 0);
            theta[k] = keep - h;
            double down = loss(theta, data, 0);
            theta[k] = keep;
            numeric[k] = (up - down) / (2 * h);
            applied[k] = (double) params[k] - after[k];
        }
        // the applied step carries the rounding of theta1 = fl(theta0 - g), up to half an ulp of |theta| < 1: 6e-8
        new Tolerance(1e-7, 1e-5).assertClose("gradient through dropout", numeric, applied);
        int dropped = 0;
        long seed = Seeds.derive(SEED, Seeds.DROPOUT, 0);
        for (int i = 0; i < ROWS * HIDDEN; i++) if (Rng.uniform(seed, i) < P) dropped++;
        assertTrue(dropped > 5 && dropped < ROWS * HIDDEN - 5, "the masks drop some but not all: " + dropped);
    }

    /** Mean softmax cross-entropy of the batch with dropout masks from {@code counter} on (-1: no dropout). */
    static double loss(double[] theta, Dataset d, long counter) {
        ParameterLayout p = MODEL.layout();
        long seed = Seeds.derive(SEED, Seeds.DROPOUT, 0);
        double total = 0;
        for (int r = 0; r < ROWS; r++) {
            double[] h = new double[HIDDEN];
            for (int j = 0; j < HIDDEN; j++) {
                double s = theta[p.biasOffset(0) + j];
                for (int i = 0; i < 3; i++) s += theta[p.weightOffset(0) + j * 3 + i] * d.features()[r * 3 + i];
                h[j] = Math.tanh(s);
                if (counter >= 0) h[j] *= Rng.uniform(seed, counter + (long) r * HIDDEN + j) >= P ? 1.0 / (1.0 - P) : 0.0;
            }
            double[] z = new double[3];
            double max = Double.NEGATIVE_INFINITY, sum = 0, yz = 0;
            for (int o = 0; o < 3; o++) {
                double s = theta[p.biasOffset(1) + o];
                for (int j = 0; j < HIDDEN; j++) s += theta[p.weightOffset(1) + o * HIDDEN + j] * h[j];
                z[o] = s;
                max = Math.max(max, s);
                yz += d.targets()[r * 3 + o] * s;
            }
            for (double v : z) sum += Math.exp(v - max);
            total += max + Math.log(sum) - yz;
        }
        return total / ROWS;
    }

    static Dataset data() {
        SplittableRandom rng = new SplittableRandom(5);
        float[] x = new float[ROWS * 3], y = new float[ROWS * 3];
        for (int i = 0; i < x.length; i++) x[i] = (float) (rng.nextDouble() * 2 - 1);
        for (int r = 0; r < ROWS; r++) y[r * 3 + rng.nextInt(3)] = 1f;
        return new Dataset("dropout-batch", x, 3, y, 3, 3, List.of(), List.of());
    }

    static float[] params() {
        SplittableRandom rng = new SplittableRandom(6);
        float[] p = new float[MODEL.parameterCount()];
        for (int i = 0; i < p.length; i++) p[i] = (float) (rng.nextDouble() * 1.6 - 0.8);
        return p;
    }
}
