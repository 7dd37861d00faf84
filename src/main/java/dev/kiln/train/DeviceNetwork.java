package dev.kiln.train;

import dev.kiln.backend.Activation;
import dev.kiln.backend.Backend;
import dev.kiln.backend.DeviceBuffer;
import dev.kiln.backend.LossKind;
import dev.kiln.backend.Stats;
import dev.kiln.nn.Dense;
import dev.kiln.nn.Dropout;
import dev.kiln.nn.Layer;
import dev.kiln.nn.Model;
import dev.kiln.nn.ParameterLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * A model's device memory and its forward and backward passes, as DESIGN.md "One step, as data flows":
 * <pre>
 * forward, Dense:   Z = X W^T (gemm, transB), then A = act(Z + b) (one fused biasActivation)
 * forward, Dropout: Y = X * mask, mask drawn from (seed, counter) by the counter-based generator
 * loss:             fused softmax-xent / BCE give dZ of the output layer; MSE gives dA, then act'
 * backward, Dense:  dW = dZ^T X (gemm, transA), db = sum_rows dZ (biasGrad), dX = dZ W (gemm)
 *                   then dZ of the layer below = dX * act'(Z) (activationBackward, in place)
 * </pre>
 * Every buffer is allocated once for {@code maxRows} rows (parameters, gradients and optimizer state in
 * the flat layout of {@link ParameterLayout}); the passes allocate nothing and only queue backend ops.
 * Gradients wrt layer inputs ping-pong between two scratch buffers of maxRows x (widest layer).
 */
final class DeviceNetwork implements AutoCloseable {
    final Backend b;
    final Model model;
    final ParameterLayout layout;
    final int maxRows, params, outCols;
    final DeviceBuffer param, grad, stats, evalStats, x, y, g0, g1;
    final DeviceBuffer[] state;
    private final List<DeviceBuffer> owned = new ArrayList<>();

    private final Layer[] layers;
    private final int[] inW, outW, dense;            // per layer: input width, output width, Dense index (-1 for dropout)
    private final boolean[] denseBelow;              // per layer: whether a Dense layer precedes it
    private final DeviceBuffer[] z, a, mask;         // per layer (z only for Dense, mask only for Dropout)
    private final DeviceBuffer[] input, output;      // per layer: the buffers of the last forward pass
    private final boolean[] dropped;                 // per layer: whether the last forward applied a mask
    private final int last;
    private final Dense out;
    private final LossKind lossKind;

