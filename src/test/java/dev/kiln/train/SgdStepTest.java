package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.*;

import dev.kiln.Tolerance;
import dev.kiln.backend.Backend;
import dev.kiln.backend.cpu.CpuBackendProvider;
import dev.kiln.data.Dataset;
import dev.kiln.nn.Model;
import dev.kiln.optim.Sgd;
import org.junit.jupiter.api.Test;

/** One plain SGD step of a 2-2-2 ReLU/softmax network, worked out by hand. */
class SgdStepTest {
    @Test
    void oneStepMatchesTheHandComputation() {
        Model model = Model.parse("2:relu,2:softmax", 2);
        // layout: W1 [2,2], b1 [2], W2 [2,2], b2 [2]
        float[] params = {
            0.1f, 0.2f,  0.3f, -0.4f,   0.1f, -0.1f,      // W1 rows, b1
            0.5f, -0.5f, 0.25f, 0.75f,  0f, 0.1f          // W2 rows, b2
        };
        // one row x = (1, 2), class 0 (y = (1, 0)); batch 1, lr 0.1
        Dataset row = Dataset.ofClasses("row", new float[][] {{1f, 2f}}, new int[] {0}, 2);
        TrainConfig config = TrainConfig.builder().epochs(1).batchSize(1).shuffle(false).optimizer(Sgd.plain(0.1)).build();
        /*
         * forward:
         *   z1 = W1 x + b1 = (0.1 + 0.4 + 0.1, 0.3 - 0.8 - 0.1) = (0.6, -0.6);  a1 = relu(z1) = (0.6, 0)
         *   z2 = W2 a1 + b2 = (0.5*0.6, 0.25*0.6 + 0.1) = (0.3, 0.25)
         *   p  = softmax(z2): p0 = 1 / (1 + e^(0.25-0.3)) = sigmoid(0.05) = 0.512497396484, p1 = 0.487502603516
         *   loss = -log p0 = 0.668459648013
         * backward (d = p1 = 0.487502603516):
         *   dz2 = p - y = (-d, d)
         *   dW2 = dz2 a1^T = [[-0.6 d, 0], [0.6 d, 0]] = [[-0.292501562109, 0], [0.292501562109, 0]];  db2 = (-d, d)
         *   da1 = W2^T dz2 = (0.5(-d) + 0.25 d, -0.5(-d) + 0.75 d) = (-0.25 d, 1.25 d)
         *   dz1 = da1 * relu'(z1) = (-0.25 d, 0) = (-0.121875650879, 0)
         *   dW1 = dz1 x^T = [[-0.25 d, -0.5 d], [0, 0]];  db1 = (-0.25 d, 0)
         * update p -= 0.1 g:
         *   W1 = [[0.1 + 0.025 d, 0.2 + 0.05 d], [0.3, -0.4]] = [[0.112187565088, 0.224375130176], [0.3, -0.4]]
         *   b1 = (0.1 + 0.025 d, -0.1) = (0.112187565088, -0.1)
         *   W2 = [[0.5 + 0.06 d, -0.5], [0.25 - 0.06 d, 0.75]] = [[0.529250156211, -0.5], [0.220749843789, 0.75]]
         *   b2 = (0.1 d, 0.1 - 0.1 d) = (0.048750260352, 0.051249739648)
         */
        double[] expected = {
            0.112187565088, 0.224375130176, 0.3, -0.4,   0.112187565088, -0.1,
            0.529250156211, -0.5, 0.220749843789, 0.75,  0.048750260352, 0.051249739648
        };
        try (Backend b = new CpuBackendProvider().create(-1); Trainer t = new Trainer(b, model, config)) {
            t.setParameters(params);
            BatchGradients g = t.gradients(row);
            Tolerance.ELEMENTWISE.assertClose("loss before the step", 0.668459648013, g.loss());
            Tolerance.ELEMENTWISE.assertClose("gradient", new double[] {
                -0.121875650879, -0.243751301758, 0, 0,  -0.121875650879, 0,
                -0.292501562109, 0, 0.292501562109, 0,   -0.487502603516, 0.487502603516}, Tolerance.toDouble(g.gradients()));
            History h = t.fit(row);
            Tolerance.ELEMENTWISE.assertClose("parameters after one step", expected, Tolerance.toDouble(t.parameters()));
            Tolerance.ELEMENTWISE.assertClose("epoch loss", 0.668459648013, h.epochs().get(0).loss());
            assertEquals(1.0, h.epochs().get(0).accuracy());   // p0 > p1: the row was classified correctly
            assertEquals(0.1, h.lr(0), 1e-12);
        }
    }
}
