package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.*;

import dev.kiln.backend.Backend;
import dev.kiln.backend.cpu.CpuBackendProvider;
import dev.kiln.data.CsvReader;
import dev.kiln.data.Dataset;
import dev.kiln.data.Standardizer;
import dev.kiln.nn.Model;
import dev.kiln.nn.Safetensors;
import dev.kiln.optim.Optimizers;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A trained model written and read back for serving: the same network, parameters, scaling and class names. */
class SavedModelTest {
    static final String CSV = """
            x,y,animal
            0.1,3.2,zebra
            3.1,0.2,ant
            -2.9,-3.1,moth
            0.3,2.8,zebra
            2.7,-0.1,ant
            -3.2,-2.7,moth
            """;

    @Test
    void aTrainedModelReadsBackAndPredictsTheSameFloats(@TempDir Path tmp) {
        Dataset raw = new CsvReader().read("animals.csv", new StringReader(CSV));
        Standardizer s = Standardizer.fit(raw);
        Model model = Model.parse("6:tanh,3:softmax", 2);
        TrainConfig config = TrainConfig.builder().epochs(20).batchSize(3).seed(4).optimizer(Optimizers.parse("adam:lr=0.05")).build();
        float[][] rows = {{0.2f, 3.0f}, {2.9f, 0.1f}, {-3.0f, -3.0f}};
        float[][] before;
        Path file = tmp.resolve("model.safetensors");
        try (Backend b = new CpuBackendProvider().create(-1); Trainer t = new Trainer(b, model, config)) {
            t.fit(s.apply(raw));
            before = t.predict(s.apply(Dataset.ofClasses("rows", rows, new int[] {0, 0, 0}, 3)));
            new SavedModel(model, t.parameters(), s, raw.classNames()).write(file);
        }

        SavedModel saved = SavedModel.read(file);
        assertEquals(model.spec(), saved.model().spec());
        assertEquals(model.inputSize(), saved.model().inputSize());
        assertEquals(model.loss(), saved.model().loss());
        assertArrayEquals(s.mean(), saved.standardizer().mean());
        assertArrayEquals(s.std(), saved.standardizer().std());
        assertEquals(List.of("ant", "moth", "zebra"), saved.classNames());
        try (Backend b = new CpuBackendProvider().create(-1); Trainer t = saved.trainer(b, 2)) {
            float[][] after = t.predict(saved.prepare(rows));
            for (int r = 0; r < rows.length; r++) assertArrayEquals(before[r], after[r], 0f, "row " + r);
            // the rows were learnt: zebra, ant, moth
            for (int r = 0; r < rows.length; r++) assertEquals(List.of("zebra", "ant", "moth").get(r), saved.className(argmax(after[r])));
        }
        assertArrayEquals(new float[] {0.2f, 3.0f}, rows[0], "prepare copies, it does not scale in place");
    }

    static int argmax(float[] p) {
        int best = 0;
        for (int j = 1; j < p.length; j++) if (p[j] > p[best]) best = j;
        return best;
    }

    @Test
    void weightsFromAnotherFrameworkReadWithTheModelGiven() throws Exception {
        // PyTorch's own initial weights, written by pytorch.py without Kiln's metadata
        Path file = Path.of(getClass().getResource("/golden/training/ce_sgd_nesterov.init.safetensors").toURI());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SavedModel.read(file));
        assertTrue(e.getMessage().endsWith("no layer text in its metadata (kiln.model) and none given (a run's config.json, "
                + "or SavedModel.read(file, model))"), e.getMessage());
        Model model = Model.parse("32:relu,16:tanh,10:softmax", 64);
        SavedModel saved = SavedModel.read(file, model);
        assertArrayEquals(dev.kiln.nn.Weights.load(model, file), saved.parameters());
        assertNull(saved.standardizer());
        assertEquals(List.of(), saved.classNames());
        assertEquals("7", saved.className(7));
        float[][] rows = {new float[64]};
        assertSame(rows, saved.prepare(rows), "no standardizer: the rows as they are");
        assertEquals("row 0 has 3 values, but the model's input is 64",
                assertThrows(IllegalArgumentException.class, () -> saved.prepare(new float[][] {{1, 2, 3}})).getMessage());
    }

    @Test
    void metadataThatDoesNotFitTheModelIsRefusedNamingTheFile(@TempDir Path tmp) {
        Model model = Model.parse("4:relu,3:softmax", 2);
        float[] p = model.initialParameters(1);
        Path file = tmp.resolve("m.safetensors");
        dev.kiln.nn.Weights.save(model, p, file, Map.of(SavedModel.META_STANDARDIZE, "{\"mean\": [0, 0, 0], \"std\": [1, 1, 1]}"));
        assertEquals(file + ": metadata kiln.standardize has 3 columns, but the model's input is 2",
                assertThrows(IllegalArgumentException.class, () -> SavedModel.read(file)).getMessage());
        dev.kiln.nn.Weights.save(model, p, file, Map.of(SavedModel.META_STANDARDIZE, "{\"mean\": [0, 0]}"));
        assertEquals(file + ": metadata kiln.standardize needs mean and std lists of one length",
                assertThrows(IllegalArgumentException.class, () -> SavedModel.read(file)).getMessage());
        dev.kiln.nn.Weights.save(model, p, file, Map.of(SavedModel.META_CLASSES, "[\"a\", \"b\"]"));
        assertEquals(file + ": metadata kiln.classes names 2 classes, but the model outputs 3",
                assertThrows(IllegalArgumentException.class, () -> SavedModel.read(file)).getMessage());
        // two names on one sigmoid output fit (binary classification)
        Model binary = Model.parse("4:relu,1:sigmoid", 2);
        dev.kiln.nn.Weights.save(binary, binary.initialParameters(1), file, Map.of(SavedModel.META_CLASSES, "[\"no\", \"yes\"]"));
        assertEquals("yes", SavedModel.read(file).className(1));
        assertThrows(IllegalArgumentException.class, () -> new SavedModel(model, new float[3], null, List.of()));
        assertTrue(Safetensors.read(file).metadata().containsKey(SavedModel.META_CLASSES));
        dev.kiln.nn.Weights.save(model, p, file, Map.of(SavedModel.META_FEATURES, "[\"x\", \"y\", \"z\"]"));
        assertEquals(file + ": metadata kiln.features names 3 features, but the model's input is 2",
                assertThrows(IllegalArgumentException.class, () -> SavedModel.read(file)).getMessage());
        new SavedModel(model, p, null, List.of(), List.of("x", "y")).write(file);
        assertEquals(List.of("x", "y"), SavedModel.read(file).featureNames());
    }
}
