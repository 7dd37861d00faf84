package dev.kiln.backend.cpu;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodType;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import jdk.incubator.foreign.CLinker;
import jdk.incubator.foreign.FunctionDescriptor;
import jdk.incubator.foreign.MemoryAddress;
import jdk.incubator.foreign.MemorySegment;
import jdk.incubator.foreign.ResourceScope;
import jdk.incubator.foreign.SymbolLookup;

/**
 * Diagnostic for ci/gemm-vs-openblas, not part of Kiln: a workload's eight step GEMMs through the CPU
 * backend's {@link CpuGemm} and through OpenBLAS's {@code cblas_sgemm} (JDK 17's jdk.incubator.foreign),
 * alternating call by call in one JVM, so both sides see the same moments of a shared machine. Prints the
 * median milliseconds of every product per side, the ratio of the sums and the largest difference of the
 * results. Compiled by the script into package dev.kiln.backend.cpu (CpuGemm is package-private).
 */
public final class GemmVsOpenBlas {
    private GemmVsOpenBlas() {}

    /**
     * The GEMMs of one training step of w, {m, n, k, transA, transB}, in the trainer's order: the forward
     * Z = X W^T of each layer, then from the last layer back its weight gradient dW = dZ^T X and, but for the
     * first layer, its input gradient dX = dZ W (weights stored out x in, as nn.Linear).
     */
    static int[][] stepGemms(dev.kiln.train.Bench.Workload w) {
        int[] d = w.widths();
        int b = w.batch(), layers = d.length - 1;
        java.util.List<int[]> g = new java.util.ArrayList<>();
        for (int i = 0; i < layers; i++) g.add(new int[] {b, d[i + 1], d[i], 0, 1});
        for (int i = layers - 1; i >= 0; i--) {
            g.add(new int[] {d[i + 1], d[i], b, 1, 0});
            if (i > 0) g.add(new int[] {b, d[i], d[i + 1], 0, 0});
        }
        return g.toArray(new int[0][]);
    }

    /** Kiln's C = op(A) op(B) for the product {m, n, k, transA, transB}, row-major with tight leading dimensions. */
    private static void kilnCall(CpuGemm kiln, int[] s, float[] a, float[] b, float[] c) {
        boolean tA = s[3] == 1, tB = s[4] == 1;
        kiln.gemm(tA, tB, s[0], s[1], s[2], 1f, a, 0, tA ? s[0] : s[2], b, 0, tB ? s[2] : s[1], 0f, c, 0, s[1]);
    }

