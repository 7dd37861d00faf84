package dev.kiln.train.checkpoint;

import dev.kiln.backend.Activation;
import dev.kiln.backend.Backend;
import dev.kiln.backend.BackendException;
import dev.kiln.backend.DeviceBuffer;
import dev.kiln.backend.LossKind;
import dev.kiln.backend.UpdateRule;
import dev.kiln.backend.UpdateScalars;
import java.util.Map;

/**
 * A backend that passes every op to another and fails like a lost device at one optimizer step: the
 * {@code failAt}-th call of {@link #update} (0-based) and every op after it throw {@link BackendException}.
 */
final class FaultyBackend implements Backend {
    private final Backend d;
    private final long failAt;
    private long updates;
    private boolean lost;

    FaultyBackend(Backend delegate, long failAt) {
        this.d = delegate;
        this.failAt = failAt;
    }

    private void check(String op) {
        if (lost) throw new BackendException(op + ": CL_DEVICE_NOT_AVAILABLE (device lost)");
    }

    @Override public String name() { return d.name(); }
    @Override public String device() { return d.device(); }
    @Override public Map<String, String> provenance() { return d.provenance(); }
    @Override public DeviceBuffer alloc(long n) { check("alloc"); return d.alloc(n); }
    @Override public DeviceBuffer allocInt(long n) { check("allocInt"); return d.allocInt(n); }
    @Override public void upload(float[] s, int so, DeviceBuffer t, long to, int n) { check("upload"); d.upload(s, so, t, to, n); }
    @Override public void uploadInt(int[] s, int so, DeviceBuffer t, long to, int n) { check("uploadInt"); d.uploadInt(s, so, t, to, n); }
    @Override public void download(DeviceBuffer s, long so, float[] t, int to, int n) { check("download"); d.download(s, so, t, to, n); }
    @Override public void downloadInt(DeviceBuffer s, long so, int[] t, int to, int n) { check("downloadInt"); d.downloadInt(s, so, t, to, n); }
    @Override public void fill(DeviceBuffer t, long off, long n, float v) { check("fill"); d.fill(t, off, n, v); }
    @Override public void copy(DeviceBuffer s, long so, DeviceBuffer t, long to, long n) { check("copy"); d.copy(s, so, t, to, n); }

    @Override
    public void gather(DeviceBuffer src, int cols, DeviceBuffer idx, int idxOff, int rows, DeviceBuffer dst) {
        check("gather");
        d.gather(src, cols, idx, idxOff, rows, dst);
    }

    @Override
    public void gatherOneHot(DeviceBuffer labels, DeviceBuffer idx, int idxOff, int rows, int classes, DeviceBuffer dst) {
        check("gatherOneHot");
        d.gatherOneHot(labels, idx, idxOff, rows, classes, dst);
    }

    @Override
    public void gemm(boolean ta, boolean tb, int m, int n, int k, float alpha, DeviceBuffer a, long aOff, int lda, DeviceBuffer b,
                     long bOff, int ldb, float beta, DeviceBuffer c, long cOff, int ldc) {
        check("gemm");
        d.gemm(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    @Override
    public void biasActivation(Activation act, float slope, DeviceBuffer z, DeviceBuffer bias, long biasOff, DeviceBuffer a, int rows, int cols) {
        check("biasActivation");
        d.biasActivation(act, slope, z, bias, biasOff, a, rows, cols);
    }

    @Override
    public void activationBackward(Activation act, float slope, DeviceBuffer z, DeviceBuffer a, DeviceBuffer dA, DeviceBuffer dZ,
                                   int rows, int cols) {
        check("activationBackward");
        d.activationBackward(act, slope, z, a, dA, dZ, rows, cols);
    }

    @Override
    public void biasGrad(DeviceBuffer dZ, int rows, int cols, DeviceBuffer db, long dbOff) {
        check("biasGrad");
        d.biasGrad(dZ, rows, cols, db, dbOff);
    }

    @Override
    public void loss(LossKind kind, DeviceBuffer z, DeviceBuffer a, DeviceBuffer target, int rows, int cols, float gradScale,
                     DeviceBuffer grad, DeviceBuffer stats) {
        check("loss");
        d.loss(kind, z, a, target, rows, cols, gradScale, grad, stats);
    }

    @Override
    public void countCorrect(DeviceBuffer a, DeviceBuffer target, int rows, int cols, DeviceBuffer stats) {
        check("countCorrect");
        d.countCorrect(a, target, rows, cols, stats);
    }

    @Override
    public void dropoutForward(DeviceBuffer x, DeviceBuffer mask, DeviceBuffer y, long n, float p, long seed, long counter) {
        check("dropoutForward");
        d.dropoutForward(x, mask, y, n, p, seed, counter);
    }

    @Override
    public void dropoutBackward(DeviceBuffer dY, DeviceBuffer mask, DeviceBuffer dX, long n) {
        check("dropoutBackward");
        d.dropoutBackward(dY, mask, dX, n);
    }

    @Override
    public void sumSquares(DeviceBuffer x, long off, long n, DeviceBuffer stats, int slot) {
        check("sumSquares");
        d.sumSquares(x, off, n, stats, slot);
    }

    @Override
    public void update(UpdateRule rule, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer[] state, long n, UpdateScalars s,
                       DeviceBuffer stats) {
        check("update");
        if (updates++ == failAt) {
            lost = true;
            throw new BackendException("kernel " + rule.kernelName() + " failed: CL_OUT_OF_RESOURCES (device lost)");
        }
        d.update(rule, param, grad, state, n, s, stats);
    }

    @Override public void synchronize() { check("synchronize"); d.synchronize(); }

    /** Closing always works (freeing a lost context is what a driver allows). */
    @Override public void close() { d.close(); }
}
