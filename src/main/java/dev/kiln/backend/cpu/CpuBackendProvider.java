package dev.kiln.backend.cpu;

import dev.kiln.backend.Backend;
import dev.kiln.backend.BackendProvider;

import java.util.List;

/**
 * The CPU backend as {@link java.util.ServiceLoader} sees it: name "cpu", rank 100 (the last resort of
 * automatic selection), always available. Its thread count is {@code -Dkiln.cpu.threads}, else the
 * environment variable {@code KILN_CPU_THREADS}, else the number of available processors.
 */
public final class CpuBackendProvider implements BackendProvider {
    /** System property naming the thread count; it wins over the environment variable. */
    public static final String THREADS_PROPERTY = "kiln.cpu.threads";
    /** Environment variable naming the thread count. */
    public static final String THREADS_ENV = "KILN_CPU_THREADS";

    @Override public String name() { return "cpu"; }

    @Override public int rank() { return 100; }

    @Override public boolean isAvailable() { return true; }

    @Override public String unavailabilityCause() { return null; }

    @Override
    public List<String> devices() {
        int t = configuredThreads();
        return List.of(t + (t == 1 ? " thread, " : " threads, ") + (CpuGemm.bestKind()
                ? "Vector API " + VectorMicroKernel.lanes() + " lanes"
                : "scalar GEMM (" + CpuGemm.vectorProblem() + ")"));
    }

    @Override
    public Backend create(int device) {
        if (device != -1 && device != 0)
            throw new IllegalArgumentException("cpu backend: device " + device + " does not exist (the CPU is device 0)");
        return new CpuBackend(configuredThreads());
    }

    /**
     * The thread count: {@code -Dkiln.cpu.threads}, else {@code KILN_CPU_THREADS}, else
     * {@link Runtime#availableProcessors()}. A value that is not a positive integer is an error naming it.
     */
    public static int configuredThreads() {
        String prop = System.getProperty(THREADS_PROPERTY);
        if (prop != null && !prop.isBlank()) return parse("-D" + THREADS_PROPERTY, prop);
        String env = System.getenv(THREADS_ENV);
        if (env != null && !env.isBlank()) return parse(THREADS_ENV, env);
        return Math.max(1, Runtime.getRuntime().availableProcessors());
    }

    static int parse(String source, String value) {
        try {
            int t = Integer.parseInt(value.trim());
            if (t >= 1 && t <= 1024) return t;
        } catch (NumberFormatException ignored) {
            // reported below with the value
        }
        throw new IllegalArgumentException(source + ": expected a thread count in [1, 1024], got '" + value + "'");
    }
}