    public static void main(String[] args) throws Throwable {
        String lib = args[0], workload = args[1];
        int rounds = Integer.parseInt(args[2]), threads = Integer.parseInt(args[3]);
        int[][] sh = stepGemms(dev.kiln.train.Bench.workload(workload));
        System.load(lib);
        MethodHandle sgemm = CLinker.getInstance().downcallHandle(
                SymbolLookup.loaderLookup().lookup("cblas_sgemm").orElseThrow(() -> new IllegalStateException(lib + " has no cblas_sgemm")),
                MethodType.methodType(void.class, int.class, int.class, int.class, int.class, int.class, int.class, float.class,
                        MemoryAddress.class, int.class, MemoryAddress.class, int.class, float.class, MemoryAddress.class, int.class),
                FunctionDescriptor.ofVoid(CLinker.C_INT, CLinker.C_INT, CLinker.C_INT, CLinker.C_INT, CLinker.C_INT, CLinker.C_INT,
                        CLinker.C_FLOAT, CLinker.C_POINTER, CLinker.C_INT, CLinker.C_POINTER, CLinker.C_INT, CLinker.C_FLOAT,
                        CLinker.C_POINTER, CLinker.C_INT));
        CpuGemm kiln = new CpuGemm(new CpuPool(threads), CpuGemm.bestKind());
        Random rnd = new Random(1);
        int p = sh.length;
        float[][] a = new float[p][], b = new float[p][], c = new float[p][];
        MemorySegment[] na = new MemorySegment[p], nb = new MemorySegment[p], nc = new MemorySegment[p];
        ResourceScope scope = ResourceScope.newImplicitScope();
        for (int i = 0; i < p; i++) {
            a[i] = new float[sh[i][0] * sh[i][2]];
            b[i] = new float[sh[i][2] * sh[i][1]];
            c[i] = new float[sh[i][0] * sh[i][1]];
            for (int j = 0; j < a[i].length; j++) a[i][j] = rnd.nextFloat() - 0.5f;
            for (int j = 0; j < b[i].length; j++) b[i][j] = rnd.nextFloat() - 0.5f;
            na[i] = MemorySegment.allocateNative(4L * a[i].length, 64, scope);
            na[i].copyFrom(MemorySegment.ofArray(a[i]));
            nb[i] = MemorySegment.allocateNative(4L * b[i].length, 64, scope);
            nb[i].copyFrom(MemorySegment.ofArray(b[i]));
            nc[i] = MemorySegment.allocateNative(4L * c[i].length, 64, scope);
        }
        // warm-up: Kiln times its compiled copies of the kernel loop on the first large products and keeps one
        // (CpuGemm#chosenCopy); run the step's products until it has, at most 20 s (a step without a product
        // large enough to take part never chooses)
        long warm = System.nanoTime();
        while (kiln.chosenCopy() < 0 && System.nanoTime() - warm < 20e9) {
            for (int i = 0; i < p; i++) kilnCall(kiln, sh[i], a[i], b[i], c[i]);
        }
        double[][][] ms = new double[2][p][rounds];
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < p; i++) {
                int m = sh[i][0], n = sh[i][1], k = sh[i][2];
                boolean tA = sh[i][3] == 1, tB = sh[i][4] == 1;
                int lda = tA ? m : k, ldb = tB ? k : n;
                // small products are timed over several calls, about 50 MFLOP in all
                int reps = (int) Math.max(1, Math.min(10_000, 50_000_000L / (2L * m * n * k)));
                for (int z = 0; z < 2; z++) {
                    int side = (z + round + i) % 2;   // which side goes first changes every call
                    long t0 = System.nanoTime();
                    for (int r = 0; r < reps; r++) {
                        if (side == 0) kilnCall(kiln, sh[i], a[i], b[i], c[i]);
                        else sgemm.invokeExact(101, tA ? 112 : 111, tB ? 112 : 111, m, n, k, 1f, na[i].address(), lda,
                                nb[i].address(), ldb, 0f, nc[i].address(), n);   // 101 row-major, 111/112 (no) transpose
                    }
                    ms[side][i][round] = (System.nanoTime() - t0) / 1e6 / reps;
                }
            }
        }
        double worst = 0;
        for (int i = 0; i < p; i++) {
            float[] blas = nc[i].toFloatArray();
            for (int j = 0; j < blas.length; j++) worst = Math.max(worst, Math.abs(blas[j] - c[i][j]));
        }
        double[] sums = new double[2];
        System.out.printf(Locale.ROOT, "%-9s", "m x n x k");
        for (int[] s : sh) System.out.printf(Locale.ROOT, " %15s", s[0] + "x" + s[1] + "x" + s[2] + (s[3] == 1 ? "T" : "N") + (s[4] == 1 ? "T" : "N"));
        System.out.println();
        for (int side = 0; side < 2; side++) {
            System.out.printf(Locale.ROOT, "%-9s", side == 0 ? "kiln" : "openblas");
            for (int i = 0; i < p; i++) {
                // the first quarter of the rounds is warm-up (the JIT, and Kiln's choice of kernel copy)
                double[] v = Arrays.copyOfRange(ms[side][i], rounds / 4, rounds);
                Arrays.sort(v);
                sums[side] += v[v.length / 2];
                System.out.printf(Locale.ROOT, " %15.4f", v[v.length / 2]);
            }
            System.out.printf(Locale.ROOT, "  | sum %.2f ms%n", sums[side]);
        }
        System.out.printf(Locale.ROOT, "kiln / openblas time: %.3f (medians after %d warm-up rounds of %d; %s); largest |difference| %.2e%n",
                sums[0] / sums[1], rounds / 4, rounds, kiln.describe(), worst);
        System.exit(0);
    }
}
