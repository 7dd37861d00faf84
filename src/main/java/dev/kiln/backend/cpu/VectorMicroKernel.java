package dev.kiln.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API micro-kernel: a 4 x (2 x L) register tile (L = lanes of the preferred species: 8 with AVX2,
 * 16 with AVX-512), eight accumulators held in registers over the whole k loop, one broadcast of A per row
 * and two loads of B per k step (research/feasibility.md section 4: about 100 GFLOP/s per AVX-512 core;
 * 65-70 per AVX2 core here). A 6 x 16 tile (BLIS's Haswell shape, twelve accumulators) ran at a sixth of
 * that on JDK 17's C2, so it is not used. The only class that names {@code jdk.incubator.vector}: on a JVM
 * without {@code --add-modules jdk.incubator.vector}, initialising it throws NoClassDefFoundError, which
 * {@link CpuGemm#bestKind} catches to fall back to {@link ScalarMicroKernel}.
 */
final class VectorMicroKernel implements MicroKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int NR = 2 * L;
    private static final int MR = 4;

    /** Throws NoClassDefFoundError (a LinkageError) when the module is absent. */
    static int lanes() { return L; }

    VectorMicroKernel() {}

    @Override public int mr() { return MR; }

    @Override public int nr() { return NR; }

    @Override public String describe() { return "vector-api " + L + " lanes, " + MR + "x" + NR + " micro-kernel"; }

    @Override
    public void tile(int kc, float[] a, int ap, float[] b, int bp,
                     float[] c, int ci, int ldc, float alpha, float beta, boolean first, float[] out) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00;
        FloatVector c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp);
            FloatVector b1 = FloatVector.fromArray(S, b, bp + L);
            FloatVector a0 = FloatVector.broadcast(S, a[ap]);
            c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, a[ap + 1]);
            c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, a[ap + 2]);
            c20 = a2.fma(b0, c20); c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, a[ap + 3]);
            c30 = a3.fma(b0, c30); c31 = a3.fma(b1, c31);
            ap += 4;
            bp += NR;
        }
        if (out != null) {
            c00.intoArray(out, 0); c01.intoArray(out, L);
            c10.intoArray(out, NR); c11.intoArray(out, NR + L);
            c20.intoArray(out, 2 * NR); c21.intoArray(out, 2 * NR + L);
            c30.intoArray(out, 3 * NR); c31.intoArray(out, 3 * NR + L);
            return;
        }
        store(c00, c01, c, ci, alpha, beta, first);
        store(c10, c11, c, ci + ldc, alpha, beta, first);
        store(c20, c21, c, ci + 2 * ldc, alpha, beta, first);
        store(c30, c31, c, ci + 3 * ldc, alpha, beta, first);
    }

    // the merge rule of CpuGemm.merge, lane by lane: the same IEEE float operations in the same order
    private static void store(FloatVector x0, FloatVector x1, float[] c, int ci, float alpha, float beta, boolean first) {
        FloatVector s0 = x0.mul(alpha), s1 = x1.mul(alpha);
        if (first) {
            if (beta != 0f) {
                s0 = s0.add(FloatVector.fromArray(S, c, ci).mul(beta));
                s1 = s1.add(FloatVector.fromArray(S, c, ci + L).mul(beta));
            }
        } else {
            s0 = FloatVector.fromArray(S, c, ci).add(s0);
            s1 = FloatVector.fromArray(S, c, ci + L).add(s1);
        }
        s0.intoArray(c, ci);
        s1.intoArray(c, ci + L);
    }
}
