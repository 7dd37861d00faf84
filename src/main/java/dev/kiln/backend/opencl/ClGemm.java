package dev.kiln.backend.opencl;

import static org.lwjgl.opencl.CL10.*;

import java.nio.IntBuffer;
import org.lwjgl.system.MemoryStack;

/**
 * SGEMM on an OpenCL device, C = alpha op(A) op(B) + beta C (row-major, BLAS semantics), with one of two
 * kernel families chosen by CL_DEVICE_TYPE:
 * <ul>
 *   <li>{@link Variant#CPU_BLOCKED} (kernels/opencl/gemm_cpu.cl): op(A) and op(B) are packed into
 *       zero-padded panels of 4 rows and 16 columns, then each work-item keeps a 4 x 16 block of C in four
 *       float16 registers while it streams one panel of each; no local memory, because PoCL turns barriers
 *       into loops over work-items (research/feasibility.md: 110-137 GFLOP/s for 512^3 on PoCL against 5
 *       for local-memory tiling). Products of at most {@link #DIRECT_MAX} multiply-adds skip the packing
 *       and run one work-item per element.</li>
 *   <li>{@link Variant#GPU_TILED} (kernels/opencl/gemm_gpu.cl): 64 x 64 tiles staged through local memory
 *       by a 16 x 16 work-group, 4 x 4 results per work-item, every shape and transpose in one kernel.</li>
 * </ul>
 * All kernels compute every C element as the same fma chain over increasing p, so they agree bit for bit
 * with each other and from run to run. Transposes become strides (op(A)(i, p) = A[i * a_rs + p * a_cs]);
 * offsets are kernel arguments, never sub-buffers.
 */
final class ClGemm {
    /** The kernel family. */
    enum Variant {
        CPU_BLOCKED("packed register-blocked float16 4x16 (CPU kernel)"),
        GPU_TILED("local-memory tiled 64x64x16 (GPU kernel)");

        final String description;

        Variant(String description) { this.description = description; }

        /** The variant for a device: tiled on GPUs that allow a 16 x 16 work-group, blocked otherwise. */
        static Variant forDevice(ClDevice d) {
            return d.isGpu() && d.maxWorkGroup() >= 256 && d.localMem() >= 8192 ? GPU_TILED : CPU_BLOCKED;
        }
    }

    /** m n k up to which the CPU variant runs the direct kernel rather than pack + micro-kernel. */
    static final long DIRECT_MAX = 1L << 15;
    /** Work-group shape of kiln_gemm_packed (row panels, column panels); fixed, see ClQueue. */
    static final int BLOCK_LX = 4, BLOCK_LY = 1;
    /** Work-group width of the pack kernels (along k, in chunks of 16 steps). */
    static final int PACK_LX = 4;

    private static final String OP = "gemm";

    final Variant variant;
    private final long context;
    private final ClQueue queue;
    private final ClKernel direct, packA, packB, packed, tiled;
    /** The packed panels of op(A) and op(B); each grows to the largest product seen. */
    private final long[] scratch = new long[2];
    private final long[] scratchFloats = new long[2];

    ClGemm(Variant variant, long context, ClQueue queue, ClProgram program) {
        this.variant = variant;
        this.context = context;
        this.queue = queue;
        this.direct = program.kernel("kiln_gemm_direct");
        this.packA = program.kernel("kiln_gemm_pack_a");
        this.packB = program.kernel("kiln_gemm_pack_b");
        this.packed = program.kernel("kiln_gemm_packed");
        this.tiled = program.kernel("kiln_gemm_tiled");
    }

    /** Enqueues the GEMM; arguments already validated by the backend. */
    void run(boolean transA, boolean transB, int m, int n, int k, float alpha,
             ClBuffer a, long aOff, int lda, ClBuffer b, long bOff, int ldb,
             float beta, ClBuffer c, long cOff, int ldc) {
        if (m == 0 || n == 0) return;
        int aRs = transA ? 1 : lda, aCs = transA ? lda : 1;
        int bRs = transB ? 1 : ldb, bCs = transB ? ldb : 1;
        if (variant == Variant.GPU_TILED) {
            tiled.begin(OP).i(m).i(n).i(k).f(alpha)
                    .mem(a).l(aOff).i(aRs).i(aCs)
                    .mem(b).l(bOff).i(bRs).i(bCs)
                    .f(beta).mem(c).l(cOff).i(ldc);
            queue.run2d(tiled, (n + 63) / 64 * 16L, (m + 63) / 64 * 16L, 16, 16);
            return;
        }
        if ((long) m * n * k <= DIRECT_MAX && (long) m * n <= Integer.MAX_VALUE) {   // k = 0 lands here too
            direct.begin(OP).i(m).i(n).i(k).f(alpha)
                    .mem(a).l(aOff).i(aRs).i(aCs)
                    .mem(b).l(bOff).i(bRs).i(bCs)
                    .f(beta).mem(c).l(cOff).i(ldc);
            queue.run1d(direct, (long) m * n);
            return;
        }
        int mb = (m + 3) / 4, nb = (n + 15) / 16;
        long pa = scratch(0, (long) mb * k * 4), pb = scratch(1, (long) nb * k * 16);
        int chunks = (k + 15) / 16;
        packA.begin(OP).i(m).i(k).mem(a).l(aOff).i(aRs).i(aCs).mem(pa);
        queue.run2d(packA, chunks, mb, PACK_LX, 1);
        packB.begin(OP).i(n).i(k).mem(b).l(bOff).i(bRs).i(bCs).mem(pb);
        queue.run2d(packB, chunks, nb, PACK_LX, 1);
        packed.begin(OP).i(m).i(n).i(k).f(alpha).mem(pa).mem(pb).f(beta).mem(c).l(cOff).i(ldc);
        queue.run2d(packed, mb, nb, BLOCK_LX, BLOCK_LY);
    }

    /** Scratch buffer {@code which}, grown (reallocated) to at least {@code floats}; only growth allocates. */
    private long scratch(int which, long floats) {
        if (scratch[which] != 0 && scratchFloats[which] >= floats) return scratch[which];
        if (scratch[which] != 0) clReleaseMemObject(scratch[which]);
        scratch[which] = 0;
        long want = Math.max(floats, Math.max(4096, scratchFloats[which] * 2));
        try (MemoryStack s = MemoryStack.stackPush()) {
            IntBuffer err = s.mallocInt(1);
            long mem = clCreateBuffer(context, CL_MEM_READ_WRITE, 4L * want, err);
            if (err.get(0) != CL_SUCCESS) {
                want = floats;
                mem = clCreateBuffer(context, CL_MEM_READ_WRITE, 4L * want, err);
            }
            ClError.check(err.get(0), OP, "clCreateBuffer(packing scratch of " + want + " floats)");
            scratch[which] = mem;
            scratchFloats[which] = want;
            return mem;
        }
    }

    void release() {
        direct.release();
        packA.release();
        packB.release();
        packed.release();
        tiled.release();
        for (int i = 0; i < 2; i++) {
            if (scratch[i] != 0) clReleaseMemObject(scratch[i]);
            scratch[i] = 0;
        }
    }
}
