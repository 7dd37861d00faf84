package dev.kiln.backend.opencl;

import static org.lwjgl.opencl.CL10.*;

import dev.kiln.backend.Activation;
import dev.kiln.backend.Backend;
import dev.kiln.backend.BackendException;
import dev.kiln.backend.DeviceBuffer;
import dev.kiln.backend.LossKind;
import dev.kiln.backend.Stats;
import dev.kiln.backend.UpdateRule;
import dev.kiln.backend.UpdateScalars;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.lwjgl.PointerBuffer;
import org.lwjgl.opencl.CL12;
import org.lwjgl.system.MemoryStack;
import org.lwjgl.system.MemoryUtil;

/**
 * The {@link Backend} on one OpenCL device, through LWJGL: one context, one in-order queue, the kernels of
 * kernels/opencl built at run time from the jar's sources (see {@link ClProgram}).
 *
 * <p>Every op enqueues and returns; only {@link #download}, {@link #downloadInt} and {@link #synchronize}
 * wait. Nothing is allocated per op in steady state: kernel objects are created once, launch sizes live in
 * preallocated native arrays, uploads go through a reused staging ring, and scratch buffers only grow.
 * Reductions use a fixed partition of the work (no atomics), so two runs give bit-identical results, and
 * the GEMM kernels compute each element as one fma chain in increasing k. Every CL result is checked; a
 * failure is a {@link BackendException} naming the op, the call or kernel and the CL error.
 *
 * <p>Not thread-safe: one thread drives a backend at a time (kernel arguments are shared state).
 */
public final class OpenClBackend implements Backend {
    /** The layer kernels: everything but the optimizer updates (see {@link ClUpdates}). */
    static final List<String> HEADERS = List.of("kiln_math.h", "kiln_nn.h");
    static final List<String> FILES = List.of("memory.cl", "dense.cl", "loss.cl", "dropout.cl", "reduce.cl",
            "gemm_cpu.cl", "gemm_gpu.cl");

    private final ClDevice dev;
    private final long context;
    private final ClQueue queue;
    private final ClProgram program;
    private final ClStaging staging;
    private final ClGemm gemm;
    private final ClReduce reduce;
    private final ClUpdates updates;
    private final ClKernel gather, gatherOneHot, biasAct, biasSoftmax, actBackward, softmaxBackward, biasGrad,
            lossRows, correctRows, dropoutFwd, dropoutBwd;
    /** A 1-element buffer for kernel arguments an op does not use (unused optimizer state, no gradient). */
    private final long dummy;
    /** The fill pattern of clEnqueueFillBuffer (copied by the call, so one is enough). */
    private final ByteBuffer pattern = MemoryUtil.memAlloc(4).order(ByteOrder.nativeOrder());
    private final Set<ClBuffer> open = new LinkedHashSet<>();
    private static final String[] STATE_NAMES = {"state[0]", "state[1]", "state[2]"};
    /** cl_mem handles of update()'s three state arguments, reused each step. */
    private final long[] stateMems = new long[3];
    private final Map<String, String> provenance;
    private long heldBytes;
    private boolean closed;

    /** Opens {@code device} with the GEMM variant its type calls for (or {@code -Dkiln.opencl.gemm=cpu|gpu}). */
    OpenClBackend(ClDevice device) {
        this(device, variantFor(device));
    }

