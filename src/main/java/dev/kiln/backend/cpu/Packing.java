package dev.kiln.backend.cpu;

import java.util.Arrays;

/**
 * Packs blocks of op(A) and op(B) into the micro-kernel's panel layouts (Goto and van de Geijn 2008, section
 * 5): a B panel {@code dst[p*nr + j] = op(B)[p][j]} and an A panel {@code dst[base + p*mr + r] = op(A)[r][p]},
 * zero-padded past the matrix edge. Plain Java, the fallback and the reference for {@link VectorPacking}
 * (which must write the same floats: packing only moves them). {@code off} addresses op(X)[0][0] of the
 * block; a transposed operand is read through its stored transpose.
 */
class Packing {
    /**
     * op(B)[p][j] is b[off + p*ldb + j], or b[off + j*ldb + p] when {@code trans}; p < kc, j < cols <= nr.
     * Writes dst[base + p*nr + j].
     */
    void packB(boolean trans, float[] b, int off, int ldb, int kc, int cols, int nr, float[] dst, int base) {
        if (!trans) {
            for (int p = 0; p < kc; p++) {
                int d = base + p * nr;
                System.arraycopy(b, off + p * ldb, dst, d, cols);
                if (cols < nr) Arrays.fill(dst, d + cols, d + nr, 0f);
            }
        } else {
            // read each stored row contiguously, scatter with stride nr (in L1)
            for (int j = 0; j < cols; j++) {
                int src = off + j * ldb;
                for (int p = 0; p < kc; p++) dst[base + p * nr + j] = b[src + p];
            }
            for (int j = cols; j < nr; j++) for (int p = 0; p < kc; p++) dst[base + p * nr + j] = 0f;
        }
    }

    /**
     * Packs the B panels of columns [0, cols) of the block at off (as {@link #packB} reads it), panel q at
     * dst[q*kc*nr], the last one zero-padded past cols. Panel by panel here; {@link VectorPacking} reads the
     * untransposed case row by row instead.
     */
    void packBPanels(boolean trans, float[] b, int off, int ldb, int kc, int cols, int nr, float[] dst) {
        for (int q = 0, j0 = 0; j0 < cols; q++, j0 += nr) {
            packB(trans, b, trans ? off + j0 * ldb : off + j0, ldb, kc, Math.min(nr, cols - j0), nr, dst, q * kc * nr);
        }
    }

    /** op(A)[r][p] is a[off + r*lda + p], or a[off + p*lda + r] when {@code trans}; r < rows <= mr, p < kc. */
    void packA(boolean trans, float[] a, int off, int lda, int kc, int rows, int mr, float[] dst, int base) {
        if (!trans) {
            for (int r = 0; r < rows; r++) {
                int src = off + r * lda;
                for (int p = 0; p < kc; p++) dst[base + p * mr + r] = a[src + p];
            }
        } else {
            for (int p = 0; p < kc; p++) {
                int src = off + p * lda, d = base + p * mr;
                for (int r = 0; r < rows; r++) dst[d + r] = a[src + r];
            }
        }
        for (int r = rows; r < mr; r++) for (int p = 0; p < kc; p++) dst[base + p * mr + r] = 0f;
    }
}
