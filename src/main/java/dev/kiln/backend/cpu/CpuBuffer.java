package dev.kiln.backend.cpu;

import dev.kiln.backend.BackendException;
import dev.kiln.backend.DeviceBuffer;

/**
 * A CPU "device" buffer: a plain Java {@code float[]} or {@code int[]} on the heap. The arrays are reached
 * through {@link #floats} and {@link #ints}, which check that the buffer is open and of the right kind, so a
 * misuse fails with the op named instead of a bare NullPointerException.
 */
public final class CpuBuffer implements DeviceBuffer {
    private float[] f;
    private int[] i;
    private final int length;
    private final boolean isInt;
    private final CpuBackend owner;

    /** A float buffer over an existing array (no copy), see {@link dev.kiln.backend.HostSharing}. */
    CpuBuffer(CpuBackend owner, float[] shared) {
        this.owner = owner;
        this.length = shared.length;
        this.isInt = false;
        this.f = shared;
    }

    /** An int buffer over an existing array (no copy), see {@link dev.kiln.backend.HostSharing}. */
    CpuBuffer(CpuBackend owner, int[] shared) {
        this.owner = owner;
        this.length = shared.length;
        this.isInt = true;
        this.i = shared;
    }

    CpuBuffer(CpuBackend owner, int length, boolean isInt) {
        this.owner = owner;
        this.length = length;
        this.isInt = isInt;
        if (isInt) i = new int[length];
        else f = new float[length];
    }

    @Override public long length() { return length; }

    @Override public boolean isInt() { return isInt; }

    /** Whether {@link #close} has been called. */
    public boolean isClosed() { return isInt ? i == null : f == null; }

    /** The float array, or a BackendException naming {@code op} if this is an int or closed buffer. */
    float[] floats(String op) {
        float[] a = f;
        if (a == null) throw misuse(op, "float");
        return a;
    }

    /** The int array, or a BackendException naming {@code op} if this is a float or closed buffer. */
    int[] ints(String op) {
        int[] a = i;
        if (a == null) throw misuse(op, "int");
        return a;
    }

    private static String article(String kind) { return (kind.startsWith("i") ? "an " : "a ") + kind; }

    private BackendException misuse(String op, String want) {
        if (isClosed()) return new BackendException("cpu " + op + ": buffer of " + length + " elements is closed");
        return new BackendException("cpu " + op + ": expected " + article(want) + " buffer, got " + article(isInt ? "int" : "float")
                + " buffer of " + length + " elements");
    }

    @Override
    public void close() {
        if (isClosed()) return;
        f = null;
        i = null;
        if (owner != null) owner.forget(this);
    }

    @Override
    public String toString() {
        return "CpuBuffer[" + (isInt ? "int" : "float") + " x " + length + (isClosed() ? ", closed]" : "]");
    }
}
