package dev.kiln.backend.cpu;

import dev.kiln.backend.Activation;
import dev.kiln.backend.Backend;
import dev.kiln.backend.DeviceBuffer;
import dev.kiln.backend.LossKind;
import dev.kiln.backend.Stats;
import dev.kiln.backend.UpdateRule;
import dev.kiln.backend.UpdateScalars;
import java.util.Random;

/**
 * One training step of the seed experiment (3-9-9-9-3 MLP, ReLU, softmax cross-entropy, SGD, batch 50)
 * written directly against {@link Backend}, as the trainer issues it: gather, forward GEMMs with fused bias
 * and activation, fused loss, backward GEMMs, bias gradients, gradient norm, one fused update.
 */
final class SeedStep implements AutoCloseable {
    static final int[] WIDTHS = {3, 9, 9, 9, 3};
    static final int BATCH = 50, ROWS = 1000;

    private final Backend be;
    private final DeviceBuffer xAll, yAll, idx, x, y, params, grads, momentum, stats;
    private final DeviceBuffer[] z, a, dz, state;
    private final DeviceBuffer dA;
    private final int[] wOff, bOff;
    private final int nParams;
    private final UpdateScalars scalars = new UpdateScalars();
    private int cursor, steps;

    SeedStep(Backend be, long seed) {
        this.be = be;
        Random rnd = new Random(seed);
        int layers = WIDTHS.length - 1;
        wOff = new int[layers];
        bOff = new int[layers];
        int n = 0;
        for (int l = 0; l < layers; l++) {
            wOff[l] = n;
            n += WIDTHS[l] * WIDTHS[l + 1];
            bOff[l] = n;
            n += WIDTHS[l + 1];
        }
        nParams = n;
        float[] host = new float[ROWS * 3], labels = new float[ROWS * 3];
        for (int r = 0; r < ROWS; r++) {
            int best = 0;
            for (int c = 0; c < 3; c++) {
                host[r * 3 + c] = rnd.nextFloat();
                if (host[r * 3 + c] > host[r * 3 + best]) best = c;
            }
            labels[r * 3 + best] = 1f;
        }
        xAll = upload(host);
        yAll = upload(labels);
        int[] order = new int[ROWS];
        for (int i = 0; i < ROWS; i++) order[i] = rnd.nextInt(ROWS);
        idx = be.allocInt(ROWS);
        be.uploadInt(order, 0, idx, 0, ROWS);
        float[] p = new float[nParams];
        for (int i = 0; i < nParams; i++) p[i] = (float) (rnd.nextGaussian() * 0.5);
        params = upload(p);
        grads = be.alloc(nParams);
        momentum = be.alloc(nParams);
        state = new DeviceBuffer[] {momentum};
        stats = be.alloc(Stats.SIZE);
        x = be.alloc(BATCH * 3);
        y = be.alloc(BATCH * 3);
        z = new DeviceBuffer[layers];
        a = new DeviceBuffer[layers];
        dz = new DeviceBuffer[layers];
        for (int l = 0; l < layers; l++) {
            z[l] = be.alloc(BATCH * WIDTHS[l + 1]);
            a[l] = be.alloc(BATCH * WIDTHS[l + 1]);
            dz[l] = be.alloc(BATCH * WIDTHS[l + 1]);
        }
        dA = be.alloc(BATCH * 9);
        scalars.hyper[0] = 0.01f;
        scalars.skipNonFinite = true;
    }

    private DeviceBuffer upload(float[] h) {
        DeviceBuffer b = be.alloc(h.length);
        be.upload(h, 0, b, 0, h.length);
        return b;
    }

    /** One forward, backward and SGD update. */
    void step() {
        int layers = WIDTHS.length - 1;
        be.gather(xAll, 3, idx, cursor, BATCH, x);
        be.gather(yAll, 3, idx, cursor, BATCH, y);
        cursor = (cursor + BATCH) % ROWS;
        steps++;
        for (int l = 0; l < layers; l++) {
            int in = WIDTHS[l], out = WIDTHS[l + 1];
            DeviceBuffer input = l == 0 ? x : a[l - 1];
            be.gemm(false, true, BATCH, out, in, 1f, input, 0, in, params, wOff[l], in, 0f, z[l], 0, out);
            be.biasActivation(l == layers - 1 ? Activation.SOFTMAX : Activation.RELU, 0f, z[l], params, bOff[l], a[l], BATCH, out);
        }
        be.countCorrect(a[layers - 1], y, BATCH, 3, stats);
        be.loss(LossKind.SOFTMAX_CROSS_ENTROPY, z[layers - 1], a[layers - 1], y, BATCH, 3, 1f / BATCH, dz[layers - 1], stats);
        for (int l = layers - 1; l >= 0; l--) {
            int in = WIDTHS[l], out = WIDTHS[l + 1];
            DeviceBuffer input = l == 0 ? x : a[l - 1];
            DeviceBuffer dZ = dz[l];
            be.gemm(true, false, out, in, BATCH, 1f, dZ, 0, out, input, 0, in, 0f, grads, wOff[l], in);
            be.biasGrad(dZ, BATCH, out, grads, bOff[l]);
            if (l > 0) {
                be.gemm(false, false, BATCH, in, out, 1f, dZ, 0, out, params, wOff[l], in, 0f, dA, 0, in);
                be.activationBackward(Activation.RELU, 0f, z[l - 1], a[l - 1], dA, dz[l - 1], BATCH, in);
            }
        }
        be.sumSquares(grads, 0, nParams, stats, Stats.GRAD_SQ);
        be.update(UpdateRule.SGD, params, grads, state, nParams, scalars, stats);
    }

    /** Steps run so far. */
    int steps() { return steps; }

    /** The accumulated loss and accuracy statistics. */
    float[] stats() {
        float[] s = new float[Stats.SIZE];
        be.download(stats, 0, s, 0, Stats.SIZE);
        return s;
    }

    @Override
    public void close() {
        for (DeviceBuffer b : new DeviceBuffer[] {xAll, yAll, idx, x, y, params, grads, momentum, stats, dA}) b.close();
        for (DeviceBuffer b : z) b.close();
        for (DeviceBuffer b : a) b.close();
        for (DeviceBuffer b : dz) b.close();
    }
}
