package dev.kiln.backend.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import dev.kiln.backend.Backend;
import dev.kiln.backend.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

/**
 * The main-code conformance runner that CudaSelfTest uses on GPU machines: it passes a correct backend, it
 * catches a subtly wrong one (and names the elements), and its cases cover every Backend method.
 */
class ConformanceTest {

    /** A backend that delegates to {@code inner} but scales every GEMM's alpha by {@code factor}. */
    private static Backend skewedGemm(Backend inner, float factor) {
        InvocationHandler h = (proxy, method, args) -> {
            if (method.getName().equals("gemm")) args[5] = (Float) args[5] * factor;
            try {
                return method.invoke(inner, args);
            } catch (java.lang.reflect.InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, h);
    }

    @Test
    void theCpuBackendPassesAgainstItself() {
        try (Backend subject = new CpuBackend(2); Backend reference = new CpuBackend(1)) {
            List<Conformance.Result> results = Conformance.run(subject, reference, null);
            List<Conformance.Result> failed = results.stream().filter(r -> !r.passed()).toList();
            assertTrue(failed.isEmpty(), "failures: " + failed);
            assertTrue(results.size() > 150, results.size() + " cases");
            Set<String> groups = new TreeSet<>();
            for (Conformance.OpSummary s : Conformance.summarize(results)) {
                groups.add(s.op());
                assertTrue(s.ok() && s.line().startsWith("PASS "), s.line());
            }
            assertEquals(new TreeSet<>(List.of("identity", "memory", "gather", "gemm", "biasActivation", "activationBackward",
                    "biasGrad", "loss", "countCorrect", "dropout", "sumSquares", "update", "statsSlots")), groups);
        }
    }

    @Test
    void aGemmOffByATenthOfAPercentFailsAndIsNamed() {
        try (Backend cpu = new CpuBackend(1); Backend wrong = skewedGemm(new CpuBackend(1), 1.001f)) {
            List<Conformance.Result> results = Conformance.run(wrong, cpu, null, g -> g.equals("gemm") || g.equals("gather"));
            List<Conformance.OpSummary> ops = Conformance.summarize(results);
            Conformance.OpSummary gemm = ops.stream().filter(s -> s.op().equals("gemm")).findFirst().orElseThrow();
            Conformance.OpSummary gather = ops.stream().filter(s -> s.op().equals("gather")).findFirst().orElseThrow();
            assertTrue(gather.ok(), "gather does not go through gemm: " + gather.failures());
            assertEquals(48, gemm.passed() + gemm.failed());
            assertEquals(48, gemm.failed(), "every GEMM case is off by 1e-3 relative: " + gemm.line());
            assertTrue(gemm.line().startsWith("FAIL gemm"), gemm.line());
            Conformance.Result first = gemm.failures().get(0);
            assertTrue(first.line().matches("FAIL gemm m=1 n=1 k=1: C \\(alpha 1\\.0, beta 0\\.0\\): 1 of \\d+ outside .*\\[7] expected .*"),
                    first.line());
        }
    }

    @Test
    void everyBackendMethodHasACase() {
        Set<String> declared = new TreeSet<>();
        for (Method m : Backend.class.getDeclaredMethods())
            if (!Modifier.isStatic(m.getModifiers()) && !m.isSynthetic()) declared.add(m.getName());
        assertEquals(declared, new TreeSet<>(Conformance.coveredOps()), "the cases name exactly Backend's methods");
        assertTrue(Conformance.uncoveredOps().isEmpty());
    }

    @Test
    void compareNamesTheFirstMismatchesAndTreatsNanAsEqualToNan() {
        Conformance.Margin m = new Conformance.Margin(1e-6, 1e-5);
        assertNull(Conformance.compare(new float[] {1f, Float.NaN, Float.POSITIVE_INFINITY}, new float[] {1.000005f, Float.NaN, Float.POSITIVE_INFINITY}, m));
        assertEquals("1 of 3 outside (abs 1.0E-6, rel 1.0E-5): [1] expected 2.00000000 got 2.09999990;",
                Conformance.compare(new float[] {1f, 2f, 3f}, new float[] {1f, 2.1f, 3f}, m));
        assertEquals("length 2 != expected 3", Conformance.compare(new float[3], new float[2], m));
        assertFalse(m.accepts(1.0, Double.NaN));
        assertTrue(Conformance.EXACT.accepts(0.5, 0.5));
        assertFalse(Conformance.EXACT.accepts(0.5, Math.nextUp(0.5)));
    }
}
