package dev.kiln.backend.conformance;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Predicate;

import dev.kiln.backend.Backend;

/**
 * The backend conformance cases as main code, so that a machine with only a JRE and the jar (the GPU
 * machine of ci/gpu-check) can hold a backend to the CPU reference without JUnit: every {@link Backend}
 * op runs on the backend under test and on the reference with the same seeded inputs, at the awkward
 * sizes of the JUnit suite {@code BackendConformanceTest} (1, 31, 33, 1000, non-square), and the results
 * are compared element by element within named {@link Margin}s (the same values as the suite's
 * {@code Tolerances}).
 *
 * <p>Each {@link Result} is one case (one op at one shape and setting); {@link #summarize} groups them by
 * op. A case whose backend throws fails with the exception's message. {@link #uncoveredOps()} names any
 * Backend method no case exercises, and {@link #run} reports it as a failure, so a new op cannot slip by.
 */
public final class Conformance {
    private Conformance() {}

    /** How close two numbers must be: |actual - expected| <= abs + rel |expected|; NaN matches NaN. */
    public record Margin(double abs, double rel) {
        public boolean accepts(double expected, double actual) {
            if (Double.isNaN(expected)) return Double.isNaN(actual);
            if (Double.isInfinite(expected)) return expected == actual;
            return Math.abs(actual - expected) <= abs + rel * Math.abs(expected);
        }

        @Override public String toString() { return "(abs " + abs + ", rel " + rel + ")"; }
    }

    /** Copies, gather, fill, dropout masks, counts: bit-exact. */
    public static final Margin EXACT = new Margin(0, 0);
    /** linear / relu / leaky relu and their derivatives. */
    public static final Margin PIECEWISE = new Margin(1e-7, 1e-6);
    /** sigmoid, tanh, GELU, softmax and their derivatives (a float32 transcendental, a few roundings). */
    public static final Margin TRANSCENDENTAL = new Margin(1e-6, 1e-5);
    /** The summed loss of a batch of up to 1000 rows. */
    public static final Margin LOSS_SUM = new Margin(1e-5, 3e-5);
    /** Column sums of biasGrad over up to 1000 rows, with cancellation. */
    public static final Margin BIAS_GRAD = new Margin(1e-5, 1e-5);
    /** sumSquares over up to 10^5 elements. */
    public static final Margin SUM_SQUARES = new Margin(1e-6, 1e-5);
    /** One fused optimizer step. */
    public static final Margin UPDATE = new Margin(1e-7, 2e-6);

    /** GEMM with k terms of size about 1: (1e-5, 1e-4), the absolute part growing like k beyond 64. */
    public static Margin gemm(int k) { return new Margin(1e-5 * Math.max(1.0, k / 64.0), 1e-4); }

    /** A loss gradient: (5e-7, 1e-5) with the absolute part scaled by |gradScale|. */
    public static Margin lossGrad(double gradScale) { return new Margin(5e-7 * Math.abs(gradScale), 1e-5); }

    /**
     * One case: its group (the op, e.g. "gemm", or "memory" for alloc/upload/download/fill/copy), a
     * description, and the first mismatches when it failed.
     */
    public record Result(String op, String name, boolean passed, String detail) {
        /** "PASS gemm m=31 ..." or "FAIL gemm m=31 ...: detail". */
        public String line() { return (passed ? "PASS " : "FAIL ") + op + " " + name + (passed ? "" : ": " + detail); }
    }

    /** Per op: how many cases passed and failed, and the failures. */
    public record OpSummary(String op, int passed, int failed, List<Result> failures) {
        public boolean ok() { return failed == 0; }

        /** "PASS gemm (144 cases)" or "FAIL loss (3 of 72 cases failed)". */
        public String line() {
            return ok() ? String.format(Locale.ROOT, "PASS %-20s (%d cases)", op, passed)
                        : String.format(Locale.ROOT, "FAIL %-20s (%d of %d cases failed)", op, failed, passed + failed);
        }
    }

    /** The Backend methods the cases exercise (identity and lifecycle included: they run in every case). */
    public static Set<String> coveredOps() { return Cases.COVERED; }

    /** Backend methods that no case exercises; empty while the cases keep up with the interface. */
    public static Set<String> uncoveredOps() {
        Set<String> missing = new TreeSet<>();
        for (Method m : Backend.class.getDeclaredMethods())
            if (!Modifier.isStatic(m.getModifiers()) && !m.isSynthetic()) missing.add(m.getName());
        missing.removeAll(coveredOps());
        return missing;
    }

    /**
     * Runs every case on {@code subject} and {@code reference}; each result also goes to {@code listener} as
     * it is decided (may be null). Neither backend is closed.
     */
    public static List<Result> run(Backend subject, Backend reference, Consumer<Result> listener) {
        return run(subject, reference, listener, group -> true);
    }

    /** As {@link #run(Backend, Backend, Consumer)}, for the case groups {@code groups} accepts (e.g. "gemm"). */
    public static List<Result> run(Backend subject, Backend reference, Consumer<Result> listener, Predicate<String> groups) {
        List<Result> results = new ArrayList<>();
        Consumer<Result> sink = r -> {
            results.add(r);
            if (listener != null) listener.accept(r);
        };
        new Cases(subject, reference, sink, groups).runAll();
        Set<String> missing = uncoveredOps();
        if (!missing.isEmpty() && groups.test("coverage"))
            sink.accept(new Result("coverage", "every Backend method", false, "no conformance case exercises " + missing));
        return results;
    }

    /** Groups results by op, in the order ops first appear. */
    public static List<OpSummary> summarize(List<Result> results) {
        Map<String, List<Result>> byOp = new LinkedHashMap<>();
        for (Result r : results) byOp.computeIfAbsent(r.op(), k -> new ArrayList<>()).add(r);
        List<OpSummary> out = new ArrayList<>();
        for (Map.Entry<String, List<Result>> e : byOp.entrySet()) {
            List<Result> failures = e.getValue().stream().filter(r -> !r.passed()).toList();
            out.add(new OpSummary(e.getKey(), e.getValue().size() - failures.size(), failures.size(), failures));
        }
        return out;
    }

    /**
     * Compares {@code actual} with {@code expected} within {@code margin}: null when they agree, else how
     * many elements differ and the first five, with their indices.
     */
    public static String compare(float[] expected, float[] actual, Margin margin) {
        if (expected.length != actual.length) return "length " + actual.length + " != expected " + expected.length;
        StringBuilder bad = new StringBuilder();
        int count = 0;
        for (int i = 0; i < expected.length; i++) {
            if (!margin.accepts(expected[i], actual[i])) {
                if (count < 5) bad.append(String.format(Locale.ROOT, " [%d] expected %.9g got %.9g;", i, expected[i], actual[i]));
                count++;
            }
        }
        return count == 0 ? null : count + " of " + expected.length + " outside " + margin + ":" + bad;
    }
}