    /** Opens {@code device} with a chosen GEMM variant (tests run both variants on any device). */
    OpenClBackend(ClDevice device, ClGemm.Variant variant) {
        this.dev = device;
        long ctx = 0, q = 0;
        ClProgram prog = null;
        try (MemoryStack s = MemoryStack.stackPush()) {
            IntBuffer err = s.mallocInt(1);
            PointerBuffer props = s.mallocPointer(3).put(CL_CONTEXT_PLATFORM).put(device.platform()).put(0).flip();
            ctx = clCreateContext(props, device.device(), null, 0L, err);
            ClError.check(err.get(0), "init", "clCreateContext");
            q = clCreateCommandQueue(ctx, device.device(), 0L, err);
            ClError.check(err.get(0), "init", "clCreateCommandQueue");
            prog = ClProgram.build(ctx, device.device(), ClProgram.assemble(HEADERS, FILES),
                    "kernels/opencl/{" + String.join(",", FILES) + "}");
            long d = clCreateBuffer(ctx, CL_MEM_READ_WRITE, 4L, err);
            ClError.check(err.get(0), "init", "clCreateBuffer(dummy)");
            this.dummy = d;
        } catch (RuntimeException e) {
            if (prog != null) prog.release();
            if (q != 0) clReleaseCommandQueue(q);
            if (ctx != 0) clReleaseContext(ctx);
            MemoryUtil.memFree(pattern);
            throw e;
        }
        this.context = ctx;
        this.program = prog;
        int local = (int) Math.min(device.isCpu() ? 64 : 256, Math.max(1, device.maxWorkGroup()));
        this.queue = new ClQueue(q, local);
        this.staging = new ClStaging(q);
        this.gather = prog.kernel("kiln_gather");
        this.gatherOneHot = prog.kernel("kiln_gather_one_hot");
        this.biasAct = prog.kernel("kiln_bias_activation");
        this.biasSoftmax = prog.kernel("kiln_bias_softmax");
        this.actBackward = prog.kernel("kiln_activation_backward");
        this.softmaxBackward = prog.kernel("kiln_softmax_backward");
        this.biasGrad = prog.kernel("kiln_bias_grad");
        this.lossRows = prog.kernel("kiln_loss_rows");
        this.correctRows = prog.kernel("kiln_correct_rows");
        this.dropoutFwd = prog.kernel("kiln_dropout_forward");
        this.dropoutBwd = prog.kernel("kiln_dropout_backward");
        this.gemm = new ClGemm(variant, ctx, queue, prog);
        this.reduce = new ClReduce(ctx, queue, prog);
        this.updates = new ClUpdates(ctx, device.device());

        String optim = ClProgram.resource(ClProgram.OPENCL + ClUpdates.FILE);
        Map<String, String> p = new LinkedHashMap<>();
        p.put("backend", "opencl");
        p.put("device", device.name());
        p.put("device_type", device.typeName());
        p.put("platform", device.platformName());
        p.put("device_version", device.version());
        p.put("driver", device.driver());
        p.put("gemm", variant.description);
        p.put("kernel_hash", ClProgram.hash(prog.source + (optim == null ? "" : optim)));
        this.provenance = Collections.unmodifiableMap(p);
    }

    /** The GEMM variant for a device: -Dkiln.opencl.gemm=cpu|gpu, else by CL_DEVICE_TYPE. */
    static ClGemm.Variant variantFor(ClDevice device) {
        String v = System.getProperty("kiln.opencl.gemm", "auto").trim();
        return switch (v) {
            case "cpu" -> ClGemm.Variant.CPU_BLOCKED;
            case "gpu" -> ClGemm.Variant.GPU_TILED;
            case "auto", "" -> ClGemm.Variant.forDevice(device);
            default -> throw new IllegalArgumentException("kiln.opencl.gemm: '" + v + "' is not one of auto, cpu, gpu");
        };
    }

    // ---- identity -------------------------------------------------------------------------------

    @Override public String name() { return "opencl"; }

    @Override
    public String device() {
        return dev.name() + " (" + dev.typeName() + ", " + dev.computeUnits() + " compute units, "
                + ClDevice.gib(dev.globalMem()) + "; " + dev.platformName() + ")";
    }

    @Override public Map<String, String> provenance() { return provenance; }

    /** The device this backend runs on. */
    public ClDevice clDevice() { return dev; }

    /** The cl_context, for tests that build their own programs on it. */
    long context() { return context; }

    /** Which GEMM kernels run. */
    ClGemm.Variant gemmVariant() { return gemm.variant; }

    // ---- memory ---------------------------------------------------------------------------------

    @Override public DeviceBuffer alloc(long n) { return allocate(n, false); }

    @Override public DeviceBuffer allocInt(long n) { return allocate(n, true); }

