package dev.kiln;

import static dev.kiln.backend.Activation.RELU;
import static dev.kiln.backend.Activation.SOFTMAX;
import static org.junit.jupiter.api.Assertions.*;

import dev.kiln.data.Dataset;
import dev.kiln.data.Datasets;
import dev.kiln.data.Standardizer;
import dev.kiln.nn.Loss;
import dev.kiln.nn.Model;
import dev.kiln.optim.Sgd;
import dev.kiln.schedule.BoundSchedule;
import dev.kiln.train.Evaluation;
import dev.kiln.train.History;
import dev.kiln.train.TrainConfig;
import dev.kiln.train.Trainer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The API as docs/api.md shows it: build, fit, predict, evaluate, save and load. */
class KilnApiTest {
    @TempDir Path dir;

    @Test
    void fluentModelTrainPredictSaveLoad() {
        Model model = Kiln.model().input(4).dense(16, RELU).dense(3, SOFTMAX).loss(Loss.SOFTMAX_CROSS_ENTROPY).build();
        assertEquals("16:relu,3:softmax", model.spec());
        Dataset iris = Datasets.iris();
        Dataset data = Standardizer.fit(iris).apply(iris);
        TrainConfig config = Kiln.training().epochs(30).batchSize(16).seed(3)
                .optimizer(Sgd.momentum(0.05, 0.9))
                .schedule(BoundSchedule.of("0.5^floor(step/200)", s -> Math.pow(0.5, Math.floor(s / 200.0))))
                .build();
        float[][] probe = {data.featureRows()[0], data.featureRows()[75], data.featureRows()[149]};
        float[][] before;
        Path file = dir.resolve("iris.safetensors");
        try (Trainer t = Kiln.trainer("cpu", model, config)) {
            before = t.predict(probe);
            History h = t.fit(data);
            assertEquals(30, h.epochs().size());
            assertEquals(0.025, h.lr(200), 1e-15);
            Evaluation e = t.evaluate(data);
            assertTrue(e.accuracy() > 0.95, "iris training accuracy " + e.accuracy());
            assertEquals(150, e.rows());
            float[][] p = t.predict(probe);
            for (float[] row : p) {
                float sum = 0;
                for (float v : row) sum += v;
                assertEquals(1f, sum, 1e-6f, "softmax rows sum to 1");
            }
            // setosa, versicolor, virginica: rows 0, 75, 149
            for (int i = 0; i < 3; i++) assertEquals(i, argmax(p[i]), "class of probe " + i);
            assertEquals(e.accuracy(), fractionCorrect(t.predict(data), data.labels()), 1e-12);
            t.save(file);
            try (Trainer fresh = Kiln.trainer("cpu", model, config)) {
                assertArrayEquals(before[1], fresh.predict(probe)[1], "same seed, same initial weights");
                fresh.load(file);
                for (int i = 0; i < 3; i++) assertArrayEquals(p[i], fresh.predict(probe)[i]);
            }
        }
        assertTrue(Kiln.version().equals("dev") || Kiln.version().startsWith("0."));
    }

    private static int argmax(float[] v) {
        int a = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[a]) a = i;
        return a;
    }

    private static double fractionCorrect(float[][] p, int[] labels) {
        int ok = 0;
        for (int r = 0; r < p.length; r++) if (argmax(p[r]) == labels[r]) ok++;
        return (double) ok / p.length;
    }
}
