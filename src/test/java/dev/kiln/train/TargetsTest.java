package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.*;

import dev.kiln.backend.Backend;
import dev.kiln.backend.cpu.CpuBackendProvider;
import dev.kiln.data.Dataset;
import dev.kiln.nn.Model;
import dev.kiln.optim.Optimizers;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How targets meet the model's output, and binary classification on one sigmoid output (Keras's usual setup). */
class TargetsTest {
    static final float[] X = {0, 1, 1, 0, 2, 2, -1, 3, 0.5f, 0.5f, 3, -2};   // 6 rows of 2 features

    @Test
    void twoClassesMeetOneOutputAndNothingElseDoes() {
        Dataset two = Dataset.ofLabels("two", X, 2, new int[] {0, 1, 1, 0, 1, 0}, 2, List.of(), List.of());
        Dataset three = Dataset.ofLabels("three", X, 2, new int[] {0, 1, 2, 0, 1, 0}, 3, List.of(), List.of());
        Dataset values = Dataset.ofValues("values", new float[][] {{0, 1}, {1, 0}}, new float[][] {{0}, {1}});
        assertTrue(Targets.binary(two, 1));
        assertFalse(Targets.binary(two, 2), "two outputs are the usual softmax pair");
        assertFalse(Targets.binary(three, 1));
        assertFalse(Targets.binary(values, 1), "a one-column regression set is not classification");

        assertNull(Targets.mismatch(two, Model.parse("4:relu,1:sigmoid", 2)));
        assertNull(Targets.mismatch(two, Model.parse("4:relu,2:softmax", 2)));
        assertEquals("three has 3 target columns (classes), but the model outputs 1 (one output fits two classes only)",
                Targets.mismatch(three, Model.parse("4:relu,1:sigmoid", 2)));
        assertEquals("three has 2 features, but the model's input is 3", Targets.mismatch(three, Model.parse("3:softmax", 3)));
        assertEquals("values has 1 target columns, but the model outputs 2", Targets.mismatch(values, Model.parse("2:linear", 2)));
    }

    @Test
    void theTargetIsTheProbabilityOfClassOne() {
        Dataset labels = Dataset.ofLabels("l", X, 2, new int[] {0, 1, 1, 0, 1, 0}, 2, List.of(), List.of());
        assertArrayEquals(new float[] {0, 1, 1, 0, 1, 0}, Targets.binaryColumn(labels));
        // one-hot rows, soft ones too: the second column
        Dataset oneHot = new Dataset("h", new float[] {0, 1, 2}, 1, new float[] {1, 0, 0.25f, 0.75f, 0, 1}, 2, 2, List.of(), List.of());
        assertArrayEquals(new float[] {0, 0.75f, 1}, Targets.binaryColumn(oneHot));
    }

    @Test
    void binaryEvaluationIsTheMeanBceAndTheHalfwayRule() {
        int[] y = {0, 1, 1, 0, 1, 0};
        Dataset data = Dataset.ofLabels("d", X, 2, y, 2, List.of(), List.of());
        Model model = Model.parse("5:tanh,1:sigmoid", 2);
        TrainConfig config = TrainConfig.builder().epochs(2).batchSize(4).shuffle(false).optimizer(Optimizers.parse("sgd:lr=0.5")).build();
        try (Backend b = new CpuBackendProvider().create(-1); Trainer t = new Trainer(b, model, config)) {
            History h = t.fit(data);
            assertFalse(Double.isNaN(h.last().orElseThrow().accuracy()), "a binary set reports accuracy");
            Evaluation e = t.evaluate(data);
            float[][] p = t.predict(new float[][] {{0, 1}, {1, 0}, {2, 2}, {-1, 3}, {0.5f, 0.5f}, {3, -2}});
            double loss = 0;
            int correct = 0;
            for (int r = 0; r < y.length; r++) {
                double q = p[r][0];
                loss -= y[r] == 1 ? Math.log(q) : Math.log(1 - q);       // BCE of the sigmoid output
                if ((q >= 0.5) == (y[r] == 1)) correct++;
            }
            assertEquals(loss / y.length, e.loss(), 1e-5 * Math.abs(loss / y.length));
            assertEquals(correct / 6.0, e.accuracy(), 1e-12);
        }
    }
}
