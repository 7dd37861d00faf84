package dev.kiln.train.checkpoint;

import dev.kiln.backend.Backend;
import dev.kiln.backend.Backends;
import dev.kiln.data.Dataset;
import dev.kiln.data.Synthetic;
import dev.kiln.nn.Model;
import dev.kiln.nn.Weights;
import dev.kiln.optim.NAdam;
import dev.kiln.schedule.ScheduleSpec;
import dev.kiln.train.Callback;
import dev.kiln.train.History;
import dev.kiln.train.TrainConfig;
import dev.kiln.train.Trainer;
import dev.kiln.train.TrainingContext;
import java.nio.file.Path;

/**
 * The run the checkpoint tests interrupt and resume, the same in this JVM and in child JVMs: the seed
 * experiment's 1000 rows in batches of 50 (20 steps per epoch), a network with dropout, NAdam under a
 * one-cycle schedule that also cycles beta1 (so NAdam's host-side mu product must survive the resume), for
 * {@link #EPOCHS} epochs.
 */
final class Runs {
    private Runs() {}

    static final int EPOCHS = 4, BATCH = 50, STEPS_PER_EPOCH = 20, TOTAL_STEPS = EPOCHS * STEPS_PER_EPOCH;
    static final Model MODEL = Model.parse("16:relu,dropout:0.2,8:tanh,3:softmax", 3);

    static Dataset.Split data() { return Synthetic.seedExperiment(3); }

    static TrainConfig.Builder config(int epochs) {
        ScheduleSpec s = ScheduleSpec.parse("onecycle:max=1");
        return TrainConfig.builder().epochs(epochs).batchSize(BATCH).seed(11).optimizer(NAdam.of(0.02)).schedule(s::bind);
    }

    static TrainConfig.Builder config() { return config(EPOCHS); }

    /** A callback that sleeps after every step, so a child JVM's run lasts long enough to be killed in the middle. */
    static Callback sleeping(long millis) {
        return new Callback() {
            @Override
            public void onStep(long step, double lr, TrainingContext ctx) {
                try {
                    Thread.sleep(millis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
    }

    /** The uninterrupted run's final model file. */
    static History straight(String backend, Path modelFile) {
        Dataset.Split d = data();
        try (Backend b = Backends.open(backend, -1, null); Trainer t = new Trainer(b, MODEL, config().build())) {
            History h = t.fit(d.train(), d.test());
            Weights.save(MODEL, t.parameters(), modelFile);
            return h;
        }
    }

    /** Resumes from {@code checkpoint} in this JVM, finishes the run and writes the final model file. */
    static History resumed(String backend, Path checkpoint, Path modelFile) {
        Dataset.Split d = data();
        try (Backend b = Backends.open(backend, -1, null); Trainer t = new Trainer(b, MODEL, config().build())) {
            t.resume(checkpoint, false);
            History h = t.fit(d.train(), d.test());
            Weights.save(MODEL, t.parameters(), modelFile);
            return h;
        }
    }
}
