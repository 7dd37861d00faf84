package dev.kiln.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API micro-kernel: a 6 x (2 x L) register tile (L = lanes of the preferred species: 8 with AVX2,
 * so 6 x 16, BLIS's Haswell/Zen shape), twelve accumulators held in registers over the whole k loop, one
 * broadcast of A per row and two loads of B per k step: 12 FMAs per 8 loads, and twelve independent FMA
 * chains, enough to cover Zen's 4-cycle FMA latency on both FMA pipes (the 4 x 16 tile's eight chains were
 * latency-bound). 16 AVX2 registers hold the 12 accumulators, 2 B vectors and the broadcast, so C2 does not
 * spill (checked: 4 x 24, fifteen live vectors, ran at half the speed). Measured in cache on the 2-vCPU
 * EPYC (Zen 3) dev box: about 70 GFLOP/s per core against 45-60 for 4 x 16 (docs/benchmarks.md). The only
 * class that names {@code jdk.incubator.vector}: on a JVM without {@code --add-modules jdk.incubator.vector},
 * initialising it throws NoClassDefFoundError, which {@link CpuGemm#bestKind} catches to fall back to
 * {@link ScalarMicroKernel}.
 */
final class VectorMicroKernel implements MicroKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int NR = 2 * L;
    private static final int MR = 6;

    /** Throws NoClassDefFoundError (a LinkageError) when the module is absent. */
    static int lanes() { return L; }

    /** The tile of the last call, when it is merged into C here (one kernel per thread). */
    private final float[] acc = new float[MR * NR];

    VectorMicroKernel() {}

    @Override public int mr() { return MR; }

    @Override public int nr() { return NR; }

    @Override public String describe() { return "vector-api " + L + " lanes, " + MR + "x" + NR + " micro-kernel"; }

    @Override
    public void tile(int kc, float[] a, int ap, float[] b, int bp,
                     float[] c, int ci, int ldc, float alpha, float beta, boolean first, float[] out) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        // every index is (loop variable) * constant + loop invariant, the form C2's range-check elimination
        // can hoist out of the loop (with ap += MR, bp += NR as separate induction variables it cannot);
        // measured at the same speed as the running-pointer form, kept as the more predictable one
        for (int p = 0; p < kc; p++) {
            int ai = ap + p * MR, bi = bp + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
            FloatVector a0 = FloatVector.broadcast(S, a[ai]);
            c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, a[ai + 1]);
            c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, a[ai + 2]);
            c20 = a2.fma(b0, c20); c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, a[ai + 3]);
            c30 = a3.fma(b0, c30); c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, a[ai + 4]);
            c40 = a4.fma(b0, c40); c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, a[ai + 5]);
            c50 = a5.fma(b0, c50); c51 = a5.fma(b1, c51);
        }
        // the accumulators leave registers through an array, never as arguments of a call: a FloatVector
        // passed to a method C2 does not inline is boxed, and with six such calls (too large to inline)
        // C2 kept the whole loop on boxed vectors, at a sixth of the speed; writing the merges out inline
        // here instead (a 1100-byte method) halved the speed again, so the merge reads the tile back
        float[] t = out != null ? out : acc;
        c00.intoArray(t, 0); c01.intoArray(t, L);
        c10.intoArray(t, NR); c11.intoArray(t, NR + L);
        c20.intoArray(t, 2 * NR); c21.intoArray(t, 2 * NR + L);
        c30.intoArray(t, 3 * NR); c31.intoArray(t, 3 * NR + L);
        c40.intoArray(t, 4 * NR); c41.intoArray(t, 4 * NR + L);
        c50.intoArray(t, 5 * NR); c51.intoArray(t, 5 * NR + L);
        if (out == null) merge(t, c, ci, ldc, alpha, beta, first);
    }

    /**
     * Merges the full tile t (MR x NR, row stride NR) into C at ci, with {@link CpuGemm#merge}'s rule and its
     * exact roundings (alpha*acc, then + beta*C or C +, each rounded: no fused operations), one row of NR
     * lanes at a time. A separate small method reading the tile back from the array: the accumulators are
     * never passed as arguments (C2 would box them), and the k loop keeps its registers (writing the merge
     * out inline in {@code tile} made that method 1100 bytes and halved its speed). Vector rather than
     * scalar: the scalar merge was about 10% of a tile at kc = 256.
     */
    private static void merge(float[] t, float[] c, int ci, int ldc, float alpha, float beta, boolean first) {
        for (int r = 0; r < MR; r++) {
            int cr = ci + r * ldc;
            for (int j = 0; j < NR; j += L) {
                FloatVector acc = FloatVector.fromArray(S, t, r * NR + j).mul(alpha);
                if (!first) acc = FloatVector.fromArray(S, c, cr + j).add(acc);
                else if (beta != 0f) acc = acc.add(FloatVector.fromArray(S, c, cr + j).mul(beta));
                acc.intoArray(c, cr + j);
            }
        }
    }
}
