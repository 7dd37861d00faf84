package dev.kiln.backend.cpu;

import dev.kiln.backend.Backend;
import dev.kiln.backend.DeviceBuffer;

/** Host arrays to and from device buffers, for the CPU backend's tests. */
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
}
