package dev.kiln.backend;

/**
 * A block of device memory holding {@link #length()} 32-bit elements (float or int, as allocated).
 * Ops address it with explicit element offsets, so one flat buffer can hold every layer's parameters
 * (DESIGN.md, "One step, as data flows"). Closing frees the memory; a closed buffer must not be used.
 */
public interface DeviceBuffer extends AutoCloseable {
    /** Number of 32-bit elements. */
    long length();

    /** Whether the elements are ints (labels, indices) rather than floats. */
    boolean isInt();

    @Override
    void close();
}
