package dev.kiln.train;

import dev.kiln.nn.Model;
import dev.kiln.schedule.RunPlan;
import java.util.Map;

/**
 * Everything a checkpoint holds, as host copies taken at a step boundary ({@link Trainer#snapshot()}): with
 * it a fresh trainer continues bit-identically ({@link Trainer#resume(TrainingSnapshot, boolean)}).
 *
 * @param model          the model trained
 * @param settings       the trainer's configuration, as text and numbers
 * @param plan           the run's plan (steps per epoch, total steps), or null before the first {@code fit}
 * @param data           the training set's shape, or null before the first {@code fit}
 * @param state          step, epoch, position in the epoch, dropout counter, accumulators, schedule state
 * @param parameters     the parameters, laid out by {@code model.layout()}
 * @param optimizerState the optimizer's state buffers, each laid out as the parameters
 * @param optimizerHost  host-side optimizer state (NAdam: {@code mu_product}), JSON-friendly; empty for most
 * @param lrScale        the learning-rate multiplier left by rollbacks (1 without)
 * @param rollbacks      rollbacks so far
 * @param history        the history so far (a copy)
 */
public record TrainingSnapshot(Model model, Settings settings, RunPlan plan, DataShape data, TrainerState state,
                               float[] parameters, float[][] optimizerState, Map<String, Object> optimizerHost,
                               double lrScale, int rollbacks, History history) {
    /** Copies {@code optimizerHost} (null becomes empty); the arrays and the other parts are kept as given. */
    public TrainingSnapshot {
        optimizerHost = optimizerHost == null ? Map.of() : Map.copyOf(optimizerHost);
    }

    /** Steps done (the next step's global index). */
    public long step() { return state.step(); }

    /**
     * The parts of a {@link TrainConfig} that decide a run's numbers, in a form a file can hold.
     *
     * @param epochs          epochs planned
     * @param batchSize       rows per step
     * @param seed            the run seed
     * @param shuffle         whether epochs are shuffled
     * @param validationSplit the fraction held out
     * @param optimizer       the optimizer's text form
     * @param schedule        the bound schedule's text form
     * @param clipNorm        global norm clipping (0: off)
     * @param clipValue       value clipping (0: off)
     * @param divergence      the divergence policy's text form
     */
    public record Settings(int epochs, int batchSize, long seed, boolean shuffle, double validationSplit, String optimizer,
                           String schedule, float clipNorm, float clipValue, String divergence) {
        /** The settings of {@code c} with the schedule's text as bound. */
        public static Settings of(TrainConfig c, String scheduleSpec) {
            return new Settings(c.epochs(), c.batchSize(), c.seed(), c.shuffle(), c.validationSplit(), c.optimizer().spec(),
                    scheduleSpec, c.clipNorm(), c.clipValue(), c.divergence().toString());
        }
    }
}
