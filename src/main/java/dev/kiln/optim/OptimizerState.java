package dev.kiln.optim;

import dev.kiln.backend.UpdateRule;
import java.util.List;
import java.util.Objects;

/**
 * The names and order of an optimizer's state tensors, for checkpoints ({@code optimizer.safetensors}):
 * state buffer {@code i} (the update kernel's {@code s<i>}, with the parameter layout) is named as PyTorch's
 * optimizer state key, e.g. {@code exp_avg}, {@code exp_avg_sq}. Names only; the checkpoint code writes the
 * files. A rule whose option leaves a buffer unused (Adam without AMSGrad, SGD without momentum) still names
 * it, so a checkpoint has the same tensors whatever the options.
 *
 * @param rule   the update rule
 * @param names  one name per state buffer, {@code names.size() == rule.stateCount()}
 * @param initial the value each buffer starts at ({@link Optimizer#initialState})
 */
public record OptimizerState(UpdateRule rule, List<String> names, List<Float> initial) {

    /** Copies the lists and checks that each has one entry per state buffer of {@code rule}. */
    public OptimizerState {
        Objects.requireNonNull(rule, "rule");
        names = List.copyOf(names);
        initial = List.copyOf(initial);
        if (names.size() != rule.stateCount() || initial.size() != rule.stateCount())
            throw new IllegalArgumentException(rule + " has " + rule.stateCount() + " state buffers, got "
                    + names.size() + " names and " + initial.size() + " initial values");
    }

    /** The state layout of {@code optimizer}. */
    public static OptimizerState of(Optimizer optimizer) {
        UpdateRule rule = optimizer.rule();
        List<String> names = names(rule);
        Float[] init = new Float[names.size()];
        for (int i = 0; i < init.length; i++) init[i] = optimizer.initialState(i);
        return new OptimizerState(rule, names, List.of(init));
    }

    /** PyTorch's state key of each buffer of {@code rule}, in buffer order. */
    public static List<String> names(UpdateRule rule) {
        return switch (rule) {
            case SGD -> List.of("momentum_buffer");
            case ADAGRAD -> List.of("sum");
            case ADADELTA -> List.of("square_avg", "acc_delta");
            case RMSPROP -> List.of("square_avg", "momentum_buffer", "grad_avg");
            case ADAM -> List.of("exp_avg", "exp_avg_sq", "max_exp_avg_sq");
            case NADAM, RADAM -> List.of("exp_avg", "exp_avg_sq");
            case LION -> List.of("exp_avg");
        };
    }

    /** Number of state buffers. */
    public int size() { return names.size(); }

    /** The name of buffer {@code i}. */
    public String name(int i) { return names.get(i); }

    /** The buffer index of {@code name}; throws naming the known names when there is none. */
    public int indexOf(String name) {
        int i = names.indexOf(name);
        if (i < 0) throw new IllegalArgumentException("no optimizer state '" + name + "' for " + rule + " (has " + names + ")");
        return i;
    }

    /** The tensor name of buffer {@code i} restricted to one parameter, e.g. {@code layers.0.weight.exp_avg}. */
    public String tensorName(String parameter, int i) { return parameter + "." + names.get(i); }
}
