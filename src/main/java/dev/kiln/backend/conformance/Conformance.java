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
import java.util.function.Supplier;

import dev.kiln.backend.Activation;
import dev.kiln.backend.Backend;

/**
 * The backend conformance cases as main code, so that a machine with only a JRE and the jar (the GPU
 * machine of ci/gpu-check) can hold a backend to the CPU reference without JUnit: every {@link Backend}
 * op runs on the backend under test and on the reference with the same seeded inputs, at the awkward
 * sizes of the JUnit suite {@code BackendConformanceTest} (1, 31, 33, 1000, non-square), and the results
 * are compared element by element within named {@link Margin}s. These cases are the single source: the
 * JUnit suite generates its tests from {@link #cases}, and its {@code Tolerances} wrap these margins.
 *
 * <p>Each {@link Result} is one case (one op at one shape and setting); {@link #summarize} groups them by
 * op. A case whose backend throws fails with the exception's message. {@link #uncoveredOps()} names any
 * Backend method no case exercises, and {@link #run} reports it as a failure, so a new op cannot slip by.
 */
public final class Conformance {
    private Conformance() {}

    /** How close two numbers must be: |actual - expected| &lt;= abs + rel |expected|; NaN matches NaN. */
    public record Margin(double abs, double rel) {
        /** Whether {@code actual} is within this margin of {@code expected}. */
        public boolean accepts(double expected, double actual) {
            if (Double.isNaN(expected)) return Double.isNaN(actual);
            if (Double.isInfinite(expected)) return expected == actual;
            return Math.abs(actual - expected) <= abs + rel * Math.abs(expected);
        }

        @Override public String toString() { return "(abs " + abs + ", rel " + rel + ")"; }
    }

    // The named margins: the one place their values live. The JUnit suite's dev.kiln.backend.Tolerances
    // wraps these same values as dev.kiln.Tolerance for the other backend tests.

    /** Copies, gather, gatherOneHot, fill, dropout masks and products by a mask, counts: bit-exact. */
    public static final Margin EXACT = new Margin(0, 0);

    /** linear / relu / leaky relu and their derivatives: one float multiply at most. */
    public static final Margin PIECEWISE = new Margin(1e-7, 1e-6);

    /**
     * sigmoid, tanh, GELU and softmax and their derivatives: a transcendental function in float32 (CUDA's
     * expf/tanhf/erff are within 2-4 ulp, about 5e-7) plus a few roundings.
     */
    public static final Margin TRANSCENDENTAL = new Margin(1e-6, 1e-5);

    /** The summed loss of a batch: row losses of a few ulp, summed in float on a GPU over up to 1000 rows. */
    public static final Margin LOSS_SUM = new Margin(1e-5, 3e-5);

    /**
     * A loss gradient at gradScale 1: softmax(z) - y and friends, where the subtraction cancels, so the
     * absolute part is a few ulp of 1. Scale {@code abs} with gradScale, see {@link #lossGrad}.
     */
    public static final Margin LOSS_GRAD = new Margin(5e-7, 1e-5);

    /** Column sums of biasGrad over up to 1000 rows of values in [-1, 1], with cancellation. */
    public static final Margin BIAS_GRAD = new Margin(1e-5, 1e-5);

    /** sumSquares: a positive sum over up to 10^5 elements (a GPU tree-reduces in float). */
    public static final Margin SUM_SQUARES = new Margin(1e-6, 1e-5);

    /**
     * One fused optimizer step: the same float formula on every backend, up to FMA contraction and the
     * rounding of sqrt/division on the device.
     */
    public static final Margin UPDATE = new Margin(1e-7, 2e-6);

    /** GEMM-sized float32 sums with k up to 64: the base of {@link #gemm}. */
    public static final Margin GEMM = new Margin(1e-5, 1e-4);

    /**
     * GEMM with k terms per element of size about 1: {@link #GEMM}, its absolute part growing like k/64 beyond
     * 64 (a float dot product's rounding error grows like k in the worst case).
     */
    public static Margin gemm(int k) { return new Margin(GEMM.abs() * Math.max(1.0, k / 64.0), GEMM.rel()); }

    /** {@link #LOSS_GRAD} with its absolute part scaled by |gradScale| (a mean loss scales by 1/rows). */
    public static Margin lossGrad(double gradScale) { return new Margin(LOSS_GRAD.abs() * Math.abs(gradScale), LOSS_GRAD.rel()); }

    /** {@link #PIECEWISE} or {@link #TRANSCENDENTAL}, as the activation needs. */
    public static Margin activation(Activation act) {
        return switch (act) {
            case LINEAR, RELU, LEAKY_RELU -> PIECEWISE;
            default -> TRANSCENDENTAL;
        };
    }

    /**
     * One case: its group (the op, e.g. "gemm", or "memory" for alloc/upload/download/fill/copy), a
     * description, the first mismatches when it failed, and what a backend threw (null if nothing).
     */
    public record Result(String op, String name, boolean passed, String detail, Throwable error) {
        /** A result without a thrown error. */
        public Result(String op, String name, boolean passed, String detail) { this(op, name, passed, detail, null); }

        /** "PASS gemm m=31 ..." or "FAIL gemm m=31 ...: detail". */
        public String line() { return (passed ? "PASS " : "FAIL ") + op + " " + name + (passed ? "" : ": " + detail); }
    }

    /** Per op: how many cases passed and failed, and the failures. */
    public record OpSummary(String op, int passed, int failed, List<Result> failures) {
        /** Whether no case of the op failed. */
        public boolean ok() { return failed == 0; }

        /** "PASS gemm (144 cases)" or "FAIL loss (3 of 72 cases failed)". */
        public String line() {
            return ok() ? String.format(Locale.ROOT, "PASS %-20s (%d cases)", op, passed)
                        : String.format(Locale.ROOT, "FAIL %-20s (%d of %d cases failed)", op, failed, passed + failed);
        }
    }

    /**
     * One case bound to its two backends: its group (the op), its name, and {@link #run}, which runs the op on
     * both, compares what they wrote, frees its buffers and returns the verdict. Cases are independent (each
     * seeds its own inputs from its name), so any one can run alone, in any order.
     */
    public static final class Case {
        private final String op, name;
        private final Supplier<Result> body;

        Case(String op, String name, Supplier<Result> body) {
            this.op = op;
            this.name = name;
            this.body = body;
        }

        /** The group, e.g. "gemm". */
        public String op() { return op; }

        /** What this case runs, e.g. "m=31 n=33 k=1 A^T". */
        public String name() { return name; }

        /** Runs the case; what either backend throws becomes a failed result. */
        public Result run() { return body.get(); }
    }

    /**
     * The cases of the groups {@code groups} accepts, in a fixed order, bound to {@code subject} and
     * {@code reference}. Listing them touches neither backend (both may be null until a case runs).
     */
    public static List<Case> cases(Backend subject, Backend reference, Predicate<String> groups) {
        return new Cases(subject, reference, groups).list();
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
        for (Case c : cases(subject, reference, groups)) sink.accept(c.run());
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