    private DeviceBuffer allocate(long n, boolean isInt) {
        ensureOpen("alloc");
        if (n < 0) throw new IllegalArgumentException("opencl alloc: negative length " + n);
        long bytes = 4L * Math.max(1, n);   // OpenCL has no empty buffers
        if (bytes > dev.maxAlloc()) throw outOfMemory(n, "exceeds the device's largest allocation");
        long mem;
        try (MemoryStack s = MemoryStack.stackPush()) {
            IntBuffer err = s.mallocInt(1);
            mem = clCreateBuffer(context, CL_MEM_READ_WRITE, bytes, err);
            int rc = err.get(0);
            if (rc == CL_MEM_OBJECT_ALLOCATION_FAILURE || rc == CL_OUT_OF_RESOURCES || rc == CL_OUT_OF_HOST_MEMORY
                    || rc == CL_INVALID_BUFFER_SIZE)
                throw outOfMemory(n, ClError.describe(rc));
            ClError.check(rc, "alloc", "clCreateBuffer");
        }
        ClBuffer b = new ClBuffer(this, mem, n, isInt);
        open.add(b);
        heldBytes += bytes;
        fillBytes(mem, 0, bytes, 0f, "alloc");
        return b;
    }

    private BackendException outOfMemory(long n, String why) {
        return new BackendException("opencl alloc: cannot allocate " + n + " elements ("
                + ClDevice.gib(4L * n) + "): " + why + "; device " + dev.name() + " has "
                + ClDevice.gib(dev.globalMem()) + " of global memory, at most " + ClDevice.gib(dev.maxAlloc())
                + " per buffer, and this backend holds " + ClDevice.gib(heldBytes));
    }

    /** Called by {@link ClBuffer#close()}. */
    void release(ClBuffer b) {
        if (open.remove(b)) heldBytes -= 4L * Math.max(1, b.length());
        clReleaseMemObject(b.mem());
    }

    @Override
    public void upload(float[] src, int srcOff, DeviceBuffer dst, long dstOff, int n) {
        ClBuffer d = buffer(dst, "upload", "dst", false);
        hostRange("upload", src.length, srcOff, n);
        range("upload", "dst", d, dstOff, n);
        staging.upload(src, srcOff, d.mem(), 4L * dstOff, n, "upload");
    }

    @Override
    public void uploadInt(int[] src, int srcOff, DeviceBuffer dst, long dstOff, int n) {
        ClBuffer d = buffer(dst, "uploadInt", "dst", true);
        hostRange("uploadInt", src.length, srcOff, n);
        range("uploadInt", "dst", d, dstOff, n);
        staging.upload(src, srcOff, d.mem(), 4L * dstOff, n, "uploadInt");
    }

    @Override
    public void download(DeviceBuffer src, long srcOff, float[] dst, int dstOff, int n) {
        ClBuffer s = buffer(src, "download", "src", false);
        hostRange("download", dst.length, dstOff, n);
        range("download", "src", s, srcOff, n);
        staging.download(s.mem(), 4L * srcOff, dst, dstOff, n, "download");
    }

    @Override
    public void downloadInt(DeviceBuffer src, long srcOff, int[] dst, int dstOff, int n) {
        ClBuffer s = buffer(src, "downloadInt", "src", true);
        hostRange("downloadInt", dst.length, dstOff, n);
        range("downloadInt", "src", s, srcOff, n);
        staging.download(s.mem(), 4L * srcOff, dst, dstOff, n, "downloadInt");
    }

    @Override
    public void fill(DeviceBuffer dst, long off, long n, float value) {
        ClBuffer d = buffer(dst, "fill", "dst", null);
        range("fill", "dst", d, off, n);
        if (n > 0) fillBytes(d.mem(), 4L * off, 4L * n, value, "fill");
    }

    private void fillBytes(long mem, long byteOff, long bytes, float value, String op) {
        pattern.putFloat(0, value);
        int rc = CL12.nclEnqueueFillBuffer(queue.handle, mem, MemoryUtil.memAddress(pattern), 4L, byteOff, bytes,
                0, 0L, 0L);
        ClError.check(rc, op, "clEnqueueFillBuffer");
    }

    @Override
    public void copy(DeviceBuffer src, long srcOff, DeviceBuffer dst, long dstOff, long n) {
        ClBuffer s = buffer(src, "copy", "src", null), d = buffer(dst, "copy", "dst", null);
        range("copy", "src", s, srcOff, n);
        range("copy", "dst", d, dstOff, n);
        if (s == d && srcOff < dstOff + n && dstOff < srcOff + n)
            throw new IllegalArgumentException("opencl copy: ranges [" + srcOff + ", " + (srcOff + n) + ") and ["
                    + dstOff + ", " + (dstOff + n) + ") of one buffer overlap");
        if (n == 0) return;
        int rc = clEnqueueCopyBuffer(queue.handle, s.mem(), d.mem(), 4L * srcOff, 4L * dstOff, 4L * n, null, null);
        ClError.check(rc, "copy", "clEnqueueCopyBuffer");
    }

