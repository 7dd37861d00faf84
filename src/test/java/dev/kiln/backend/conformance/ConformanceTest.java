package dev.kiln.backend.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import dev.kiln.Tolerance;
import dev.kiln.backend.Activation;
import dev.kiln.backend.Backend;
import dev.kiln.backend.LossKind;
import dev.kiln.backend.Tolerances;
import dev.kiln.backend.UpdateRule;
import dev.kiln.backend.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

/**
 * The main-code conformance cases, which CudaSelfTest runs on GPU machines and BackendConformanceTest turns
 * into JUnit tests: they pass a correct backend, catch a subtly wrong one (and name the elements), cover
 * every Backend method, every activation, loss, update rule, transpose and the awkward sizes, and each
 * case runs alone with the same inputs as in the full sequence.
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
            assertEquals(new TreeSet<>(List.of("identity", "memory", "gather", "gatherOneHot", "gemm", "biasActivation", "activationBackward",
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

    private static List<String> names(String group) {
        return Conformance.cases(null, null, group::equals).stream().map(Conformance.Case::name).toList();
    }

    @Test
    void theCasesSpanEveryActivationLossRuleTransposeAndSize() {
        List<Conformance.Case> all = Conformance.cases(null, null, g -> true);   // listing touches no backend
        Set<String> full = new HashSet<>();
        for (Conformance.Case c : all) assertTrue(full.add(c.op() + " " + c.name()), "duplicate case " + c.op() + " " + c.name());
        for (Activation act : Activation.values()) {
            for (String shape : List.of("1x1", "31x33", "33x31", "1000x10", "7x1000"))
                assertTrue(names("biasActivation").contains(act + " " + shape), act + " " + shape);
            for (String shape : List.of("1x1", "31x33", "1000x10", "7x1000"))
                for (String mode : List.of("", " in place"))
                    assertTrue(names("activationBackward").contains(act + " " + shape + mode), act + " " + shape + mode);
        }
        for (LossKind kind : LossKind.values())
            for (int rows : new int[] {1, 31, 33, 1000})
                for (String g : List.of(" with gradient", ""))
                    assertTrue(names("loss").contains(kind + " " + rows + "x33" + g), kind + " " + rows + g);
        for (UpdateRule rule : UpdateRule.values())
            for (int n : new int[] {1, 31, 33, 1000, 70001})
                assertTrue(names("update").contains(rule + " n=" + n + " (7 steps)"), rule + " n=" + n);
        List<String> gemm = names("gemm");
        assertEquals(48, gemm.size());
        for (String t : List.of("", " B^T", " A^T", " A^T B^T")) {
            assertTrue(gemm.contains("m=1000 n=31 k=33" + t), t);
            assertTrue(gemm.contains("m=64 n=40 k=129" + t), t);
        }
        for (int n : new int[] {1, 31, 33, 1000}) assertTrue(names("memory").contains("alloc/upload/download/fill/copy n=" + n));
        assertEquals(List.of("n=1", "n=31", "n=33", "n=1000", "n=100003", "propagates NaN", "propagates Infinity"), names("sumSquares"));
        assertEquals(12, names("gather").size());
        List<String> oneHot = names("gatherOneHot");
        assertEquals(4 * 4 * 2 + 1, oneHot.size());
        for (String shape : List.of("1x1 idxOff=5", "31x10 idxOff=1", "1000x1024 idxOff=5"))
            assertTrue(oneHot.contains(shape), shape);
        assertEquals(5, names("biasGrad").size());
        assertEquals(16, names("countCorrect").size());
        assertEquals(5 * 4 * 3, names("dropout").size());
        assertEquals(1, names("statsSlots").size());
    }

    @Test
    void aCaseRunAloneSeesTheInputsItSeesInSequence() {
        try (Backend cpu = new CpuBackend(1); Backend skew = skewedGemm(new CpuBackend(1), 1.001f)) {
            // a wrong GEMM fails the same elements whether the case runs alone or after the others
            Conformance.Case alone = Conformance.cases(skew, cpu, "gemm"::equals).get(17);
            List<Conformance.Result> seq = Conformance.run(skew, cpu, null, "gemm"::equals);
            assertEquals(seq.get(17), alone.run());
            assertFalse(seq.get(17).passed());
        }
    }

    @Test
    void aThrowingBackendFailsItsCaseAndKeepsTheCause() {
        InvocationHandler h = (proxy, method, args) -> {
            throw new IllegalStateException("device lost in " + method.getName());
        };
        Backend broken = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, h);
        try (Backend cpu = new CpuBackend(1)) {
            Conformance.Result r = Conformance.cases(broken, cpu, "biasGrad"::equals).get(0).run();
            assertFalse(r.passed());
            assertTrue(r.detail().startsWith("threw java.lang.IllegalStateException: device lost in alloc"), r.detail());
            assertTrue(r.error() instanceof IllegalStateException, String.valueOf(r.error()));
        }
    }

    @Test
    void theTestsToleranceWrapsTheseMargins() {
        assertEquals(Tolerance.GEMM, Tolerances.of(Conformance.GEMM), "GEMM margin is the shared Tolerance.GEMM");
        assertEquals(Tolerances.gemm(1000), Tolerances.of(Conformance.gemm(1000)));
        assertEquals(new Tolerance(Conformance.UPDATE.abs(), Conformance.UPDATE.rel()), Tolerances.UPDATE);
        assertEquals(Conformance.TRANSCENDENTAL, Conformance.activation(Activation.GELU));
        assertEquals(Conformance.PIECEWISE, Conformance.activation(Activation.LEAKY_RELU));
    }
}
