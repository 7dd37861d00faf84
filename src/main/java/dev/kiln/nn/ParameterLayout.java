package dev.kiln.nn;

import java.util.ArrayList;
import java.util.List;

/**
 * Where each Dense layer's parameters sit in the one flat parameter array (DESIGN.md: one buffer, so an
 * optimizer step is one kernel). For Dense layer i (counting Dense layers only), in order: the weight
 * [out_i, in_i] row-major (PyTorch's nn.Linear orientation), then the bias [out_i]. Gradients and every
 * optimizer state buffer use the same layout.
 */
public final class ParameterLayout {
    private final int[] in, out, weightOffset, biasOffset;
    private final int size;

    /** The layout of Dense layers with these input and output widths, in order. */
    public ParameterLayout(int[] in, int[] out) {
        if (in.length != out.length) throw new IllegalArgumentException("in and out widths differ in length");
        this.in = in.clone();
        this.out = out.clone();
        weightOffset = new int[in.length];
        biasOffset = new int[in.length];
        long off = 0;
        for (int i = 0; i < in.length; i++) {
            weightOffset[i] = (int) off;
            off += (long) in[i] * out[i];
            biasOffset[i] = (int) off;
            off += out[i];
            if (off > Integer.MAX_VALUE - 8)
                throw new IllegalArgumentException("model has more than 2^31 parameters (" + off + " after layer " + i + ")");
        }
        size = (int) off;
    }

    /** Number of Dense layers. */
    public int layers() { return in.length; }

    /** Input width of Dense layer i. */
    public int in(int i) { return in[i]; }

    /** Output width of Dense layer i. */
    public int out(int i) { return out[i]; }

    /** Offset of Dense layer i's weight [out, in]. */
    public int weightOffset(int i) { return weightOffset[i]; }

    /** Offset of Dense layer i's bias [out]. */
    public int biasOffset(int i) { return biasOffset[i]; }

    /** Total number of parameters. */
    public int size() { return size; }

    /** The tensors in order, named as in safetensors files: {@code layers.<i>.weight}, {@code layers.<i>.bias}. */
    public List<Tensor> tensors() {
        List<Tensor> t = new ArrayList<>(2 * in.length);
        for (int i = 0; i < in.length; i++) {
            t.add(new Tensor("layers." + i + ".weight", new int[] {out[i], in[i]}, weightOffset[i]));
            t.add(new Tensor("layers." + i + ".bias", new int[] {out[i]}, biasOffset[i]));
        }
        return t;
    }

    /**
     * One named tensor of the layout.
     *
     * @param name   {@code layers.<i>.weight} or {@code layers.<i>.bias}
     * @param shape  [out, in] or [out]
     * @param offset first element in the flat array
     */
    public record Tensor(String name, int[] shape, int offset) {
        /** Number of elements. */
        public int size() {
            int n = 1;
            for (int d : shape) n *= d;
            return n;
        }
    }
}