    // ---- forward / backward ---------------------------------------------------------------------

    @Override
    public void gather(DeviceBuffer src, int cols, DeviceBuffer idx, int idxOff, int rows, DeviceBuffer dst) {
        final String op = "gather";
        ClBuffer s = buffer(src, op, "src", false), ix = buffer(idx, op, "idx", true), d = buffer(dst, op, "dst", false);
        positive(op, "cols", cols);
        int n = elements(op, rows, cols);
        range(op, "idx", ix, idxOff, rows);
        range(op, "dst", d, 0, n);
        gather.begin(op).mem(s).i(cols).l(s.length() / cols).mem(ix).l(idxOff).i(rows).mem(d);
        queue.run1d(gather, n);
    }

    @Override
    public void gatherOneHot(DeviceBuffer labels, DeviceBuffer idx, int idxOff, int rows, int classes, DeviceBuffer dst) {
        final String op = "gatherOneHot";
        ClBuffer l = buffer(labels, op, "labels", true), ix = buffer(idx, op, "idx", true), d = buffer(dst, op, "dst", false);
        int n = elements(op, rows, classes);
        range(op, "idx", ix, idxOff, rows);
        range(op, "dst", d, 0, n);
        if (n == 0) return;
        // an index outside the labels, or a label outside [0, classes), gives a row of NaN (kernels/opencl/memory.cl)
        gatherOneHot.begin(op).mem(l).l(l.length()).mem(ix).l(idxOff).i(rows).i(classes).mem(d);
        queue.run1d(gatherOneHot, n);
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     DeviceBuffer a, long aOff, int lda, DeviceBuffer b, long bOff, int ldb,
                     float beta, DeviceBuffer c, long cOff, int ldc) {
        final String op = "gemm";
        ClBuffer ca = buffer(a, op, "A", false), cb = buffer(b, op, "B", false), cc = buffer(c, op, "C", false);
        if (m < 0 || n < 0 || k < 0)
            throw new IllegalArgumentException("opencl gemm: negative size m=" + m + " n=" + n + " k=" + k);
        matrix(op, "A", ca, aOff, lda, transA ? k : m, transA ? m : k);
        matrix(op, "B", cb, bOff, ldb, transB ? n : k, transB ? k : n);
        matrix(op, "C", cc, cOff, ldc, m, n);
        if (m > 0 && n > 0) {
            if (cc == ca && k > 0 && overlaps(aOff, lda, transA ? k : m, transA ? m : k, cOff, ldc, m, n))
                throw new IllegalArgumentException("opencl gemm: C overlaps A");
            if (cc == cb && k > 0 && overlaps(bOff, ldb, transB ? n : k, transB ? k : n, cOff, ldc, m, n))
                throw new IllegalArgumentException("opencl gemm: C overlaps B");
        }
        gemm.run(transA, transB, m, n, k, alpha, ca, aOff, lda, cb, bOff, ldb, beta, cc, cOff, ldc);
    }

    @Override
    public void biasActivation(Activation act, float slope, DeviceBuffer z, DeviceBuffer bias, long biasOff,
                               DeviceBuffer a, int rows, int cols) {
        final String op = "biasActivation";
        ClBuffer cz = buffer(z, op, "Z", false), cbias = buffer(bias, op, "bias", false), ca = buffer(a, op, "A", false);
        int n = elements(op, rows, cols);
        range(op, "Z", cz, 0, n);
        range(op, "A", ca, 0, n);
        range(op, "bias", cbias, biasOff, cols);
        if (cz == ca) throw new IllegalArgumentException("opencl biasActivation: Z and A must be distinct buffers");
        if (act.rowWise()) {
            biasSoftmax.begin(op).mem(cz).mem(cbias).l(biasOff).mem(ca).i(rows).i(cols);
            queue.run1d(biasSoftmax, n == 0 ? 0 : rows);
        } else {
            biasAct.begin(op).i(act.code()).f(slope).mem(cz).mem(cbias).l(biasOff).mem(ca).i(rows).i(cols);
            queue.run1d(biasAct, n);
        }
    }

