package dev.kiln.optim;

import dev.kiln.backend.UpdateRule;
import dev.kiln.backend.UpdateScalars;

/**
 * An optimizer definition: its hyper-parameters and the host-side arithmetic of one step. The math over
 * the parameters runs on the device as one fused update ({@link UpdateRule}); this class only computes the
 * plain scalars the update kernel receives (llm.c's {@code gpt2_update -> adamw_update}).
 */
public interface Optimizer {
    /** The fused update this optimizer runs. */
    UpdateRule rule();

    /** The base learning rate (the schedule multiplies it). */
    double lr();

    /**
     * Fills {@code out.hyper} for update number {@code t} (1 for the first update), with the scheduled
     * learning rate {@code lr} and, when the schedule cycles it, the momentum/beta1 to use ({@code NaN}: the
     * optimizer's own). Does not touch the clipping or guard fields.
     */
    void scalars(long t, double lr, double momentum, UpdateScalars out);

    /** The text form, e.g. {@code sgd:lr=0.01,momentum=0.9,nesterov}; it parses back to an equal optimizer. */
    String spec();

    /**
     * The value every element of state buffer {@code stateIndex} starts at (0 unless the optimizer says
     * otherwise, as Adagrad's {@code initial_accumulator_value}); the trainer fills the state buffers with it.
     *
     * @throws IndexOutOfBoundsException unless {@code 0 <= stateIndex < rule().stateCount()}
     */
    default float initialState(int stateIndex) {
        java.util.Objects.checkIndex(stateIndex, rule().stateCount());
        return 0f;
    }
}
