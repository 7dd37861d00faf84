package dev.kiln.backend.cuda;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import dev.kiln.backend.Activation;
import dev.kiln.backend.Backend;
import dev.kiln.backend.BackendException;
import dev.kiln.backend.DeviceBuffer;
import dev.kiln.backend.LossKind;
import dev.kiln.backend.Stats;
import dev.kiln.backend.UpdateRule;
import dev.kiln.backend.UpdateScalars;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

/**
 * The CUDA backend: JCuda's driver API only ({@code libcuda.so.1}), Kiln's kernels from the jar's fatbin,
 * GEMM through cuBLAS when {@code libcublas.so.12} loads and through Kiln's SGEMM otherwise.
 *
 * <p>Everything runs on the legacy default stream of the device's primary context, so operations execute
 * in the order they are issued and only {@link #download}, {@link #downloadInt} and {@link #synchronize}
 * wait. Inside the step loop nothing allocates device or host memory and nothing synchronises: kernels
 * take base addresses and element offsets as plain arguments through argument slots built once
 * ({@link Kernel}), scalars such as the learning rate arrive as float arguments, and reductions use one
 * scratch buffer allocated when the backend opens. Every CUresult is checked and a failure names the op
 * and the kernel ({@link CudaCheck}); with {@code -Dkiln.cuda.sync=true} each launch is followed by a
 * synchronisation, so an asynchronous fault is pinned on the kernel that caused it.
 *
 * <p>Arguments are checked on the host before a launch (sizes, offsets, leading dimensions), because an
 * out-of-bounds kernel would leave the whole context unusable. Not thread-safe; the context is made
 * current on whichever thread calls.
 *
 * <p>Properties: {@code kiln.cuda.gemm} = {@code auto} (default: cuBLAS if it loads), {@code cublas} or
 * {@code kiln}; {@code kiln.cuda.sync} = {@code true} to synchronise after every launch.
 */
public final class CudaBackend implements Backend {
    /** How GEMM runs: cuBLAS if it loads (auto), cuBLAS or fail (cublas), or Kiln's SGEMM (kiln). */
    public enum GemmChoice {
        /** cuBLAS if it loads, else Kiln's SGEMM (the default). */
        AUTO,
        /** cuBLAS; opening the backend fails when it does not load. */
        CUBLAS,
        /** Kiln's own SGEMM kernels; cuBLAS is not tried. */
        KILN;

        /** Parses "auto", "cublas" or "kiln" (e.g. the value of -Dkiln.cuda.gemm). */
        public static GemmChoice parse(String text) {
            String t = text == null ? "auto" : text.trim().toLowerCase(Locale.ROOT);
            return switch (t) {
                case "", "auto" -> AUTO;
                case "cublas" -> CUBLAS;
                case "kiln" -> KILN;
                default -> throw new IllegalArgumentException("kiln.cuda.gemm: '" + text + "' is not one of auto, cublas, kiln");
            };
        }
    }

    private final CudaProbe.Device device;
    private final int driverVersion;
    private final CUdevice cuDevice = new CUdevice();
    private final CUcontext context = new CUcontext();
    private final boolean sync;
    private final CudaModule module;
    private final CudaKernels k;
    private final KilnGemm kilnGemm;
    private final Gemm gemm;
    private final CudaBuffer partials;
    /** Read by update kernels when the caller passes no stats buffer (no clipping, no guard): all zero. */
    private final CudaBuffer zeroStats;
    private final Set<CudaBuffer> open = Collections.newSetFromMap(new IdentityHashMap<>());
    private final String gemmNote;
    private Thread boundThread;
    private boolean closed;