    @Override
    public void activationBackward(Activation act, float slope, DeviceBuffer z, DeviceBuffer a, DeviceBuffer dA,
                                   DeviceBuffer dZ, int rows, int cols) {
        final String op = "activationBackward";
        ClBuffer cz = buffer(z, op, "Z", false), ca = buffer(a, op, "A", false),
                cda = buffer(dA, op, "dA", false), cdz = buffer(dZ, op, "dZ", false);
        int n = elements(op, rows, cols);
        range(op, "Z", cz, 0, n);
        range(op, "A", ca, 0, n);
        range(op, "dA", cda, 0, n);
        range(op, "dZ", cdz, 0, n);
        if (act.rowWise()) {
            softmaxBackward.begin(op).mem(ca).mem(cda).mem(cdz).i(rows).i(cols);
            queue.run1d(softmaxBackward, n == 0 ? 0 : rows);
        } else {
            actBackward.begin(op).i(act.code()).f(slope).mem(cz).mem(ca).mem(cda).mem(cdz).i(n);
            queue.run1d(actBackward, n);
        }
    }

    @Override
    public void biasGrad(DeviceBuffer dZ, int rows, int cols, DeviceBuffer db, long dbOff) {
        final String op = "biasGrad";
        ClBuffer cdz = buffer(dZ, op, "dZ", false), cdb = buffer(db, op, "db", false);
        int n = elements(op, rows, cols);
        range(op, "dZ", cdz, 0, n);
        range(op, "db", cdb, dbOff, cols);
        biasGrad.begin(op).mem(cdz).i(rows).i(cols).mem(cdb).l(dbOff);
        queue.run1d(biasGrad, cols);
    }

    @Override
    public void loss(LossKind kind, DeviceBuffer z, DeviceBuffer a, DeviceBuffer target, int rows, int cols,
                     float gradScale, DeviceBuffer grad, DeviceBuffer stats) {
        final String op = "loss";
        ClBuffer cz = buffer(z, op, "Z", false), ca = buffer(a, op, "A", false),
                cy = buffer(target, op, "target", false), cs = stats(op, stats);
        int n = elements(op, rows, cols);
        range(op, "Z", cz, 0, n);
        range(op, "A", ca, 0, n);
        range(op, "target", cy, 0, n);
        ClBuffer cg = null;
        if (grad != null) {
            cg = buffer(grad, op, "grad", false);
            range(op, "grad", cg, 0, n);
        }
        if (rows == 0) return;
        positive(op, "cols", cols);
        long scratch = reduce.rowScratch(rows);
        lossRows.begin(op).i(kind.code()).mem(cz).mem(ca).mem(cy).i(rows).i(cols).f(gradScale)
                .i(cg == null ? 0 : 1).mem(cg == null ? dummy : cg.mem()).mem(scratch);
        queue.run1d(lossRows, rows);
        reduce.sum(op, scratch, 0, rows, false, cs, -1, Stats.LOSS_SUM, Stats.STEP_LOSS, Stats.ROWS, rows);
    }

    @Override
    public void countCorrect(DeviceBuffer a, DeviceBuffer target, int rows, int cols, DeviceBuffer stats) {
        final String op = "countCorrect";
        ClBuffer ca = buffer(a, op, "A", false), cy = buffer(target, op, "target", false), cs = stats(op, stats);
        int n = elements(op, rows, cols);
        range(op, "A", ca, 0, n);
        range(op, "target", cy, 0, n);
        if (rows == 0) return;
        positive(op, "cols", cols);
        long scratch = reduce.rowScratch(rows);
        correctRows.begin(op).mem(ca).mem(cy).i(rows).i(cols).mem(scratch);
        queue.run1d(correctRows, rows);
        reduce.sum(op, scratch, 0, rows, false, cs, -1, Stats.CORRECT, -1, -1, 0f);
    }

