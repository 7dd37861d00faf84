package dev.kiln;

import dev.kiln.backend.Backend;
import dev.kiln.backend.Backends;
import dev.kiln.nn.Model;
import dev.kiln.train.SavedModel;
import dev.kiln.train.TrainConfig;
import dev.kiln.train.Trainer;
import java.nio.file.Path;

/**
 * The entry point of Kiln's Java API.
 *
 * <pre>{@code
 * Model model = Kiln.model().input(3).dense(9, RELU).dense(9, RELU).dense(3, SOFTMAX)
 *         .loss(Loss.SOFTMAX_CROSS_ENTROPY).build();
 * TrainConfig config = Kiln.training().epochs(10).batchSize(50)
 *         .optimizer(Sgd.plain(0.01))
 *         .schedule(BoundSchedule.of("0.8^floor(step/40)", s -> Math.pow(0.8, Math.floor(s / 40.0))))
 *         .build();
 * try (Trainer trainer = Kiln.trainer(model, config)) {
 *     History history = trainer.fit(train, test);
 *     float[][] probabilities = trainer.predict(new float[][] {{0.1f, 0.7f, 0.2f}});
 *     Evaluation e = trainer.evaluate(test);
 *     trainer.save(Path.of("model.safetensors"));
 * }
 * }</pre>
 */
public final class Kiln {
    private Kiln() {}

    /** Kiln's version, from the jar manifest ("dev" when run from classes). */
    public static String version() {
        String v = Kiln.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /** A model builder: {@code Kiln.model().input(3).dense(9, RELU).dense(3, SOFTMAX).build()}. */
    public static Model.Builder model() { return Model.builder(); }

    /** A training configuration builder with Kiln's defaults. */
    public static TrainConfig.Builder training() { return TrainConfig.builder(); }

    /**
     * Opens the backend to use when none is named: {@code KILN_BACKEND} if set, else the best available
     * (cuda, then opencl, then cpu), warning on stderr when a better one is unavailable.
     */
    public static Backend backend() { return Backends.open(null, -1, System.err); }

    /** Opens a backend by name: "cpu", "opencl", "cuda" or "auto". */
    public static Backend backend(String name) { return Backends.open(name, -1, System.err); }

    /** A trainer on the default backend ({@link #backend()}); closing the trainer closes that backend. */
    public static Trainer trainer(Model model, TrainConfig config) {
        return Trainer.onOwnBackend(backend(), model, config);
    }

    /** A trainer on the named backend; closing the trainer closes that backend. */
    public static Trainer trainer(String backendName, Model model, TrainConfig config) {
        return Trainer.onOwnBackend(backend(backendName), model, config);
    }

    /**
     * A trained model from a safetensors file Kiln wrote (a run's {@code model.safetensors}, or
     * {@link Trainer#save}): the network, its parameters, and the training standardizer and class names where
     * the run had them ({@link SavedModel#read(Path)}).
     */
    public static SavedModel load(Path file) { return SavedModel.read(file); }
}
