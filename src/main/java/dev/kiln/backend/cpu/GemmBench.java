package dev.kiln.backend.cpu;

import dev.kiln.backend.DeviceBuffer;
import java.util.Locale;
import java.util.Random;

/**
 * A tiny GEMM micro-benchmark (not a test): GFLOP/s of the CPU backend's SGEMM for 512^3 and 2048^3 on 1
 * and 2 threads, best of a few timed calls after a warm-up (the Vector API's first calls run interpreted and
 * are slow). Run with {@code java --add-modules jdk.incubator.vector -cp target/classes
 * dev.kiln.backend.cpu.GemmBench [sizes...] [--threads 1,2] [--seconds S]}; without the module it measures the
 * scalar fallback. {@code --probe} instead runs one small GEMM against a double-precision triple loop and
 * prints which kernel ran (the fallback test starts a JVM without the module this way).
 */
public final class GemmBench {
    private GemmBench() {}

    /**
     * Runs the benchmark with the arguments above, or the probe ({@code --probe}: exit 0 when the GEMM is right, 1 when
     * not).
     */
    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("--probe")) {
            System.exit(probe() ? 0 : 1);
        }
        int[] sizes = {512, 2048};
        int[] threads = {1, 2};
        double seconds = 1.5;
        java.util.List<Integer> sz = new java.util.ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--threads" -> threads = java.util.Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                default -> sz.add(Integer.parseInt(args[i]));
            }
        }
        if (!sz.isEmpty()) sizes = sz.stream().mapToInt(Integer::intValue).toArray();
        for (int t : threads) {
            try (CpuBackend be = new CpuBackend(t)) {
                System.out.println("threads=" + t + "  " + be.device());
                for (int n : sizes) {
                    double[] r = measure(be, n, seconds);
                    System.out.printf(Locale.ROOT, "  %4d x %4d x %4d  %7.1f GFLOP/s wall  %7.1f GFLOP per CPU-second%n",
                            n, n, n, r[0], r[1]);
                }
            }
        }
    }

    /**
     * GFLOP/s over calls within {@code seconds} after a warm-up of the same length: {best wall-clock rate of a
     * call, all timed flops per second of process CPU time}. The second shows the kernel's efficiency on a
     * machine whose cores are shared with other work; the first is what a user sees.
     */
    static double[] measure(CpuBackend be, int n, double seconds) {
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        Random rnd = new Random(1);
        float[] host = new float[n * n];
        DeviceBuffer a = be.alloc((long) n * n), b = be.alloc((long) n * n), c = be.alloc((long) n * n);
        for (int i = 0; i < host.length; i++) host[i] = rnd.nextFloat() - 0.5f;
        be.upload(host, 0, a, 0, host.length);
        for (int i = 0; i < host.length; i++) host[i] = rnd.nextFloat() - 0.5f;
        be.upload(host, 0, b, 0, host.length);
        double flops = 2.0 * n * n * n, best = 0, cpuRate = 0;
        for (int phase = 0; phase < 2; phase++) {
            long end = System.nanoTime() + (long) (seconds * 1e9), cpu0 = os.getProcessCpuTime();
            int calls = 0;
            do {
                long t0 = System.nanoTime();
                be.gemm(false, false, n, n, n, 1f, a, 0, n, b, 0, n, 0f, c, 0, n);
                double s = (System.nanoTime() - t0) * 1e-9;
                if (phase == 1) best = Math.max(best, flops / s * 1e-9);
                calls++;
            } while (System.nanoTime() < end || calls < 2);
            if (phase == 1) cpuRate = calls * flops / ((os.getProcessCpuTime() - cpu0) * 1e-9) * 1e-9;
        }
        a.close();
        b.close();
        c.close();
        return new double[] {best, cpuRate};
    }

    /** One 67 x 45 x 300 GEMM checked against doubles; prints the kernel and the largest error. */
    static boolean probe() {
        int m = 67, n = 45, k = 300;
        Random rnd = new Random(7);
        float[] a = new float[m * k], b = new float[k * n], c = new float[m * n];
        for (int i = 0; i < a.length; i++) a[i] = rnd.nextFloat() * 2 - 1;
        for (int i = 0; i < b.length; i++) b[i] = rnd.nextFloat() * 2 - 1;
        CpuGemm gemm = new CpuGemm(new CpuPool(1), CpuGemm.bestKind());
        gemm.gemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n);
        double maxErr = 0;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) s += (double) a[i * k + p] * b[p * n + j];
                maxErr = Math.max(maxErr, Math.abs(s - c[i * n + j]));
            }
        }
        boolean ok = maxErr < 1e-4;
        System.out.println("kiln cpu gemm probe: " + gemm.describe() + (ok ? " ok" : " WRONG")
                + " maxErr=" + maxErr + (CpuGemm.vectorProblem() == null ? "" : " (" + CpuGemm.vectorProblem() + ")"));
        return ok;
    }
}
