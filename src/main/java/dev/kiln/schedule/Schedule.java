package dev.kiln.schedule;

/**
 * A learning-rate schedule: a pure function of the global step (0 for the first update), returning the
 * multiplier applied to the optimizer's base learning rate (as torch.optim.lr_scheduler.LambdaLR), in
 * double precision. It knows nothing of devices or optimizers (Optax's {@code Schedule = step -> value}).
 */
@FunctionalInterface
public interface Schedule {
    /** The multiplier at global step {@code step >= 0}. */
    double at(long step);
}