    @Override
    public void dropoutForward(DeviceBuffer x, DeviceBuffer mask, DeviceBuffer y, long n, float p, long seed,
                               long counter) {
        final String op = "dropoutForward";
        ClBuffer cx = buffer(x, op, "x", false), cm = buffer(mask, op, "mask", false), cy = buffer(y, op, "y", false);
        int len = kernelLength(op, n);
        range(op, "x", cx, 0, n);
        range(op, "mask", cm, 0, n);
        range(op, "y", cy, 0, n);
        if (!(p >= 0f && p < 1f))
            throw new IllegalArgumentException("opencl dropoutForward: p must be in [0, 1), got " + p);
        dropoutFwd.begin(op).mem(cx).mem(cm).mem(cy).i(len).f(p).l(seed).l(counter);
        queue.run1d(dropoutFwd, len);
    }

    @Override
    public void dropoutBackward(DeviceBuffer dY, DeviceBuffer mask, DeviceBuffer dX, long n) {
        final String op = "dropoutBackward";
        ClBuffer cdy = buffer(dY, op, "dY", false), cm = buffer(mask, op, "mask", false), cdx = buffer(dX, op, "dX", false);
        int len = kernelLength(op, n);
        range(op, "dY", cdy, 0, n);
        range(op, "mask", cm, 0, n);
        range(op, "dX", cdx, 0, n);
        dropoutBwd.begin(op).mem(cdy).mem(cm).mem(cdx).i(len);
        queue.run1d(dropoutBwd, len);
    }

    // ---- update ---------------------------------------------------------------------------------

    @Override
    public void sumSquares(DeviceBuffer x, long off, long n, DeviceBuffer stats, int slot) {
        final String op = "sumSquares";
        ClBuffer cx = buffer(x, op, "x", false), cs = stats(op, stats);
        int len = kernelLength(op, n);
        range(op, "x", cx, off, n);
        if (slot < 0 || slot >= cs.length())
            throw new IllegalArgumentException("opencl sumSquares: slot " + slot + " outside the stats buffer of "
                    + cs.length());
        reduce.sum(op, cx.mem(), off, len, true, cs, slot, -1, -1, -1, 0f);
    }

    /**
     * Launches {@code kiln_update_<rule>} with the uniform signature (p, g, s0, s1, s2, n, stats, max_norm,
     * clip_value, guard, h0 .. h11); state buffers the rule does not use get a 1-element dummy.
     */
    @Override
    public void update(UpdateRule rule, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer[] state, long n,
                       UpdateScalars scalars, DeviceBuffer stats) {
        final String op = "update";
        ClBuffer cp = buffer(param, op, "param", false), cg = buffer(grad, op, "grad", false), cs = stats(op, stats);
        int len = kernelLength(op, n);
        range(op, "param", cp, 0, n);
        range(op, "grad", cg, 0, n);
        int need = rule.stateCount();
        if (need > 3) throw new IllegalStateException(rule + " needs " + need + " state buffers; the kernel takes 3");
        if (state == null ? need > 0 : state.length < need)
            throw new IllegalArgumentException("opencl update: " + rule + " needs " + need + " state buffers, got "
                    + (state == null ? 0 : state.length));
        long[] mems = stateMems;
        for (int i = 0; i < 3; i++) {
            if (i < need) {
                ClBuffer sb = buffer(state[i], op, STATE_NAMES[i], false);
                range(op, STATE_NAMES[i], sb, 0, n);
                mems[i] = sb.mem();
            } else {
                mems[i] = dummy;
            }
        }
        ClKernel k = updates.kernel(rule);
        float[] h = scalars.hyper;
        k.begin(op).mem(cp).mem(cg).mem(mems[0]).mem(mems[1]).mem(mems[2]).i(len).mem(cs)
                .f(scalars.maxNorm).f(scalars.clipValue).i(scalars.skipNonFinite ? 1 : 0);
        for (int i = 0; i < UpdateScalars.HYPER; i++) k.f(h[i]);
        queue.run1d(k, Math.max(1, len));
    }

    // ---- control --------------------------------------------------------------------------------

    @Override
    public void synchronize() {
        ensureOpen("synchronize");
        queue.finish("synchronize");
        staging.retireAll("synchronize");
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        clFinish(queue.handle);
        staging.release();
        for (ClBuffer b : new ArrayList<>(open)) b.close();
        open.clear();
        clReleaseMemObject(dummy);
        for (ClKernel k : List.of(gather, gatherOneHot, biasAct, biasSoftmax, actBackward, softmaxBackward, biasGrad, lossRows,
                correctRows, dropoutFwd, dropoutBwd)) k.release();
        gemm.release();
        reduce.release();
        updates.release();
        program.release();
        queue.release();
        clReleaseContext(context);
        MemoryUtil.memFree(pattern);
    }

