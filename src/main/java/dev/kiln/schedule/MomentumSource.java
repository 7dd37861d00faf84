package dev.kiln.schedule;

import java.util.OptionalDouble;

/**
 * A schedule that can also drive the optimizer's momentum (SGD momentum or Adam beta1), as PyTorch's
 * {@code cycle_momentum} in OneCycleLR and CyclicLR does. Values are absolute momenta, not multipliers.
 */
public interface MomentumSource {
    /** The momentum at {@code step}, or empty when this schedule leaves momentum alone. */
    OptionalDouble momentum(long step);

    /** The momentum of {@code schedule} at {@code step}, when it is a source that cycles momentum. */
    static OptionalDouble of(Schedule schedule, long step) {
        return schedule instanceof MomentumSource m ? m.momentum(step) : OptionalDouble.empty();
    }
}
