package dev.kiln.backend.opencl;

import static org.lwjgl.opencl.CL10.*;

import org.lwjgl.PointerBuffer;
import org.lwjgl.system.MemoryUtil;

/**
 * The in-order command queue of one backend, with the launch arithmetic. Global sizes are rounded up to a
 * multiple of the fixed local size (the kernels guard their index), so each kernel is compiled for one
 * work-group shape only (PoCL compiles a work-group function per local size, 0.1 to 0.6 s each). The
 * size arrays handed to clEnqueueNDRangeKernel are allocated once, so a launch allocates nothing.
 */
final class ClQueue {
    final long handle;
    /** Local size of 1-D launches: a multiple of the SIMD width on CPUs, of the warp on GPUs. */
    final int local1d;
    private final PointerBuffer global = MemoryUtil.memAllocPointer(3);
    private final PointerBuffer local = MemoryUtil.memAllocPointer(3);

    ClQueue(long handle, int local1d) {
        this.handle = handle;
        this.local1d = local1d;
    }

    /** Launches {@code k} over n work-items (1-D), nothing when n is 0. */
    void run1d(ClKernel k, long n) {
        if (n <= 0) return;
        global.put(0, roundUp(n, local1d));
        local.put(0, local1d);
        enqueue(k, 1);
    }

    /** Launches {@code k} over a gx x gy grid with a lx x ly work-group; gx, gy are rounded up. */
    void run2d(ClKernel k, long gx, long gy, int lx, int ly) {
        if (gx <= 0 || gy <= 0) return;
        global.put(0, roundUp(gx, lx)).put(1, roundUp(gy, ly));
        local.put(0, lx).put(1, ly);
        enqueue(k, 2);
    }

    private void enqueue(ClKernel k, int dims) {
        int rc = nclEnqueueNDRangeKernel(handle, k.handle, dims, 0L, global.address(), local.address(), 0, 0L, 0L);
        if (rc != CL_SUCCESS) ClError.check(rc, k.op(), "clEnqueueNDRangeKernel", k.name);
    }

    /** Waits for every queued command; a device fault surfaces here. */
    void finish(String op) {
        ClError.check(clFinish(handle), op, "clFinish");
    }

    static long roundUp(long n, long m) {
        return (n + m - 1) / m * m;
    }

    void release() {
        clReleaseCommandQueue(handle);
        MemoryUtil.memFree(global);
        MemoryUtil.memFree(local);
    }
}