    // ---- argument checks ------------------------------------------------------------------------

    private void ensureOpen(String op) {
        if (closed) throw new BackendException("opencl " + op + ": the backend is closed");
    }

    /** The ClBuffer behind {@code b}; {@code wantInt} null accepts either element type. */
    private ClBuffer buffer(DeviceBuffer b, String op, String arg, Boolean wantInt) {
        ensureOpen(op);
        ClBuffer cb = ClBuffer.of(this, b, op, arg);
        if (wantInt != null && cb.isInt() != wantInt)
            throw new IllegalArgumentException("opencl " + op + ": buffer " + arg + " holds "
                    + (cb.isInt() ? "ints" : "floats") + ", expected " + (wantInt ? "ints" : "floats"));
        return cb;
    }

    private ClBuffer stats(String op, DeviceBuffer stats) {
        ClBuffer cs = buffer(stats, op, "stats", false);
        if (cs.length() < Stats.SIZE)
            throw new IllegalArgumentException("opencl " + op + ": stats buffer has " + cs.length()
                    + " elements, needs " + Stats.SIZE);
        return cs;
    }

    private static void range(String op, String arg, ClBuffer b, long off, long n) {
        if (off < 0 || n < 0 || off + n > b.length())
            throw new IllegalArgumentException("opencl " + op + ": range [" + off + ", " + (off + n) + ") of " + arg
                    + " is outside its " + b.length() + " elements");
    }

    private static void hostRange(String op, int length, int off, int n) {
        if (off < 0 || n < 0 || (long) off + n > length)
            throw new IllegalArgumentException("opencl " + op + ": host range [" + off + ", " + ((long) off + n)
                    + ") is outside the array of " + length);
    }

    private static void positive(String op, String what, int v) {
        if (v <= 0) throw new IllegalArgumentException("opencl " + op + ": " + what + " must be > 0, got " + v);
    }

    /** rows * cols as an int (kernel indices are 32-bit). */
    private static int elements(String op, int rows, int cols) {
        if (rows < 0 || cols < 0)
            throw new IllegalArgumentException("opencl " + op + ": negative shape " + rows + " x " + cols);
        long n = (long) rows * cols;
        if (n > Integer.MAX_VALUE)
            throw new IllegalArgumentException("opencl " + op + ": " + rows + " x " + cols + " exceeds 2^31 elements");
        return (int) n;
    }

    private static int kernelLength(String op, long n) {
        if (n < 0 || n > Integer.MAX_VALUE)
            throw new IllegalArgumentException("opencl " + op + ": length " + n + " outside [0, 2^31)");
        return (int) n;
    }

    /** A stored rows x cols matrix at off with row stride ld lies inside b. */
    private static void matrix(String op, String arg, ClBuffer b, long off, int ld, int rows, int cols) {
        if (ld < Math.max(1, cols))
            throw new IllegalArgumentException("opencl " + op + ": ld" + arg.toLowerCase() + " = " + ld + " < "
                    + Math.max(1, cols) + " columns of " + arg);
        if (off < 0) throw new IllegalArgumentException("opencl " + op + ": negative offset of " + arg);
        if (rows == 0 || cols == 0) return;
        long end = off + (long) (rows - 1) * ld + cols;
        if (end > b.length())
            throw new IllegalArgumentException("opencl " + op + ": " + arg + " (" + rows + " x " + cols + ", ld " + ld
                    + ", offset " + off + ") needs " + end + " elements, buffer has " + b.length());
    }

    /** Whether the element spans of two stored matrices intersect (conservative: extents, not strides). */
    private static boolean overlaps(long off1, int ld1, int rows1, int cols1, long off2, int ld2, int rows2, int cols2) {
        if (rows1 == 0 || cols1 == 0) return false;
        long end1 = off1 + (long) (rows1 - 1) * ld1 + cols1, end2 = off2 + (long) (rows2 - 1) * ld2 + cols2;
        return off1 < end2 && off2 < end1;
    }
}
