package dev.kiln.backend.opencl;

import static org.lwjgl.opencl.CL10.*;

/**
 * A cl_kernel with an argument cursor: {@code k.begin("gemm").mem(a).i(n).f(alpha)} sets the arguments in
 * declaration order and checks each call, naming the op, the kernel and the argument index. Created
 * once per backend (kernels live as long as the context); one thread at a time, like the backend.
 * Setting arguments allocates nothing (LWJGL passes each value through its thread-local MemoryStack).
 */
final class ClKernel {
    final long handle;
    final String name;
    private String op = "";
    private int next;

    ClKernel(long handle, String name) {
        this.handle = handle;
        this.name = name;
    }

    /** Starts setting arguments for {@code op} at index 0. */
    ClKernel begin(String op) {
        this.op = op;
        this.next = 0;
        return this;
    }

    /** The op of the last {@link #begin}, for launch error messages. */
    String op() { return op; }

    ClKernel mem(ClBuffer b) { return mem(b.mem()); }

    ClKernel mem(long clMem) { return checked(clSetKernelArg1p(handle, next, clMem)); }

    ClKernel i(int v) { return checked(clSetKernelArg1i(handle, next, v)); }

    ClKernel l(long v) { return checked(clSetKernelArg1l(handle, next, v)); }

    ClKernel f(float v) { return checked(clSetKernelArg1f(handle, next, v)); }

    private ClKernel checked(int rc) {
        if (rc != CL_SUCCESS)
            throw ClError.failure(rc, op, "clSetKernelArg(" + name + ", arg " + next + ")");
        next++;
        return this;
    }

    void release() {
        clReleaseKernel(handle);
    }
}
