package dev.kiln.backend;

import dev.kiln.Tolerance;
import dev.kiln.backend.conformance.Conformance;
import dev.kiln.backend.conformance.Conformance.Margin;

/**
 * The named tolerances of the backend tests as {@link Tolerance}s: |actual - expected| <= abs + rel |expected|.
 * Their values live once, in the conformance cases' {@link Conformance} margins (main code, so that
 * CudaSelfTest holds a GPU to the same numbers without JUnit); this class only wraps them for the tests
 * that compare with {@code Tolerance.assertClose} (CpuBackendTest, ClGemmTest). Ops that move or select
 * data (copies, gather, dropout masks, counts) must match exactly.
 */
public final class Tolerances {
    private Tolerances() {}

    /** Copies, gather, fill, dropout masks and products by a mask, counts: bit-exact. */
    public static final Tolerance EXACT = of(Conformance.EXACT);

    /** linear / relu / leaky relu and their derivatives: {@link Conformance#PIECEWISE}. */
    public static final Tolerance PIECEWISE = of(Conformance.PIECEWISE);

    /** sigmoid, tanh, GELU, softmax and their derivatives: {@link Conformance#TRANSCENDENTAL}. */
    public static final Tolerance TRANSCENDENTAL = of(Conformance.TRANSCENDENTAL);

    /** The summed loss of a batch: {@link Conformance#LOSS_SUM}. */
    public static final Tolerance LOSS_SUM = of(Conformance.LOSS_SUM);

    /** A loss gradient at gradScale 1: {@link Conformance#LOSS_GRAD}; see {@link #lossGrad}. */
    public static final Tolerance LOSS_GRAD = of(Conformance.LOSS_GRAD);

    /** Column sums of biasGrad: {@link Conformance#BIAS_GRAD}. */
    public static final Tolerance BIAS_GRAD = of(Conformance.BIAS_GRAD);

    /** sumSquares over up to 10^5 elements: {@link Conformance#SUM_SQUARES}. */
    public static final Tolerance SUM_SQUARES = of(Conformance.SUM_SQUARES);

    /** One fused optimizer step: {@link Conformance#UPDATE}. */
    public static final Tolerance UPDATE = of(Conformance.UPDATE);

    /**
     * A finite-difference derivative in double against a float32 analytic one. Test-only: no conformance
     * case differentiates numerically (CpuBackendTest does).
     */
    public static final Tolerance FINITE_DIFFERENCE = new Tolerance(2e-6, 2e-5);

    /** GEMM with k terms per element: {@link Conformance#gemm}, Tolerance.GEMM growing like k/64 beyond 64. */
    public static Tolerance gemm(int k) {
        return of(Conformance.gemm(k));
    }

    /** LOSS_GRAD with its absolute part scaled by |gradScale|: {@link Conformance#lossGrad}. */
    public static Tolerance lossGrad(double gradScale) {
        return of(Conformance.lossGrad(gradScale));
    }

    /** PIECEWISE or TRANSCENDENTAL, as the activation needs: {@link Conformance#activation}. */
    public static Tolerance activation(Activation act) {
        return of(Conformance.activation(act));
    }

    /** The same (abs, rel) as a {@link Tolerance}. */
    public static Tolerance of(Margin m) {
        return new Tolerance(m.abs(), m.rel());
    }
}
