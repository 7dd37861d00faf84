package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.backend.Backend;
import dev.kiln.backend.BackendProvider;
import dev.kiln.backend.cpu.CpuBackendProvider;
import dev.kiln.backend.opencl.OpenClBackendProvider;
import dev.kiln.data.Dataset;
import dev.kiln.data.Datasets;
import dev.kiln.data.Standardizer;
import dev.kiln.nn.Model;
import dev.kiln.optim.Sgd;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A data set of integer labels trains exactly as the same data with one-hot float targets: the device
 * expands the labels of each batch (Backend.gatherOneHot) into the rows the one-hot set would gather, so
 * every loss, accuracy and weight must be bit-identical, in training, validation, evaluate and gradients.
 */
class IntegerLabelsTest {
    @Test
    void labelsTrainBitIdenticallyToOneHotRowsOnTheCpu() {
        compare(new CpuBackendProvider());
    }

    @Test
    void labelsTrainBitIdenticallyToOneHotRowsOnOpenCl() {
        OpenClBackendProvider p = new OpenClBackendProvider();
        assumeTrue(p.isAvailable(), () -> "opencl unavailable: " + p.unavailabilityCause());
        compare(p);
    }

    private static void compare(BackendProvider provider) {
        Dataset digits = Datasets.digits();
        Dataset labels = Standardizer.fit(digits).apply(digits).slice(0, 600);
        assertNotNull(labels.integerLabels(), "the digits reader keeps integer labels");
        Dataset oneHot = new Dataset("one-hot", labels.features(), labels.cols(), labels.targets(), labels.targetCols(),
                labels.classes(), List.of(), List.of());
        assertNull(oneHot.integerLabels());
        // a last partial batch (600 rows less 120 held out = 480 = 7 x 64 + 32) and a held-out split
        TrainConfig config = TrainConfig.builder().epochs(3).batchSize(64).seed(3).validationSplit(0.2)
                .optimizer(Sgd.momentum(0.05, 0.9)).build();
        Model model = Model.parse("32:relu,10:softmax", labels.cols());
        Run a = run(provider, model, config, labels), b = run(provider, model, config, oneHot);
        assertEquals(metrics(b.history), metrics(a.history), "every epoch's loss, accuracy, validation and lr");
        assertArrayEquals(b.params, a.params, "weights after training");
        assertEquals(b.eval, a.eval, "evaluate()");
        assertArrayEquals(b.grads, a.grads, "gradients()");
        assertTrue(a.eval.accuracy() > 0.8, "it learned: " + a.eval);
    }

    private static List<List<Double>> metrics(History h) {
        return h.epochs().stream().map(e -> List.of(e.loss(), e.accuracy(), e.valLoss(), e.valAccuracy(), e.lr())).toList();
    }

    private record Run(History history, float[] params, Evaluation eval, float[] grads) {}

    private static Run run(BackendProvider provider, Model model, TrainConfig config, Dataset data) {
        try (Backend backend = provider.create(-1); Trainer t = new Trainer(backend, model, config)) {
            History h = t.fit(data);
            return new Run(h, t.parameters(), t.evaluate(data), t.gradients(data.slice(0, 50)).gradients());
        }
    }
}
