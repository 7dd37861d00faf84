package dev.kiln.backend.opencl;

import dev.kiln.backend.BackendException;
import dev.kiln.backend.DeviceBuffer;

/**
 * A cl_mem of {@link #length()} 32-bit elements, owned by one {@link OpenClBackend}. Ops address it with
 * element offsets passed as kernel arguments (never sub-buffers, whose origin must be aligned to
 * CL_DEVICE_MEM_BASE_ADDR_ALIGN). Closing releases the cl_mem; the backend frees any still open when it
 * closes.
 */
final class ClBuffer implements DeviceBuffer {
    private final OpenClBackend owner;
    private final long length;
    private final boolean isInt;
    private long mem;

    ClBuffer(OpenClBackend owner, long mem, long length, boolean isInt) {
        this.owner = owner;
        this.mem = mem;
        this.length = length;
        this.isInt = isInt;
    }

    @Override public long length() { return length; }

    @Override public boolean isInt() { return isInt; }

    /** The cl_mem handle; 0 once closed. */
    long mem() { return mem; }

    boolean isOpen() { return mem != 0; }

    OpenClBackend owner() { return owner; }

    @Override
    public void close() {
        if (mem != 0) {
            owner.release(this);
            mem = 0;
        }
    }

    /**
     * The buffer {@code b} as an open ClBuffer of {@code backend}, or a BackendException naming the op and
     * the argument.
     */
    static ClBuffer of(OpenClBackend backend, DeviceBuffer b, String op, String arg) {
        if (b == null) throw new IllegalArgumentException("opencl " + op + ": buffer " + arg + " is null");
        if (!(b instanceof ClBuffer cb) || cb.owner != backend)
            throw new BackendException("opencl " + op + ": buffer " + arg + " belongs to another backend");
        if (cb.mem == 0) throw new BackendException("opencl " + op + ": buffer " + arg + " is closed");
        return cb;
    }

    @Override
    public String toString() {
        return "ClBuffer[" + length + (isInt ? " ints" : " floats") + (mem == 0 ? ", closed]" : "]");
    }
}
