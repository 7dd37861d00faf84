package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.*;

import dev.kiln.backend.Backend;
import dev.kiln.backend.cpu.CpuBackendProvider;
import dev.kiln.data.Dataset;
import dev.kiln.data.Datasets;
import dev.kiln.data.Standardizer;
import dev.kiln.nn.Model;
import dev.kiln.optim.Sgd;
import org.junit.jupiter.api.Test;

/** A real data set: 8x8 digits, a 64-64-10 MLP, the last 20% of the file held out (Keras validation_split). */
class DigitsTest {
    @Test
    void reachesNinetyPercentOnHeldOutRows() {
        Dataset digits = Datasets.digits();
        int trainRows = (int) Math.floor(digits.rows() * (1.0 - 0.2));   // Keras's count: 1437
        // standardise with statistics of the training part only, then let the trainer split the same way
        Standardizer s = Standardizer.fit(digits.slice(0, trainRows));
        Dataset data = s.apply(digits);
        TrainConfig config = TrainConfig.builder().epochs(12).batchSize(32).seed(1).validationSplit(0.2)
                .optimizer(Sgd.momentum(0.05, 0.9)).build();
        long t0 = System.nanoTime();
        try (Backend b = new CpuBackendProvider().create(-1); Trainer t = new Trainer(b, Model.parse("64:relu,10:softmax", 64), config)) {
            History h = t.fit(data);
            EpochResult last = h.last().orElseThrow();
            assertTrue(last.valAccuracy() > 0.9, "held-out accuracy " + last.valAccuracy() + "\n" + h);
            assertTrue(last.accuracy() > 0.97, "training accuracy " + last.accuracy());
            assertTrue(h.epochs().get(0).loss() > 10 * last.loss(), h.toString());
            assertTrue(h.epochs().get(0).valLoss() > last.valLoss(), h.toString());
            // the trainer's own evaluation of the held-out rows agrees with the epoch's validation
            Evaluation e = t.evaluate(data.slice(trainRows, data.rows()));
            assertEquals(360, e.rows());
            assertEquals(last.valAccuracy(), e.accuracy(), 1e-12);
            assertEquals(last.valLoss(), e.loss(), 1e-6 * last.valLoss());
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertTrue(seconds < 20, "took " + seconds + " s");
    }
}
