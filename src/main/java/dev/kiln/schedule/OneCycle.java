package dev.kiln.schedule;

import java.util.OptionalDouble;

/**
 * The one-cycle policy (Smith and Topin 2018), PyTorch {@code OneCycleLR} with multipliers: with
 * {@code N = over}, {@code initial = max / div} and {@code last = initial / finalDiv}, the phases end at
 * (PyTorch's indices, one step before Optax's) {@code e1 = pct * N - 1} (initial to max) and {@code N - 1}
 * (max to last); with {@code threePhase}, {@code e1}, {@code e2 = 2 * pct * N - 2} (max back to initial) and
 * {@code N - 1} (initial to last). In a phase from step {@code a} to {@code b} going from {@code u} to
 * {@code v}, {@code p = (t - a) / (b - a)} and {@code f = v + (u - v) / 2 * (1 + cos(pi p))} (cos) or
 * {@code u + (v - u) p} (linear). Momentum runs the other way: {@code momentumMax -> momentumMin -> momentumMax}
 * (three phases: then holds {@code momentumMax}). Past {@code N - 1} the value stays at {@code last} (PyTorch
 * raises an error instead).
 *
 * @param over        N, the length of the cycle in steps, at least 1
 * @param max         the peak multiplier (PyTorch max_lr / optimizer lr; usually 1)
 * @param div         {@code max / initial}, > 0 (PyTorch div_factor 25)
 * @param finalDiv    {@code initial / last}, > 0 (PyTorch final_div_factor 1e4)
 * @param pct         the fraction of the cycle spent rising, in (0, 1) (PyTorch pct_start 0.3)
 * @param linear      linear instead of cosine annealing
 * @param threePhase  fall back to {@code initial} before annealing to {@code last}
 * @param momentumMin momentum at the peak learning rate (PyTorch base_momentum 0.85), or NaN: not cycled
 * @param momentumMax momentum at the ends (PyTorch max_momentum 0.95), or NaN
 */
public record OneCycle(long over, double max, double div, double finalDiv, double pct, boolean linear,
                       boolean threePhase, double momentumMin, double momentumMax)
        implements Schedule, MomentumSource {
    /**
     * Checks the parameters: over at least 1 step, max finite, div and final_div finite and > 0, pct in (0, 1), and
     * both momentum bounds or neither (NaN).
     */
    public OneCycle {
        Checks.atLeast("onecycle: over", over, 1);
        Checks.finite("onecycle: max", max);
        Checks.positive("onecycle: div", div);
        Checks.positive("onecycle: final_div", finalDiv);
        if (!(pct > 0 && pct < 1)) throw new IllegalArgumentException("onecycle: pct must be in (0, 1), got " + pct);
        if (Double.isNaN(momentumMin) != Double.isNaN(momentumMax))
            throw new IllegalArgumentException("onecycle: give both momentum bounds or neither");
    }

    private double anneal(double from, double to, double p) {
        if (linear) return (to - from) * p + from;
        double cosOut = Math.cos(Math.PI * p) + 1;
        return to + (from - to) / 2.0 * cosOut;
    }

    /** Evaluates the phase containing {@code step}; {@code lr} chooses the learning rate or the momentum. */
    private double eval(long step, boolean lr) {
        double initial = max / div;
        double last = initial / finalDiv;
        double e1 = pct * over - 1;
        if (step <= e1) return phase(step, 0, e1, lr ? initial : momentumMax, lr ? max : momentumMin);
        if (threePhase) {
            double e2 = 2 * pct * over - 2;
            if (step <= e2) return phase(step, e1, e2, lr ? max : momentumMin, lr ? initial : momentumMax);
            return phase(step, e2, over - 1, lr ? initial : momentumMax, lr ? last : momentumMax);
        }
        return phase(step, e1, over - 1, lr ? max : momentumMin, lr ? last : momentumMax);
    }

    /** The value at {@code step} of a phase from step {@code a} (value {@code u}) to step {@code b} ({@code v}). */
    private double phase(long step, double a, double b, double u, double v) {
        double len = b - a;
        // a phase of length <= 0 (tiny N) is already at its end value; past N - 1 hold the last value
        double p = len <= 0 ? 1 : Math.min(1, (step - a) / len);
        return anneal(u, v, p);
    }

    @Override
    public double at(long step) {
        return eval(step, true);
    }

    @Override
    public OptionalDouble momentum(long step) {
        if (Double.isNaN(momentumMin)) return OptionalDouble.empty();
        return OptionalDouble.of(eval(step, false));
    }
}