    /**
     * Opens the backend on a device that the probe found usable. Retains the device's primary context,
     * loads the fatbin, looks every kernel up and picks the GEMM.
     */
    CudaBackend(CudaProbe.Device device, int driverVersion, GemmChoice gemmChoice) {
        this.device = device;
        this.driverVersion = driverVersion;
        this.sync = Boolean.getBoolean("kiln.cuda.sync");
        CudaCheck.check(JCudaDriver.cuDeviceGet(cuDevice, device.ordinal()), "cuDeviceGet(" + device.ordinal() + ")");
        CudaCheck.check(JCudaDriver.cuDevicePrimaryCtxRetain(context, cuDevice), "cuDevicePrimaryCtxRetain");
        CudaModule m = null;
        CublasGemm cublas = null;
        try {
            bind();
            m = new CudaModule();
            CudaKernels kernels = new CudaKernels(m.module);
            KilnGemm own = new KilnGemm(kernels, sync);
            Gemm chosen = own;
            String note = null;
            if (gemmChoice == GemmChoice.KILN) {
                note = "chosen by kiln.cuda.gemm=kiln";
            } else {
                CublasGemm.Attempt attempt = CublasGemm.open(sync);
                cublas = attempt.gemm();
                if (cublas != null) chosen = cublas;
                else if (gemmChoice == GemmChoice.CUBLAS)
                    throw new BackendException("cuda: kiln.cuda.gemm=cublas but cuBLAS is unavailable: " + attempt.cause());
                else note = "cuBLAS not used: " + attempt.cause();
            }
            module = m;
            k = kernels;
            kilnGemm = own;
            gemm = chosen;
            gemmNote = note;
            partials = allocate(CudaKernels.MAX_PARTIALS, false, "reduction scratch");
            zeroStats = allocate(Stats.SIZE, false, "zero stats");
        } catch (RuntimeException e) {
            if (cublas != null) cublas.close();
            if (m != null) try { m.close(); } catch (RuntimeException ignored) { /* already failing */ }
            JCudaDriver.cuDevicePrimaryCtxRelease(cuDevice);
            throw e;
        }
    }

    // ---- identity -------------------------------------------------------------------------------

    @Override public String name() { return "cuda"; }

    @Override public String device() { return device.describe(); }

