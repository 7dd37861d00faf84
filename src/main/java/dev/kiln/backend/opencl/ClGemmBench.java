package dev.kiln.backend.opencl;

import dev.kiln.backend.DeviceBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A short benchmark of the OpenCL GEMM: 512^3 and the GEMMs of one step of the "wide" workload
 * (research/perf-anchors.md W3: 1024-4096-4096-1024, batch 512; its hidden layer gives the forward
 * X W^T, the weight gradient dZ^T X and the input gradient dZ W), on the chosen device.
 *
 * <pre>
 * java -cp target/kiln.jar dev.kiln.backend.opencl.ClGemmBench [--device I] [--variant auto|cpu|gpu] [--reps N] [--quick]
 * </pre>
 * Prints one line per shape: the median time of {@code reps} timed calls after one warm-up (each call is
 * synchronised), and GFLOP/s = 2 m n k / time. {@code --quick} runs 512^3 and the W2 (784-512-512-10,
 * batch 128) shapes only.
 */
public final class ClGemmBench {
    private ClGemmBench() {}

    /** One GEMM shape. */
    record Shape(String label, boolean transA, boolean transB, int m, int n, int k) {
        double flops() { return 2.0 * m * n * k; }
    }

    static final List<Shape> QUICK = List.of(
            new Shape("512^3 NN", false, false, 512, 512, 512),
            new Shape("W2 fwd X.W^T 128x512x784 NT", false, true, 128, 512, 784),
            new Shape("W2 dW dZ^T.X 512x784x128 TN", true, false, 512, 784, 128),
            new Shape("W2 dX dZ.W 128x784x512 NN", false, false, 128, 784, 512));

    static final List<Shape> WIDE = List.of(
            new Shape("W3 fwd X.W^T 512x4096x4096 NT", false, true, 512, 4096, 4096),
            new Shape("W3 dW dZ^T.X 4096x4096x512 TN", true, false, 4096, 4096, 512),
            new Shape("W3 dX dZ.W 512x4096x4096 NN", false, false, 512, 4096, 4096));

    /** Runs the benchmark with the arguments above; exits with status 2 when OpenCL is unavailable. */
    public static void main(String[] args) {
        int device = -1, reps = 3;
        String variant = "auto";
        boolean quick = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--device" -> device = Integer.parseInt(value(args, ++i, "--device"));
                case "--variant" -> variant = value(args, ++i, "--variant");
                case "--reps" -> reps = Integer.parseInt(value(args, ++i, "--reps"));
                case "--quick" -> quick = true;
                default -> throw new IllegalArgumentException("ClGemmBench: unknown argument '" + args[i]
                        + "' (use --device I, --variant auto|cpu|gpu, --reps N, --quick)");
            }
        }
        OpenClBackendProvider provider = new OpenClBackendProvider();
        if (!provider.isAvailable()) {
            System.err.println("opencl unavailable: " + provider.unavailabilityCause());
            System.exit(2);
        }
        List<ClDevice> devices = provider.clDevices();
        ClDevice dev = devices.get(OpenClBackendProvider.choose(devices, device, System.getenv(OpenClBackendProvider.DEVICE_ENV),
                OpenClBackendProvider.DEVICE_ENV));
        ClGemm.Variant v = switch (variant) {
            case "cpu" -> ClGemm.Variant.CPU_BLOCKED;
            case "gpu" -> ClGemm.Variant.GPU_TILED;
            case "auto" -> ClGemm.Variant.forDevice(dev);
            default -> throw new IllegalArgumentException("ClGemmBench: --variant must be auto, cpu or gpu, got " + variant);
        };
        List<Shape> shapes = new ArrayList<>(QUICK);
        if (!quick) shapes.addAll(WIDE);
        try (OpenClBackend b = new OpenClBackend(dev, v)) {
            System.out.println("device: " + b.device());
            System.out.println("gemm:   " + v.description);
            for (Shape s : shapes) run(b, s, reps);
        }
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) throw new IllegalArgumentException("ClGemmBench: " + flag + " needs a value");
        return args[i];
    }

    private static void run(OpenClBackend b, Shape s, int reps) {
        float[] a = random((long) s.m * s.k, 1), bb = random((long) s.k * s.n, 2);
        int lda = s.transA ? s.m : s.k, ldb = s.transB ? s.k : s.n;
        try (DeviceBuffer da = b.alloc(a.length); DeviceBuffer db = b.alloc(bb.length);
             DeviceBuffer dc = b.alloc((long) s.m * s.n)) {
            b.upload(a, 0, da, 0, a.length);
            b.upload(bb, 0, db, 0, bb.length);
            b.synchronize();
            double[] t = new double[reps + 1];
            for (int r = 0; r <= reps; r++) {
                long t0 = System.nanoTime();
                b.gemm(s.transA, s.transB, s.m, s.n, s.k, 1f, da, 0, lda, db, 0, ldb, 0f, dc, 0, s.n);
                b.synchronize();
                t[r] = (System.nanoTime() - t0) / 1e9;
            }
            double[] timed = Arrays.copyOfRange(t, 1, t.length);   // t[0] is the warm-up (kernel compile)
            Arrays.sort(timed);
            double med = timed[timed.length / 2];
            System.out.println(String.format(Locale.ROOT, "%-34s %9.2f ms  %7.1f GFLOP/s  (first call %.0f ms)",
                    s.label, med * 1e3, s.flops() / med / 1e9, t[0] * 1e3));
        }
    }

    private static float[] random(long n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[Math.toIntExact(n)];
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() - 0.5);
        return x;
    }
}
