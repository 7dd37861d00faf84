package dev.kiln.backend.cpu;

import dev.kiln.backend.Backend;
import dev.kiln.backend.DeviceBuffer;

/** Host arrays to and from device buffers, and as bit patterns, for the CPU backend's tests. */
final class HostCopies {
    private HostCopies() {}

    /** A new buffer holding x. */
    static DeviceBuffer up(Backend be, float[] x) {
        DeviceBuffer b = be.alloc(x.length);
        be.upload(x, 0, b, 0, x.length);
        return b;
    }

    /** The whole of buffer b. */
    static float[] down(Backend be, DeviceBuffer b) {
        float[] x = new float[(int) b.length()];
        be.download(b, 0, x, 0, x.length);
        return x;
    }

    /** The bit patterns of x, for assertArrayEquals that tells -0 from 0 and compares NaNs exactly. */
    static int[] bits(float[] x) {
        int[] b = new int[x.length];
        for (int i = 0; i < x.length; i++) b[i] = Float.floatToIntBits(x[i]);
        return b;
    }
}