    @Override
    public Map<String, String> provenance() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("backend", "cuda");
        p.put("device", device.describe());
        p.put("compute_capability", "sm_" + device.major() + device.minor());
        p.put("driver", CudaProbe.cudaVersion(driverVersion));
        p.put("gemm", gemmDescription());
        p.put("kernels", "kiln.fatbin sha256 " + module.sha256);
        p.put("binding", "JCuda 12.6.0 (driver API)");
        p.put("sync_after_launch", Boolean.toString(sync));
        return p;
    }

    /** Which GEMM runs (also in {@link #provenance()}). */
    public String gemmDescription() { return gemm.describe() + (gemmNote == null ? "" : " (" + gemmNote + ")"); }

    // ---- memory ---------------------------------------------------------------------------------

    @Override public DeviceBuffer alloc(long n) { return allocate(n, false, "alloc"); }

    @Override public DeviceBuffer allocInt(long n) { return allocate(n, true, "allocInt"); }

    private CudaBuffer allocate(long n, boolean isInt, String op) {
        if (n < 0) throw new BackendException("cuda: " + op + ": negative size " + n);
        bind();
        DevicePointer ptr = new DevicePointer();
        if (n > 0) {
            long bytes = n * 4;
            int rc = JCudaDriver.cuMemAlloc(ptr, bytes);
            if (rc == CUresult.CUDA_ERROR_OUT_OF_MEMORY) {
                long[] free = {0}, total = {0};
                JCudaDriver.cuMemGetInfo(free, total);
                throw new BackendException(String.format(Locale.ROOT,
                        "cuda: %s of %d %s (%.1f MiB) failed: out of memory; the device has %.1f MiB free of %.1f MiB",
                        op, n, isInt ? "ints" : "floats", bytes / 1048576.0, free[0] / 1048576.0, total[0] / 1048576.0));
            }
            CudaCheck.check(rc, op + " of " + n + " elements");
            rc = JCudaDriver.cuMemsetD32(ptr, 0, n);
            if (rc != CUresult.CUDA_SUCCESS) {
                JCudaDriver.cuMemFree(ptr);
                CudaCheck.check(rc, op + ": zeroing");
            }
        }
        CudaBuffer b = new CudaBuffer(this, ptr, n, isInt);
        open.add(b);
        return b;
    }

    /** Called by {@link CudaBuffer#close()}. */
    void free(CudaBuffer buffer, DevicePointer ptr) {
        if (!open.remove(buffer) || closed) return;
        if (buffer.length() > 0) {
            bind();
            CudaCheck.check(JCudaDriver.cuMemFree(ptr), "free of " + buffer.length() + " elements");
        }
    }

    @Override
    public void upload(float[] src, int srcOff, DeviceBuffer dst, long dstOff, int n) {
        CudaBuffer d = floats(dst, "upload", "dst");
        hostRange(src.length, srcOff, n, "upload");
        require(d, dstOff, n, "upload", "dst");
        if (n == 0) return;
        bind();
        CudaCheck.check(JCudaDriver.cuMemcpyHtoD(d.pointer().withByteOffset(dstOff * 4), Pointer.to(src).withByteOffset(srcOff * 4L), n * 4L),
                "upload of " + n + " floats");
    }

    @Override
    public void uploadInt(int[] src, int srcOff, DeviceBuffer dst, long dstOff, int n) {
        CudaBuffer d = ints(dst, "uploadInt", "dst");
        hostRange(src.length, srcOff, n, "uploadInt");
        require(d, dstOff, n, "uploadInt", "dst");
        if (n == 0) return;
        bind();
        CudaCheck.check(JCudaDriver.cuMemcpyHtoD(d.pointer().withByteOffset(dstOff * 4), Pointer.to(src).withByteOffset(srcOff * 4L), n * 4L),
                "uploadInt of " + n + " ints");
    }

    @Override
    public void download(DeviceBuffer src, long srcOff, float[] dst, int dstOff, int n) {
        CudaBuffer s = floats(src, "download", "src");
        hostRange(dst.length, dstOff, n, "download");
        require(s, srcOff, n, "download", "src");
        if (n == 0) return;
        bind();
        // synchronous on the legacy default stream: waits for every kernel issued before it
        CudaCheck.check(JCudaDriver.cuMemcpyDtoH(Pointer.to(dst).withByteOffset(dstOff * 4L), s.pointer().withByteOffset(srcOff * 4), n * 4L),
                "download of " + n + " floats (or an earlier asynchronous kernel failed)");
    }

    @Override
    public void downloadInt(DeviceBuffer src, long srcOff, int[] dst, int dstOff, int n) {
        CudaBuffer s = ints(src, "downloadInt", "src");
        hostRange(dst.length, dstOff, n, "downloadInt");
        require(s, srcOff, n, "downloadInt", "src");
        if (n == 0) return;
        bind();
        CudaCheck.check(JCudaDriver.cuMemcpyDtoH(Pointer.to(dst).withByteOffset(dstOff * 4L), s.pointer().withByteOffset(srcOff * 4), n * 4L),
                "downloadInt of " + n + " ints (or an earlier asynchronous kernel failed)");
    }

    @Override
    public void fill(DeviceBuffer dst, long off, long n, float value) {
        CudaBuffer d = buffer(dst, "fill", "dst");
        require(d, off, n, "fill", "dst");
        if (n == 0) return;
        bind();
        k.fill.ptr(0, d).i64(1, off).i64(2, n).f32(3, value).launch(CudaKernels.grid(n), 1, CudaKernels.BLOCK, sync);
    }

    @Override
    public void copy(DeviceBuffer src, long srcOff, DeviceBuffer dst, long dstOff, long n) {
        CudaBuffer s = buffer(src, "copy", "src"), d = buffer(dst, "copy", "dst");
        require(s, srcOff, n, "copy", "src");
        require(d, dstOff, n, "copy", "dst");
        if (n == 0) return;
        if (s == d && srcOff < dstOff + n && dstOff < srcOff + n)
            throw new BackendException("cuda: copy: overlapping ranges [" + srcOff + ", +" + n + ") and [" + dstOff + ", +" + n + ")");
        bind();
        CudaCheck.check(JCudaDriver.cuMemcpyDtoDAsync(at(d, dstOff), at(s, srcOff), n * 4, null), "copy of " + n + " elements");
        if (sync) CudaCheck.check(JCudaDriver.cuCtxSynchronize(), "synchronize after copy (-Dkiln.cuda.sync=true)");
    }

    private static jcuda.driver.CUdeviceptr at(CudaBuffer b, long off) {
        return off == 0 ? b.pointer() : b.pointer().withByteOffset(off * 4);
    }

    // ---- forward / backward ---------------------------------------------------------------------

    @Override
    public void gather(DeviceBuffer src, int cols, DeviceBuffer idx, int idxOff, int rows, DeviceBuffer dst) {
        CudaBuffer s = floats(src, "gather", "src"), i = ints(idx, "gather", "idx"), d = floats(dst, "gather", "dst");
        nonNegative("gather", rows, cols);
        require(i, idxOff, rows, "gather", "idx");
        require(d, 0, (long) rows * cols, "gather", "dst");
        if ((long) rows * cols == 0) return;
        bind();
        // an index outside the source rows gives a row of NaN on the device (kernels/cuda/memory.cu)
        k.gather.ptr(0, s).i32(1, cols).i64(2, s.length() / cols).ptr(3, i).i32(4, idxOff).i32(5, rows).ptr(6, d)
                .launch(CudaKernels.grid((long) rows * cols), 1, CudaKernels.BLOCK, sync);
    }

    @Override
    public void gatherOneHot(DeviceBuffer labels, DeviceBuffer idx, int idxOff, int rows, int classes, DeviceBuffer dst) {
        CudaBuffer l = ints(labels, "gatherOneHot", "labels"), i = ints(idx, "gatherOneHot", "idx"),
                d = floats(dst, "gatherOneHot", "dst");
        nonNegative("gatherOneHot", rows, classes);
        require(i, idxOff, rows, "gatherOneHot", "idx");
        require(d, 0, (long) rows * classes, "gatherOneHot", "dst");
        if ((long) rows * classes == 0) return;
        bind();
        // an index outside the labels, or a label outside [0, classes), gives a row of NaN on the device
        // (kernels/cuda/memory.cu)
        k.gatherOneHot.ptr(0, l).i64(1, l.length()).ptr(2, i).i32(3, idxOff).i32(4, rows).i32(5, classes).ptr(6, d)
                .launch(CudaKernels.grid((long) rows * classes), 1, CudaKernels.BLOCK, sync);
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int kk, float alpha,
                     DeviceBuffer a, long aOff, int lda, DeviceBuffer b, long bOff, int ldb,
                     float beta, DeviceBuffer c, long cOff, int ldc) {
        CudaBuffer ab = floats(a, "gemm", "A"), bb = floats(b, "gemm", "B"), cb = floats(c, "gemm", "C");
        nonNegative("gemm", m, n, kk);
        matrix(ab, aOff, transA ? kk : m, transA ? m : kk, lda, "A");
        matrix(bb, bOff, transB ? n : kk, transB ? kk : n, ldb, "B");
        matrix(cb, cOff, m, n, ldc, "C");
        if (m == 0 || n == 0) return;
        if (overlaps(cb, cOff, m, n, ldc, ab, aOff, transA ? kk : m, transA ? m : kk, lda)
                || overlaps(cb, cOff, m, n, ldc, bb, bOff, transB ? n : kk, transB ? kk : n, ldb))
            throw new BackendException("cuda: gemm: C overlaps A or B in the same buffer");
        bind();
        // k = 0: C = beta C; cuBLAS rejects the leading dimensions of empty operands, Kiln's kernel does not
        (kk == 0 ? kilnGemm : gemm).gemm(transA, transB, m, n, kk, alpha, ab, aOff, lda, bb, bOff, ldb, beta, cb, cOff, ldc);
    }

    @Override
    public void biasActivation(Activation act, float slope, DeviceBuffer z, DeviceBuffer bias, long biasOff,
                               DeviceBuffer a, int rows, int cols) {
        CudaBuffer zb = floats(z, "biasActivation", "Z"), bb = floats(bias, "biasActivation", "bias"), ab = floats(a, "biasActivation", "A");
        nonNegative("biasActivation", rows, cols);
        long total = (long) rows * cols;
        require(zb, 0, total, "biasActivation", "Z");
        require(ab, 0, total, "biasActivation", "A");
        require(bb, biasOff, cols, "biasActivation", "bias");
        if (zb == ab) throw new BackendException("cuda: biasActivation: A and Z must be distinct buffers");
        if (total == 0) return;
        bind();
        if (act.rowWise()) {
            k.biasSoftmax.ptr(0, zb).ptr(1, bb).i64(2, biasOff).ptr(3, ab).i32(4, rows).i32(5, cols)
                    .launch(CudaKernels.grid(rows), 1, CudaKernels.BLOCK, sync);
        } else {
            k.biasActivation.i32(0, act.code()).f32(1, slope).ptr(2, zb).ptr(3, bb).i64(4, biasOff).ptr(5, ab)
                    .i32(6, rows).i32(7, cols).launch(CudaKernels.grid(total), 1, CudaKernels.BLOCK, sync);
        }
    }

    @Override
    public void activationBackward(Activation act, float slope, DeviceBuffer z, DeviceBuffer a, DeviceBuffer dA,
                                   DeviceBuffer dZ, int rows, int cols) {
        CudaBuffer zb = floats(z, "activationBackward", "Z"), ab = floats(a, "activationBackward", "A");
        CudaBuffer dab = floats(dA, "activationBackward", "dA"), dzb = floats(dZ, "activationBackward", "dZ");
        nonNegative("activationBackward", rows, cols);
        long total = (long) rows * cols;
        require(zb, 0, total, "activationBackward", "Z");
        require(ab, 0, total, "activationBackward", "A");
        require(dab, 0, total, "activationBackward", "dA");
        require(dzb, 0, total, "activationBackward", "dZ");
        if (total == 0) return;
        bind();
        if (act.rowWise()) {
            k.softmaxBackward.ptr(0, ab).ptr(1, dab).ptr(2, dzb).i32(3, rows).i32(4, cols)
                    .launch(CudaKernels.grid(rows), 1, CudaKernels.BLOCK, sync);
        } else {
            k.activationBackward.i32(0, act.code()).f32(1, slope).ptr(2, zb).ptr(3, ab).ptr(4, dab).ptr(5, dzb)
                    .i32(6, rows).i32(7, cols).launch(CudaKernels.grid(total), 1, CudaKernels.BLOCK, sync);
        }
    }

    @Override
    public void biasGrad(DeviceBuffer dZ, int rows, int cols, DeviceBuffer db, long dbOff) {
        CudaBuffer dzb = floats(dZ, "biasGrad", "dZ"), dbb = floats(db, "biasGrad", "db");
        nonNegative("biasGrad", rows, cols);
        require(dzb, 0, (long) rows * cols, "biasGrad", "dZ");
        require(dbb, dbOff, cols, "biasGrad", "db");
        if (cols == 0) return;
        bind();
        k.biasGrad.ptr(0, dzb).i32(1, rows).i32(2, cols).ptr(3, dbb).i64(4, dbOff)
                .launch(CudaKernels.grid(cols), 1, CudaKernels.BLOCK, sync);
    }

    /**
     * {@inheritDoc}
     * <p>The fused kinds read only Z (their gradient is recomputed from the logits); MSE reads only A. The
     * operand a kind does not read may be null.
     */
    @Override
    public void loss(LossKind kind, DeviceBuffer z, DeviceBuffer a, DeviceBuffer target, int rows, int cols,
                     float gradScale, DeviceBuffer grad, DeviceBuffer stats) {
        boolean readsZ = kind.fusedWithActivation(), readsA = !readsZ;
        CudaBuffer zb = readsZ || z != null ? floats(z, "loss", "Z") : null;
        CudaBuffer ab = readsA || a != null ? floats(a, "loss", "A") : null;
        CudaBuffer yb = floats(target, "loss", "target");
        CudaBuffer gb = grad == null ? null : floats(grad, "loss", "grad"), sb = stats(stats, "loss");
        nonNegative("loss", rows, cols);
        if (cols == 0 && rows > 0) throw new BackendException("cuda: loss: cols = 0");
        long total = (long) rows * cols;
        if (readsZ) require(zb, 0, total, "loss", "Z");
        if (readsA) require(ab, 0, total, "loss", "A");
        require(yb, 0, total, "loss", "target");
        if (gb != null) require(gb, 0, total, "loss", "grad");
        bind();
        int blocks = CudaKernels.reductionGrid(rows);
        k.loss.i32(0, kind.code()).ptr(1, zb).ptr(2, ab).ptr(3, yb).i32(4, rows).i32(5, cols).f32(6, gradScale)
                .ptr(7, gb).ptr(8, partials).launch(blocks, 1, CudaKernels.BLOCK, sync);
        finish(blocks, sb, true, Stats.LOSS_SUM, Stats.STEP_LOSS, Stats.ROWS, rows);
    }

    @Override
    public void countCorrect(DeviceBuffer a, DeviceBuffer target, int rows, int cols, DeviceBuffer stats) {
        CudaBuffer ab = floats(a, "countCorrect", "A"), yb = floats(target, "countCorrect", "target"), sb = stats(stats, "countCorrect");
        nonNegative("countCorrect", rows, cols);
        require(ab, 0, (long) rows * cols, "countCorrect", "A");
        require(yb, 0, (long) rows * cols, "countCorrect", "target");
        if (cols == 0) return;
        bind();
        int blocks = CudaKernels.reductionGrid(rows);
        k.countCorrect.ptr(0, ab).ptr(1, yb).i32(2, rows).i32(3, cols).ptr(4, partials).launch(blocks, 1, CudaKernels.BLOCK, sync);
        finish(blocks, sb, true, Stats.CORRECT, -1, -1, 0f);
    }

    @Override
    public void dropoutForward(DeviceBuffer x, DeviceBuffer mask, DeviceBuffer y, long n, float p, long seed, long counter) {
        CudaBuffer xb = floats(x, "dropoutForward", "x"), mb = floats(mask, "dropoutForward", "mask"), yb = floats(y, "dropoutForward", "y");
        require(xb, 0, n, "dropoutForward", "x");
        require(mb, 0, n, "dropoutForward", "mask");
        require(yb, 0, n, "dropoutForward", "y");
        if (!(p >= 0f && p < 1f)) throw new BackendException("cuda: dropoutForward: p = " + p + " is outside [0, 1)");
        if (n == 0) return;
        bind();
        k.dropoutForward.ptr(0, xb).ptr(1, mb).ptr(2, yb).i64(3, n).f32(4, p).i64(5, seed).i64(6, counter)
                .launch(CudaKernels.grid(n), 1, CudaKernels.BLOCK, sync);
    }

    @Override
    public void dropoutBackward(DeviceBuffer dY, DeviceBuffer mask, DeviceBuffer dX, long n) {
        CudaBuffer dyb = floats(dY, "dropoutBackward", "dY"), mb = floats(mask, "dropoutBackward", "mask"), dxb = floats(dX, "dropoutBackward", "dX");
        require(dyb, 0, n, "dropoutBackward", "dY");
        require(mb, 0, n, "dropoutBackward", "mask");
        require(dxb, 0, n, "dropoutBackward", "dX");
        if (n == 0) return;
        bind();
        k.dropoutBackward.ptr(0, dyb).ptr(1, mb).ptr(2, dxb).i64(3, n).launch(CudaKernels.grid(n), 1, CudaKernels.BLOCK, sync);
    }

    // ---- update ---------------------------------------------------------------------------------

    @Override
    public void sumSquares(DeviceBuffer x, long off, long n, DeviceBuffer stats, int slot) {
        CudaBuffer xb = floats(x, "sumSquares", "x"), sb = stats(stats, "sumSquares");
        require(xb, off, n, "sumSquares", "x");
        if (slot < 0 || slot >= sb.length()) throw new BackendException("cuda: sumSquares: slot " + slot + " outside the stats buffer of " + sb.length());
        bind();
        int blocks = CudaKernels.reductionGrid(n);
        k.sumSquares.ptr(0, xb).i64(1, off).i64(2, n).ptr(3, partials).launch(blocks, 1, CudaKernels.BLOCK, sync);
        finish(blocks, sb, false, slot, -1, -1, 0f);
    }

    /**
     * {@inheritDoc}
     * <p>stats may be null only when neither norm clipping nor the guard is asked for; the kernel then reads
     * a zeroed stats buffer of the backend's own.
     */
    @Override
    public void update(UpdateRule rule, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer[] state, long n,
                       UpdateScalars scalars, DeviceBuffer stats) {
        String op = "update " + rule.name().toLowerCase(Locale.ROOT);
        CudaBuffer pb = floats(param, op, "param"), gb = floats(grad, op, "grad");
        if (stats == null && (scalars.maxNorm > 0f || scalars.skipNonFinite))
            throw new BackendException("cuda: " + op + ": norm clipping and the finite guard need the stats buffer");
        CudaBuffer sb = stats == null ? zeroStats : stats(stats, op);
        if (n > Integer.MAX_VALUE) throw new BackendException("cuda: " + op + ": n = " + n + " exceeds the kernels' int range");
        require(pb, 0, n, op, "param");
        require(gb, 0, n, op, "grad");
        if (state == null || state.length < rule.stateCount())
            throw new BackendException("cuda: " + op + ": needs " + rule.stateCount() + " state buffers, got "
                    + (state == null ? "null" : Integer.toString(state.length)));
        CudaBuffer[] s = new CudaBuffer[3];      // unused slots stay null: the kernel never reads them
        for (int i = 0; i < rule.stateCount(); i++) {
            s[i] = floats(state[i], op, "state" + i);
            require(s[i], 0, n, op, "state" + i);
        }
        if (n == 0) return;
        bind();
        Kernel kernel = k.update.get(rule);
        kernel.ptr(0, pb).ptr(1, gb).ptr(2, s[0]).ptr(3, s[1]).ptr(4, s[2]).i32(5, (int) n).ptr(6, sb)
                .f32(7, scalars.maxNorm).f32(8, scalars.clipValue).i32(9, scalars.skipNonFinite ? 1 : 0);
        for (int h = 0; h < UpdateScalars.HYPER; h++) kernel.f32(10 + h, scalars.hyper[h]);
        // one thread per element, no grid-stride loop in kernels/cuda/optim.cu: ceil(n / BLOCK) blocks
        kernel.launch((int) ((n + CudaKernels.BLOCK - 1) / CudaKernels.BLOCK), 1, CudaKernels.BLOCK, sync);
    }

    /** Pass 2 of a reduction: adds the {@code blocks} partials into the stats buffer (kiln_reduce_finish). */
    private void finish(int blocks, CudaBuffer stats, boolean accumulate, int slotA, int slotB, int slotC, float addC) {
        k.reduceFinish.ptr(0, partials).i32(1, blocks).ptr(2, stats).i32(3, accumulate ? 1 : 0)
                .i32(4, slotA).i32(5, slotB).i32(6, slotC).f32(7, addC).launch(1, 1, CudaKernels.BLOCK, sync);
    }

    // ---- control --------------------------------------------------------------------------------

    @Override
    public void synchronize() {
        ensureOpen();
        bind();
        CudaCheck.check(JCudaDriver.cuCtxSynchronize(), "synchronize");
    }

    @Override
    public void close() {
        if (closed) return;
        try {
            bind();
            for (CudaBuffer b : open.toArray(new CudaBuffer[0])) b.close();
            if (gemm != kilnGemm) gemm.close();
            module.close();
        } finally {
            closed = true;
            JCudaDriver.cuDevicePrimaryCtxRelease(cuDevice);
        }
    }

    // ---- checks ---------------------------------------------------------------------------------

    /** Makes the context current on the calling thread (a no-op on the thread that used it last). */
    private void bind() {
        ensureOpen();
        Thread t = Thread.currentThread();
        if (t != boundThread) {
            CudaCheck.check(JCudaDriver.cuCtxSetCurrent(context), "cuCtxSetCurrent");
            boundThread = t;
        }
    }

    private void ensureOpen() {
        if (closed) throw new BackendException("cuda: the backend is closed");
    }

    private CudaBuffer buffer(DeviceBuffer b, String op, String what) {
        if (!(b instanceof CudaBuffer cb) || cb.owner() != this)
            throw new BackendException("cuda: " + op + ": " + what + " is not a buffer of this CUDA backend (" + b + ")");
        if (cb.isClosed()) throw new BackendException("cuda: " + op + ": " + what + " is closed");
        return cb;
    }

    private CudaBuffer floats(DeviceBuffer b, String op, String what) {
        CudaBuffer cb = buffer(b, op, what);
        if (cb.isInt()) throw new BackendException("cuda: " + op + ": " + what + " must be a float buffer, got an int buffer");
        return cb;
    }

    private CudaBuffer ints(DeviceBuffer b, String op, String what) {
        CudaBuffer cb = buffer(b, op, what);
        if (!cb.isInt()) throw new BackendException("cuda: " + op + ": " + what + " must be an int buffer, got a float buffer");
        return cb;
    }

    private CudaBuffer stats(DeviceBuffer b, String op) {
        CudaBuffer cb = floats(b, op, "stats");
        if (cb.length() < Stats.SIZE) throw new BackendException("cuda: " + op + ": stats has " + cb.length() + " elements, needs " + Stats.SIZE);
        return cb;
    }

    private static void require(CudaBuffer b, long off, long count, String op, String what) {
        if (off < 0 || count < 0 || off + count > b.length())
            throw new BackendException("cuda: " + op + ": " + what + " needs elements [" + off + ", " + (off + count)
                    + ") but has " + b.length());
    }

    private static void hostRange(int length, int off, int n, String op) {
        if (off < 0 || n < 0 || (long) off + n > length)
            throw new BackendException("cuda: " + op + ": host array range [" + off + ", " + ((long) off + n) + ") outside its length " + length);
    }

    private static void nonNegative(String op, int... sizes) {
        for (int s : sizes) if (s < 0) throw new BackendException("cuda: " + op + ": negative size " + s);
    }

    /** Whether two stored matrices share elements of one buffer (by their spans; conservative). */
    private static boolean overlaps(CudaBuffer c, long cOff, int cRows, int cCols, int ldc,
                                    CudaBuffer x, long xOff, int xRows, int xCols, int ldx) {
        if (c != x || xRows == 0 || xCols == 0) return false;
        long cEnd = cOff + (long) (cRows - 1) * ldc + cCols, xEnd = xOff + (long) (xRows - 1) * ldx + xCols;
        return cOff < xEnd && xOff < cEnd;
    }

    /** A stored matrix of rows x cols with row stride ld starting at off must fit in the buffer. */
    private static void matrix(CudaBuffer b, long off, int rows, int cols, int ld, String what) {
        if (rows == 0 || cols == 0) {
            if (off < 0 || off > b.length()) throw new BackendException("cuda: gemm: " + what + " offset " + off + " outside length " + b.length());
            return;
        }
        if (ld < cols) throw new BackendException("cuda: gemm: ld" + what.toLowerCase(Locale.ROOT) + " = " + ld + " < " + cols + " columns of " + what);
        require(b, off, (long) (rows - 1) * ld + cols, "gemm", what + " (" + rows + " x " + cols + ", ld " + ld + ")");
    }
}
