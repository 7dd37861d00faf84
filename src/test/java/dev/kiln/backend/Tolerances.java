package dev.kiln.backend;

import dev.kiln.Tolerance;

/**
 * The named tolerances of the backend tests, one per kind of op, sized for a float32 GPU held to the CPU
 * backend (OpenCL on PoCL, CUDA): |actual - expected| <= abs + rel |expected|. Ops that move or select data
 * (copies, gather, dropout masks, counts) must match exactly.
 */
public final class Tolerances {
    private Tolerances() {}

    /** Copies, gather, fill, dropout masks and products by a mask, counts: bit-exact. */
    public static final Tolerance EXACT = new Tolerance(0, 0);

    /** linear / relu / leaky relu and their derivatives: one float multiply at most. */
    public static final Tolerance PIECEWISE = new Tolerance(1e-7, 1e-6);

    /**
     * sigmoid, tanh, GELU and softmax and their derivatives: a transcendental function in float32 (CUDA's
     * expf/tanhf/erff are within 2-4 ulp, about 5e-7) plus a few roundings.
     */
    public static final Tolerance TRANSCENDENTAL = new Tolerance(1e-6, 1e-5);

    /** The summed loss of a batch: row losses of a few ulp, summed in float on a GPU over up to 1000 rows. */
    public static final Tolerance LOSS_SUM = new Tolerance(1e-5, 3e-5);

    /**
     * A loss gradient at gradScale 1: softmax(z) - y and friends, where the subtraction cancels, so the absolute
     * part is a few ulp of 1. Scale {@code abs} with gradScale, see {@link #lossGrad}.
     */
    public static final Tolerance LOSS_GRAD = new Tolerance(5e-7, 1e-5);

    /** Column sums of biasGrad over up to 1000 rows of values in [-1, 1], with cancellation. */
    public static final Tolerance BIAS_GRAD = new Tolerance(1e-5, 1e-5);

    /** sumSquares: a positive sum over up to 10^5 elements (a GPU tree-reduces in float). */
    public static final Tolerance SUM_SQUARES = new Tolerance(1e-6, 1e-5);

    /**
     * One fused optimizer step: the same float formula on every backend, up to FMA contraction and the
     * rounding of sqrt/division on the device.
     */
    public static final Tolerance UPDATE = new Tolerance(1e-7, 2e-6);

    /** A finite-difference derivative in double against a float32 analytic one. */
    public static final Tolerance FINITE_DIFFERENCE = new Tolerance(2e-6, 2e-5);

    /**
     * GEMM with k terms per element of size about 1: Tolerance.GEMM (1e-5, 1e-4), its absolute part growing
     * with k beyond 64 (a float dot product's rounding error grows like k in the worst case, like sqrt k in
     * magnitude times sqrt k in typical size for values in [-1, 1]).
     */
    public static Tolerance gemm(int k) {
        return new Tolerance(Tolerance.GEMM.abs() * Math.max(1.0, k / 64.0), Tolerance.GEMM.rel());
    }

    /** LOSS_GRAD with its absolute part scaled by |gradScale| (a mean loss scales by 1/rows). */
    public static Tolerance lossGrad(double gradScale) {
        return new Tolerance(LOSS_GRAD.abs() * Math.abs(gradScale), LOSS_GRAD.rel());
    }

    /** PIECEWISE or TRANSCENDENTAL, as the activation needs. */
    public static Tolerance activation(Activation act) {
        return switch (act) {
            case LINEAR, RELU, LEAKY_RELU -> PIECEWISE;
            default -> TRANSCENDENTAL;
        };
    }
}
