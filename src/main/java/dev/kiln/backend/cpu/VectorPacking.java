package dev.kiln.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Packing} with 8-lane vectors where a whole panel lies inside the matrix: untransposed B is copied
 * row by row across a chunk's panels, two vectors per panel ({@link #packBPanels}), and the transposed cases
 * go through an in-register 8 x 8 transpose (three stages of permute-and-blend, pairs of lanes, then quads:
 * the AVX2 form of the unpack/shuffle transpose of OpenBLAS's packing routines). Packing is a pure permutation
 * of floats, so the panels are identical to the scalar ones. Why it matters: at batch 128 every B element
 * packed serves only 2 x 128 flops, and the scalar scatter ran at 2-3 cycles an element, 15-20% of the
 * 128 x 512 x 784 products; the vector forms take a quarter of that (docs/benchmarks.md). Edge panels, the k
 * remainders and panels shallower than {@link #MIN_K} take the scalar loops. Loaded only with
 * {@code jdk.incubator.vector} and 256-bit vectors ({@link #usable}).
 */
final class VectorPacking extends Packing {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;

    // stage 1 pairs lanes (2i, 2i+1) of two rows, stage 2 pairs of pairs, stage 3 halves; the E shuffles move
    // the even element of each group into the odd slot, the O shuffles the odd one into the even slot
    private static final VectorShuffle<Float> E1 = VectorShuffle.fromValues(S, 0, 0, 2, 2, 4, 4, 6, 6);
    private static final VectorShuffle<Float> O1 = VectorShuffle.fromValues(S, 1, 1, 3, 3, 5, 5, 7, 7);
    private static final VectorShuffle<Float> E2 = VectorShuffle.fromValues(S, 0, 1, 0, 1, 4, 5, 4, 5);
    private static final VectorShuffle<Float> O2 = VectorShuffle.fromValues(S, 2, 3, 2, 3, 6, 7, 6, 7);
    private static final VectorShuffle<Float> E4 = VectorShuffle.fromValues(S, 0, 1, 2, 3, 0, 1, 2, 3);
    private static final VectorShuffle<Float> O4 = VectorShuffle.fromValues(S, 4, 5, 6, 7, 4, 5, 6, 7);
    private static final VectorMask<Float> M1 = VectorMask.fromValues(S, false, true, false, true, false, true, false, true);
    private static final VectorMask<Float> M2 = VectorMask.fromValues(S, false, false, true, true, false, false, true, true);
    private static final VectorMask<Float> M4 = VectorMask.fromValues(S, false, false, false, false, true, true, true, true);

    /**
     * Shallower panels stay scalar: a product that small packs a handful of floats per call, and code that
     * runs that rarely can stay for thousands of steps in its C1 version, where every vector op allocates
     * (the seed network's 300 warm steps allocated 36 MB that way, against none with the scalar packing).
     */
    static final int MIN_K = 32;

    /** Whether the preferred vectors are at least 256 bits (else 8-lane ops would be emulated, slowly). */
    static boolean usable() { return FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 256; }

    /** One panel; only the transposed case is vectorised here (the untransposed one is {@link #packBPanels}). */
    @Override
    void packB(boolean trans, float[] b, int off, int ldb, int kc, int cols, int nr, float[] dst, int base) {
        if (!trans || cols != nr || nr % 8 != 0 || kc < MIN_K) {
            super.packB(trans, b, off, ldb, kc, cols, nr, dst, base);
        } else {
            // 8 stored rows (j) x 8 k steps (p) at a time: op(B)[p][j] = b[off + j*ldb + p]
            for (int j = 0; j < nr; j += 8) {
                int src = off + j * ldb, p = 0;
                for (; p + 8 <= kc; p += 8) transpose8(b, src + p, ldb, 8, dst, base + p * nr + j, nr);
                for (; p < kc; p++) for (int q = 0; q < 8; q++) dst[base + p * nr + j + q] = b[src + q * ldb + p];
            }
        }
    }

    /**
     * The untransposed case row by row: each stored row's pieces for all the panels (up to 256 bytes) are read
     * together, instead of one panel's 64 bytes per row per pass. Where the rows are far apart (the wide set's
     * 4096-float weight rows, 16 KiB) the per-panel order fetched every row's lines once per panel,
     * latency-bound at 3 GB/s against 18 sequentially; row by row the wide set's 512 x 4096 x 4096 input
     * gradient packs its B in 8 ms per thread instead of 20 (docs/benchmarks.md). The transposed case reads
     * rows of the stored matrix already, and stays panel by panel.
     */
    @Override
    void packBPanels(boolean trans, float[] b, int off, int ldb, int kc, int cols, int nr, float[] dst) {
        if (trans || nr % 8 != 0 || kc < MIN_K) {
            super.packBPanels(trans, b, off, ldb, kc, cols, nr, dst);
            return;
        }
        int full = cols / nr, ps = kc * nr;
        for (int p = 0; p < kc; p++) {
            int s = off + p * ldb, d = p * nr;
            for (int q = 0; q < full; q++, s += nr, d += ps) {
                for (int j = 0; j < nr; j += 8) FloatVector.fromArray(S, b, s + j).intoArray(dst, d + j);
            }
        }
        if (full * nr < cols) packB(false, b, off + full * nr, ldb, kc, cols - full * nr, nr, dst, full * ps);
    }

    @Override
    void packA(boolean trans, float[] a, int off, int lda, int kc, int rows, int mr, float[] dst, int base) {
        if (rows != mr || mr > 8 || kc < MIN_K) {
            super.packA(trans, a, off, lda, kc, rows, mr, dst, base);
            return;
        }
        // an 8-lane store of the mr (5) values of step p spills 8 - mr lanes into step p + 1, which the next
        // store overwrites: steps go in increasing order, and the panel's last step is written by the
        // scalar loop, so nothing lands past the panel (another thread may be packing the next one)
        int p = 0;
        if (!trans) {
            // an 8-lane store at step q ends at q*mr + 8, which must stay inside the panel's kc*mr floats
            for (; (p + 7) * mr + 8 <= kc * mr && p + 8 <= kc; p += 8) transpose8(a, off + p, lda, mr, dst, base + p * mr, mr);
            for (; p < kc; p++) for (int r = 0; r < mr; r++) dst[base + p * mr + r] = a[off + r * lda + p];
        } else {
            // the load reads two floats past the panel's rows: stop where that would leave the array
            int vEnd = Math.min((kc * mr - 8) / mr + 1, (a.length - off - 8) / lda + 1);
            for (; p < vEnd; p++) FloatVector.fromArray(S, a, off + p * lda).intoArray(dst, base + p * mr);
            for (; p < kc; p++) for (int r = 0; r < mr; r++) dst[base + p * mr + r] = a[off + p * lda + r];
        }
    }

    /**
     * Transposes the 8 x 8 block x[q][i] = src[at + q*ld + i] (rows q >= rows repeat the last row) into
     * dst[to + i*stride + q] for i < 8, q < 8: eight 8-lane stores in increasing i. Reads up to the element
     * at + (rows-1)*ld + 7.
     */
    private static void transpose8(float[] src, int at, int ld, int rows, float[] dst, int to, int stride) {
        FloatVector x0 = FloatVector.fromArray(S, src, at);
        FloatVector x1 = rows > 1 ? FloatVector.fromArray(S, src, at + ld) : x0;
        FloatVector x2 = rows > 2 ? FloatVector.fromArray(S, src, at + 2 * ld) : x1;
        FloatVector x3 = rows > 3 ? FloatVector.fromArray(S, src, at + 3 * ld) : x2;
        FloatVector x4 = rows > 4 ? FloatVector.fromArray(S, src, at + 4 * ld) : x3;
        FloatVector x5 = rows > 5 ? FloatVector.fromArray(S, src, at + 5 * ld) : x4;
        FloatVector x6 = rows > 6 ? FloatVector.fromArray(S, src, at + 6 * ld) : x5;
        FloatVector x7 = rows > 7 ? FloatVector.fromArray(S, src, at + 7 * ld) : x6;
        // stage 1: t0 = [x0_0 x1_0 x0_2 x1_2 x0_4 x1_4 x0_6 x1_6], t1 = [x0_1 x1_1 x0_3 x1_3 ...]
        FloatVector t0 = x0.blend(x1.rearrange(E1), M1), t1 = x0.rearrange(O1).blend(x1, M1);
        FloatVector t2 = x2.blend(x3.rearrange(E1), M1), t3 = x2.rearrange(O1).blend(x3, M1);
        FloatVector t4 = x4.blend(x5.rearrange(E1), M1), t5 = x4.rearrange(O1).blend(x5, M1);
        FloatVector t6 = x6.blend(x7.rearrange(E1), M1), t7 = x6.rearrange(O1).blend(x7, M1);
        // stage 2: u0 = [x0_0 x1_0 x2_0 x3_0 x0_4 x1_4 x2_4 x3_4], u2 = the same for element 2, ...
        FloatVector u0 = t0.blend(t2.rearrange(E2), M2), u2 = t0.rearrange(O2).blend(t2, M2);
        FloatVector u1 = t1.blend(t3.rearrange(E2), M2), u3 = t1.rearrange(O2).blend(t3, M2);
        FloatVector u4 = t4.blend(t6.rearrange(E2), M2), u6 = t4.rearrange(O2).blend(t6, M2);
        FloatVector u5 = t5.blend(t7.rearrange(E2), M2), u7 = t5.rearrange(O2).blend(t7, M2);
        // stage 3: halves; row i of the result is element i of every x
        u0.blend(u4.rearrange(E4), M4).intoArray(dst, to);
        u1.blend(u5.rearrange(E4), M4).intoArray(dst, to + stride);
        u2.blend(u6.rearrange(E4), M4).intoArray(dst, to + 2 * stride);
        u3.blend(u7.rearrange(E4), M4).intoArray(dst, to + 3 * stride);
        u0.rearrange(O4).blend(u4, M4).intoArray(dst, to + 4 * stride);
        u1.rearrange(O4).blend(u5, M4).intoArray(dst, to + 5 * stride);
        u2.rearrange(O4).blend(u6, M4).intoArray(dst, to + 6 * stride);
        u3.rearrange(O4).blend(u7, M4).intoArray(dst, to + 7 * stride);
    }
}
