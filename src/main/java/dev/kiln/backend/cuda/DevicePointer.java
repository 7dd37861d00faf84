package dev.kiln.backend.cuda;

import jcuda.driver.CUdeviceptr;

/**
 * A {@link CUdeviceptr} whose address Java can read, so that kernels receive a base address and an element
 * offset as plain arguments instead of a new offset pointer object per call. ({@code getNativePointer} is
 * protected in JCuda; a subclass may call it.)
 */
final class DevicePointer extends CUdeviceptr {
    /** The device address, 0 before allocation or for an empty buffer. */
    long address() { return getNativePointer(); }
}
