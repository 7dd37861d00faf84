package dev.kiln.backend.opencl;

import static org.lwjgl.opencl.CL10.*;

import java.nio.IntBuffer;
import org.lwjgl.system.MemoryStack;

/**
 * Deterministic sums into the statistics buffer (kernels/opencl/reduce.cl) and the per-row scratch that
 * loss and accuracy write before they are summed. The partition depends only on n: up to {@link #DIRECT}
 * elements one work-item adds them in index order; beyond, {@link #PARTS} work-items each add a strided
 * subsequence and one work-item adds the partials, in double where the device has cl_khr_fp64. So two
 * runs give bit-identical statistics (no float atomics, which OpenCL 1.2 lacks and which would make sums
 * depend on timing).
 */
final class ClReduce {
    static final int DIRECT = 1024;
    static final int PARTS = 1024;

    private final long context;
    private final ClQueue queue;
    private final ClKernel partials, finish;
    private final long partialBuf;
    private long rows;
    private long rowsFloats;

    ClReduce(long context, ClQueue queue, ClProgram program) {
        this.context = context;
        this.queue = queue;
        this.partials = program.kernel("kiln_reduce_partials");
        this.finish = program.kernel("kiln_reduce_finish");
        this.partialBuf = create(2L * PARTS);   // room for double partials
    }

    /**
     * s = sum of x[off .. off+n) (of squares if {@code square}); stats[set] = s, stats[add0] += s,
     * stats[add1] += s, stats[countSlot] += count, each slot only when >= 0.
     */
    void sum(String op, long xMem, long off, int n, boolean square, ClBuffer stats,
             int set, int add0, int add1, int countSlot, float count) {
        int sq = square ? 1 : 0, parts = 0;
        if (n > DIRECT) {
            partials.begin(op).mem(xMem).l(off).i(n).i(sq).mem(partialBuf).i(PARTS);
            queue.run1d(partials, PARTS);
            parts = PARTS;
        }
        finish.begin(op).mem(xMem).l(off).i(n).i(sq).mem(partialBuf).i(parts).mem(stats)
                .i(set).i(add0).i(add1).i(countSlot).f(count);
        queue.run1d(finish, 1);
    }

    /** A scratch vector of at least n floats for per-row values; grows, never shrinks. */
    long rowScratch(int n) {
        if (rows != 0 && rowsFloats >= n) return rows;
        if (rows != 0) clReleaseMemObject(rows);
        rows = 0;
        long want = Math.max(n, Math.max(256, rowsFloats * 2));
        rows = create(want);
        rowsFloats = want;
        return rows;
    }

    private long create(long floats) {
        try (MemoryStack s = MemoryStack.stackPush()) {
            IntBuffer err = s.mallocInt(1);
            long mem = clCreateBuffer(context, CL_MEM_READ_WRITE, 4L * floats, err);
            ClError.check(err.get(0), "init", "clCreateBuffer(reduction scratch of " + floats + " floats)");
            return mem;
        }
    }

    void release() {
        partials.release();
        finish.release();
        clReleaseMemObject(partialBuf);
        if (rows != 0) clReleaseMemObject(rows);
        rows = 0;
    }
}
