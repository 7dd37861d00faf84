package dev.kiln.backend.cuda;

import dev.kiln.backend.BackendException;
import dev.kiln.backend.DeviceBuffer;

/**
 * Device memory of {@link #length()} 32-bit elements, owned by one {@link CudaBackend}. An empty buffer
 * holds no allocation (cuMemAlloc rejects size 0) and has address 0. Closing frees it; the backend also
 * frees every buffer still open when it closes.
 */
final class CudaBuffer implements DeviceBuffer {
    private final CudaBackend owner;
    private final DevicePointer pointer;
    private final long length;
    private final boolean isInt;
    private boolean closed;

    CudaBuffer(CudaBackend owner, DevicePointer pointer, long length, boolean isInt) {
        this.owner = owner;
        this.pointer = pointer;
        this.length = length;
        this.isInt = isInt;
    }

    @Override public long length() { return length; }

    @Override public boolean isInt() { return isInt; }

    boolean isClosed() { return closed; }

    CudaBackend owner() { return owner; }

    /** The JCuda pointer, for driver calls; throws if the buffer is closed. */
    DevicePointer pointer() {
        if (closed) throw new BackendException("cuda: use of a closed buffer of " + length + (isInt ? " ints" : " floats"));
        return pointer;
    }

    /** The device address, for kernel arguments; throws if the buffer is closed. */
    long address() { return pointer().address(); }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        owner.free(this, pointer);
    }

    @Override
    public String toString() {
        return "CudaBuffer[" + length + (isInt ? " ints" : " floats") + (closed ? ", closed" : "") + "]";
    }
}