    DeviceNetwork(Backend b, Model model, int maxRows, int stateCount) {
        this.b = b;
        this.model = model;
        this.layout = model.layout();
        this.maxRows = maxRows;
        this.params = layout.size();
        List<Layer> ls = model.layers();
        int n = ls.size();
        layers = ls.toArray(new Layer[0]);
        inW = new int[n];
        outW = new int[n];
        dense = new int[n];
        denseBelow = new boolean[n];
        z = new DeviceBuffer[n];
        a = new DeviceBuffer[n];
        mask = new DeviceBuffer[n];
        input = new DeviceBuffer[n];
        output = new DeviceBuffer[n];
        dropped = new boolean[n];
        last = n - 1;
        out = model.outputLayer();
        outCols = out.units();
        lossKind = model.loss().kind();
        try {
            param = own(b.alloc(params));
            grad = own(b.alloc(params));
            state = new DeviceBuffer[stateCount];
            for (int i = 0; i < stateCount; i++) state[i] = own(b.alloc(params));
            stats = own(b.alloc(Stats.SIZE));
            evalStats = own(b.alloc(Stats.SIZE));
            x = own(b.alloc((long) maxRows * model.inputSize()));
            y = own(b.alloc((long) maxRows * outCols));
            int width = model.inputSize(), k = 0, widest = 1;
            boolean seenDense = false;
            for (int l = 0; l < n; l++) {
                inW[l] = width;
                outW[l] = layers[l].outputSize(width);
                denseBelow[l] = seenDense;
                long size = (long) maxRows * outW[l];
                if (layers[l] instanceof Dense) {
                    dense[l] = k++;
                    z[l] = own(b.alloc(size));
                    seenDense = true;
                } else {
                    dense[l] = -1;
                    mask[l] = own(b.alloc(size));
                }
                a[l] = own(b.alloc(size));
                widest = Math.max(widest, outW[l]);
                width = outW[l];
            }
            g0 = own(b.alloc((long) maxRows * widest));
            g1 = own(b.alloc((long) maxRows * widest));
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private DeviceBuffer own(DeviceBuffer buf) {
        owned.add(buf);
        return buf;
    }

    /** Total device floats held, for messages. */
    long deviceFloats() {
        long s = 0;
        for (DeviceBuffer d : owned) s += d.length();
        return s;
    }

    /** The output layer's activations of the last forward pass (rows x outCols). */
    DeviceBuffer outputActivations() { return a[last]; }

    /**
     * Forward pass over the first {@code rows} rows of {@link #x}. With {@code training}, dropout layers
     * draw masks from (seed, counter + i); returns the counter advanced by every element drawn.
     */
    long forward(int rows, boolean training, long seed, long counter) {
        DeviceBuffer cur = x;
        for (int l = 0; l <= last; l++) {
            input[l] = cur;
            if (layers[l] instanceof Dense d) {
                int i = dense[l], in = inW[l], o = outW[l];
                b.gemm(false, true, rows, o, in, 1f, cur, 0, in, param, layout.weightOffset(i), in, 0f, z[l], 0, o);
                b.biasActivation(d.activation(), d.slope(), z[l], param, layout.biasOffset(i), a[l], rows, o);
                cur = a[l];
                dropped[l] = false;
            } else {
                float p = (float) ((Dropout) layers[l]).p();
                dropped[l] = training && p > 0f;
                if (dropped[l]) {
                    long count = (long) rows * outW[l];
                    b.dropoutForward(cur, mask[l], a[l], count, p, seed, counter);
                    counter += count;
                    cur = a[l];
                }
            }
            output[l] = cur;
        }
        return counter;
    }

    /**
     * The loss of the last forward pass against the first {@code rows} targets of {@link #y}, added into
     * {@code into}; with {@code withGradient}, also dZ of the output layer (scaled by 1/rows: the mean
     * loss) into {@link #g0}.
     */
    void loss(int rows, DeviceBuffer into, boolean withGradient) {
        b.loss(lossKind, z[last], a[last], y, rows, outCols, 1f / rows, withGradient ? g0 : null, into);
        if (withGradient && !lossKind.fusedWithActivation())
            b.activationBackward(out.activation(), out.slope(), z[last], a[last], g0, g0, rows, outCols);
    }

    /** Adds the number of correctly classified rows of the last forward pass to {@code into}[CORRECT]. */
    void countCorrect(int rows, DeviceBuffer into) {
        b.countCorrect(a[last], y, rows, outCols, into);
    }

    /** Backward pass from dZ of the output layer in {@link #g0}: fills {@link #grad} for every parameter. */
    void backward(int rows) {
        DeviceBuffer g = g0, other = g1;
        for (int l = last; l >= 0; l--) {
            if (layers[l] instanceof Dense) {
                int i = dense[l], in = inW[l], o = outW[l];
                b.gemm(true, false, o, in, rows, 1f, g, 0, o, input[l], 0, in, 0f, grad, layout.weightOffset(i), in);
                b.biasGrad(g, rows, o, grad, layout.biasOffset(i));
                if (!denseBelow[l]) return;
                b.gemm(false, false, rows, in, o, 1f, g, 0, o, param, layout.weightOffset(i), in, 0f, other, 0, in);
                DeviceBuffer t = g;
                g = other;
                other = t;
            } else {
                if (!denseBelow[l]) return;
                if (dropped[l]) b.dropoutBackward(g, mask[l], g, (long) rows * outW[l]);
            }
            // g now holds dL/d(output of layer l-1); a Dense layer there needs dZ = dA * act'(Z)
            if (layers[l - 1] instanceof Dense d)
                b.activationBackward(d.activation(), d.slope(), z[l - 1], a[l - 1], g, g, rows, outW[l - 1]);
        }
    }

    /** The activation of the output layer. */
    Activation outputActivation() { return out.activation(); }

    @Override
    public void close() {
        for (DeviceBuffer d : owned) d.close();
        owned.clear();
    }
}
