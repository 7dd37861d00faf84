package dev.kiln.backend.cuda;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.kiln.backend.Backend;
import dev.kiln.backend.conformance.Conformance;
import dev.kiln.backend.cpu.CpuBackend;

/**
 * The CUDA self test for a machine with only a JRE and the jar (ci/gpu-check): runs the conformance cases
 * ({@link Conformance#cases}, the same cases CudaConformanceTest runs under JUnit) on a CUDA device against
 * the CPU backend and prints PASS or FAIL per op, then {@code N passed, M failed} (ops). When cuBLAS does the GEMM, the GEMM
 * cases run a second time on Kiln's own SGEMM kernels.
 *
 * <pre>
 *   java --add-modules jdk.incubator.vector -cp kiln.jar dev.kiln.backend.cuda.CudaSelfTest [--device N] [--gemm auto|kiln|cublas] [--verbose]
 * </pre>
 * Exit status: 0 all passed, 1 a case failed, 2 CUDA is unavailable (the cause is printed), 3 bad arguments.
 */
public final class CudaSelfTest {
    private CudaSelfTest() {}

    /** Runs the self test ({@link #run}) on standard output and exits with its status. */
    public static void main(String[] args) {
        System.exit(run(args, System.out));
    }

    /** Runs the self test, printing to {@code out}; returns the exit status. */
    public static int run(String[] args, PrintStream out) {
        int device = -1;
        CudaBackend.GemmChoice gemm = CudaBackend.GemmChoice.AUTO;
        boolean verbose = false;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--device" -> device = Integer.parseInt(value(args, ++i, "--device"));
                    case "--gemm" -> gemm = CudaBackend.GemmChoice.parse(value(args, ++i, "--gemm"));
                    case "--verbose", "-v" -> verbose = true;
                    case "--help", "-h" -> {
                        out.println("usage: CudaSelfTest [--device N] [--gemm auto|kiln|cublas] [--verbose]");
                        return 0;
                    }
                    default -> throw new IllegalArgumentException("unknown argument '" + args[i] + "'");
                }
            }
        } catch (IllegalArgumentException e) {
            out.println("kiln cuda selftest: " + e.getMessage());
            return 3;
        }

        CudaBackendProvider provider = new CudaBackendProvider();
        out.println("kiln CUDA self test: every Backend op on CUDA against the CPU backend");
        if (!provider.isAvailable()) {
            out.println("cuda unavailable: " + provider.unavailabilityCause());
            out.println("0 passed, 0 failed");
            return 2;
        }
        List<String> devices = provider.devices();
        for (int i = 0; i < devices.size(); i++) out.println("device " + i + ": " + devices.get(i));

        List<Conformance.Result> results = new ArrayList<>();
        long t0 = System.nanoTime();
        try (CudaBackend cuda = provider.open(device, gemm); Backend cpu = new CpuBackend(1)) {
            for (Map.Entry<String, String> e : cuda.provenance().entrySet()) out.println("  " + e.getKey() + ": " + e.getValue());
            boolean print = verbose;
            results.addAll(Conformance.run(cuda, cpu, r -> { if (print || !r.passed()) out.println("  " + r.line()); }));
            boolean cublas = cuda.gemmDescription().startsWith("cublas");
            if (cublas) {
                try (CudaBackend own = provider.open(device, CudaBackend.GemmChoice.KILN)) {
                    out.println("GEMM again on Kiln's SGEMM kernels: " + own.gemmDescription());
                    for (Conformance.Result r : Conformance.run(own, cpu, null, "gemm"::equals)) {
                        Conformance.Result renamed = new Conformance.Result("gemm[kiln-sgemm]", r.name(), r.passed(), r.detail());
                        if (verbose || !r.passed()) out.println("  " + renamed.line());
                        results.add(renamed);
                    }
                }
            }
        } catch (RuntimeException e) {
            out.println("FAIL setup: " + e);
            results.add(new Conformance.Result("setup", "open the CUDA backend", false, e.toString()));
        }

        int passed = 0, failed = 0;
        for (Conformance.OpSummary s : Conformance.summarize(results)) {
            out.println(s.line());
            if (s.ok()) passed++;
            else failed++;
        }
        out.printf(Locale.ROOT, "%d cases in %.1f s%n", results.size(), (System.nanoTime() - t0) / 1e9);
        out.println(passed + " passed, " + failed + " failed");
        return failed == 0 ? 0 : 1;
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) throw new IllegalArgumentException(flag + " needs a value");
        return args[i];
    }
}
