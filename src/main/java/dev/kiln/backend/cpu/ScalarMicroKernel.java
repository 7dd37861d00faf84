package dev.kiln.backend.cpu;

/**
 * The plain-Java micro-kernel (MR x 8 tile) used when the Vector API module is not loaded. It computes the
 * same fused multiply-add chain per element as the vector kernel ({@link Math#fma} is exactly fused), so
 * the two give identical bits; it is only slower.
 */
final class ScalarMicroKernel implements MicroKernel {
    static final int MR = 4, NR = 8;

    ScalarMicroKernel() {}

    @Override public int mr() { return MR; }

    @Override public int nr() { return NR; }

    @Override public String describe() { return "scalar Java, 4x8 micro-kernel"; }

    @Override
    public void tile(int kc, float[] a, int ap, float[] b, int bp, float[] t) {
        java.util.Arrays.fill(t, 0, MR * NR, 0f);
        for (int p = 0; p < kc; p++) {
            int pa = ap + p * MR, pb = bp + p * NR;
            for (int r = 0; r < MR; r++) {
                float av = a[pa + r];
                int row = r * NR;
                for (int j = 0; j < NR; j++) t[row + j] = Math.fma(av, b[pb + j], t[row + j]);
            }
        }
    }

    @Override
    public void mergeFull(float[] t, float[] c, int ci, int ldc, float alpha, float beta, boolean first) {
        CpuGemm.merge(t, NR, MR, NR, c, ci, ldc, alpha, beta, first);
    }
}
