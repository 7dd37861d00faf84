package dev.kiln.backend;

/**
 * An optional capability of a backend whose device memory is host memory (the CPU backend): a host array
 * can serve as a device buffer without a copy. The trainer uses it for the training and validation data,
 * which ops only read (gather, gatherOneHot), so a data set is held once rather than twice (188 MiB of mnist-mlp
 * features, docs/benchmarks.md). The caller promises not to pass the buffer to an op that writes it.
 */
public interface HostSharing {
    /** A float buffer over {@code data} itself (no copy); closing it does not touch the array. */
    DeviceBuffer shareReadOnly(float[] data);

    /** An int buffer over {@code data} itself (no copy), e.g. a data set's class labels. */
    DeviceBuffer shareReadOnly(int[] data);
}
