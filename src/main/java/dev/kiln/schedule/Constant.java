package dev.kiln.schedule;

/**
 * A constant multiplier: {@code f(t) = value}. {@code constant} alone trains at the optimizer's learning
 * rate; PyTorch's {@code ConstantLR(factor, total_iters)} is {@code constant:FACTOR for N > constant}.
 *
 * @param value the multiplier, finite
 */
public record Constant(double value) implements Schedule {
    /** Checks that the value is finite. */
    public Constant {
        Checks.finite("constant: value", value);
    }

    @Override
    public double at(long step) {
        return value;
    }
}
