package dev.kiln.train;

import dev.kiln.backend.UpdateScalars;
import dev.kiln.optim.NAdam;
import dev.kiln.optim.Optimizer;
import dev.kiln.schedule.BoundSchedule;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * The host-side optimizer state a checkpoint must carry. Only NAdam has one: PyTorch's {@code mu_product}
 * {@code P_t = mu_1 mu_2 ... mu_t} with {@code mu_t = beta1_t (1 - 0.5 * 0.96^(t psi))}, where beta1_t is the
 * schedule's momentum at step t-1 when it cycles one, else NAdam's beta1. The {@link NAdam} object caches
 * the product and recomputes it with the current beta1 after a jump in t, which differs when beta1 was
 * scheduled; so after a resume or rollback {@link #prime} replays the update scalars of steps 1..t in order,
 * which rebuilds exactly the product of the uninterrupted run (the same multiplications in the same order).
 *
 * <p>This class keeps its own copy of P_t, advanced with the same expression each step (one pow per step),
 * for {@code state.json}; a resumed run checks that the replayed product equals the saved one.
 */
final class OptimizerHost {
    static final String MU_PRODUCT = "mu_product";

    private final Optimizer optimizer;
    private final NAdam nadam;
    private double product = 1.0;

    OptimizerHost(Optimizer optimizer) {
        this.optimizer = optimizer;
        this.nadam = optimizer instanceof NAdam n ? n : null;
    }

    /** Records update number {@code t} (1-based) with the momentum the schedule gave (NaN: the optimizer's own). */
    void advance(long t, double momentum) {
        if (nadam != null) product *= mu(momentum, t);
    }

    private double mu(double momentum, long t) {
        double b1 = Double.isNaN(momentum) ? nadam.beta1() : momentum;
        return b1 * (1.0 - 0.5 * Math.pow(0.96, t * nadam.momentumDecay()));
    }

    /** The state for a checkpoint: {@code {"mu_product": P_t}} for NAdam, else empty. */
    Map<String, Object> state() {
        return nadam == null ? Map.of() : Map.of(MU_PRODUCT, product);
    }

    double product() { return product; }

    void setProduct(double p) { product = p; }

    /**
     * Replays the host side of steps 1..{@code steps} (NAdam only; nothing to do for the others): the optimizer's
     * scalars in order, so its cache holds what the uninterrupted run had; returns the product replayed.
     */
    double prime(BoundSchedule schedule, long steps) {
        product = 1.0;
        if (nadam == null) return product;
        UpdateScalars scratch = new UpdateScalars();
        for (long t = 1; t <= steps; t++) {
            OptionalDouble m = schedule.momentum(t - 1);
            double momentum = m.isPresent() ? m.getAsDouble() : Double.NaN;
            optimizer.scalars(t, optimizer.lr(), momentum, scratch);
            advance(t, momentum);
        }
        return product;
    }
}
