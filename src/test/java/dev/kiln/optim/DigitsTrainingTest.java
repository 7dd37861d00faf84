package dev.kiln.optim;

import static org.junit.jupiter.api.Assertions.*;

import dev.kiln.backend.Backend;
import dev.kiln.backend.cpu.CpuBackendProvider;
import dev.kiln.data.Dataset;
import dev.kiln.data.Datasets;
import dev.kiln.data.Standardizer;
import dev.kiln.nn.Model;
import dev.kiln.train.EpochResult;
import dev.kiln.train.History;
import dev.kiln.train.TrainConfig;
import dev.kiln.train.Trainer;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every optimizer, through the trainer and the CPU backend (norm clipping on), trains a small MLP (64-32-10)
 * on the digits set (1797 8x8 images, the last 20% held out): after 8 epochs of batch 32 the training loss has
 * fallen tenfold and the held-out accuracy, about 10% untrained, is above 85% (the tail of the file is the
 * hard part of the set; this small net tops out near 89% there).
 */
class DigitsTrainingTest {
    static Dataset train, test;
    static final Model MODEL = Model.parse("32:relu,10:softmax", 64);

    @BeforeAll
    static void load() {
        Dataset.Split split = Datasets.digits().splitLast(0.2);
        Standardizer s = Standardizer.fit(split.train());
        train = s.apply(split.train());
        test = s.apply(split.test());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "sgd:lr=0.05,momentum=0.9,nesterov", "adagrad:lr=0.05", "adadelta:lr=1", "rmsprop:lr=0.002,centered",
            "adam:lr=0.003,amsgrad", "adamw:lr=0.003,weight_decay=0.05", "nadam:lr=0.003", "radam:lr=0.01",
            "lion:lr=1e-3,weight_decay=0.1"})
    void trainsDigits(String spec) {
        Optimizer opt = Optimizers.parse(spec);
        TrainConfig config = TrainConfig.builder().epochs(8).batchSize(32).seed(5).optimizer(opt).clipNorm(5f).build();
        try (Backend b = new CpuBackendProvider().create(-1); Trainer t = new Trainer(b, MODEL, config)) {
            History h = t.fit(train, test);
            List<EpochResult> e = h.epochs();
            assertEquals(8, e.size());
            double first = e.get(0).loss(), last = e.get(7).loss();
            assertTrue(last < 0.1 * first, spec + ": training loss " + first + " -> " + last);
            assertTrue(e.get(7).valAccuracy() > 0.85, spec + ": held-out accuracy " + e.get(7).valAccuracy());
            assertEquals(0, e.get(7).skippedSteps());
        }
    }
}
