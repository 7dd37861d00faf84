package dev.kiln.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.backend.conformance.Conformance;
import dev.kiln.backend.cpu.CpuBackend;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * The backend conformance suite: one JUnit test per case of {@link Conformance#cases} (main code, the single
 * list of cases, which CudaSelfTest also runs on GPU machines without JUnit). Every {@link Backend} op runs
 * on the backend under test and on the CPU reference backend with the same seeded inputs, at awkward sizes
 * (1, 31, 33, 1000 and non-square shapes, every transpose, activation, loss and {@link UpdateRule}), and the
 * results are compared within the named margins (see {@link Tolerances}); a failure names the case and the
 * first five mismatching elements.
 *
 * <p>A backend joins by subclassing: {@code class OpenClConformanceTest extends BackendConformanceTest {
 * protected BackendProvider provider() { return new OpenClBackendProvider(); } }}. When the provider is
 * unavailable on this machine, every test, each case included, is skipped with its
 * {@link BackendProvider#unavailabilityCause()}. {@link #coversEveryBackendMethod} fails when
 * {@link Backend} gains a method the cases do not exercise (EJML's CheckMultiThreadAgainstSingleThread).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class BackendConformanceTest {

    /** The provider of the backend under test. */
    protected abstract BackendProvider provider();

    /** Opens the backend under test (the best device by default). */
    protected Backend openBackend(BackendProvider provider) {
        return provider.create(-1);
    }

    /** The reference every result is compared with: the CPU backend on one thread. */
    protected Backend openReference() {
        return new CpuBackend(1);
    }

    /** The number of methods Backend declares, so a change to the interface is noticed here too. */
    static final int BACKEND_METHODS = 25;

    protected Backend dut;
    protected Backend ref;
    private String unavailable;

    @BeforeAll
    void openBackends() {
        BackendProvider p = provider();
        if (!p.isAvailable()) {
            unavailable = "backend " + p.name() + " unavailable: " + p.unavailabilityCause();
            return;
        }
        dut = openBackend(p);
        ref = openReference();
    }

    @AfterAll
    void closeBackends() {
        if (dut != null) dut.close();
        if (ref != null) ref.close();
    }

    /** Skips the calling test, with the provider's reason, where the backend is unavailable (reports list every skip). */
    private void requireBackend() {
        assumeTrue(unavailable == null, unavailable);
    }

    /**
     * The cases of one group as tests, named as {@link Conformance.Case#name} (e.g. "m=31 n=33 k=1 A^T").
     * Listing the cases touches no backend, so where the backend is unavailable each case is still a test,
     * skipped with the cause.
     */
    private Stream<DynamicTest> group(String op) {
        return Conformance.cases(dut, ref, op::equals).stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> check(c)));
    }

    // One factory per group, so reports read "gemm()[17]"; everyGroupHasAFactory keeps them complete.
    @TestFactory Stream<DynamicTest> identity() { return group("identity"); }
    @TestFactory Stream<DynamicTest> memory() { return group("memory"); }
    @TestFactory Stream<DynamicTest> gather() { return group("gather"); }
    @TestFactory Stream<DynamicTest> gatherOneHot() { return group("gatherOneHot"); }
    @TestFactory Stream<DynamicTest> gemm() { return group("gemm"); }
    @TestFactory Stream<DynamicTest> biasActivation() { return group("biasActivation"); }
    @TestFactory Stream<DynamicTest> activationBackward() { return group("activationBackward"); }
    @TestFactory Stream<DynamicTest> biasGrad() { return group("biasGrad"); }
    @TestFactory Stream<DynamicTest> loss() { return group("loss"); }
    @TestFactory Stream<DynamicTest> countCorrect() { return group("countCorrect"); }
    @TestFactory Stream<DynamicTest> dropout() { return group("dropout"); }
    @TestFactory Stream<DynamicTest> sumSquares() { return group("sumSquares"); }
    @TestFactory Stream<DynamicTest> update() { return group("update"); }
    @TestFactory Stream<DynamicTest> statsSlots() { return group("statsSlots"); }

    /** Every group of cases has its factory above (a group without one would silently not run here). */
    @Test
    void everyGroupHasAFactory() {
        Set<String> groups = new TreeSet<>();
        for (Conformance.Case c : Conformance.cases(null, null, g -> true)) groups.add(c.op());
        Set<String> factories = new TreeSet<>();
        for (Method m : BackendConformanceTest.class.getDeclaredMethods())
            if (m.isAnnotationPresent(TestFactory.class)) factories.add(m.getName());
        assertEquals(groups, factories, "a @TestFactory per Conformance case group");
    }

    private void check(Conformance.Case c) {
        requireBackend();
        Conformance.Result r = c.run();
        if (!r.passed()) throw new AssertionError(dut.name() + " vs cpu: " + r.line(), r.error());
    }

    // ---- what needs the provider, which the cases do not know -----------------------------------------

    @Test
    void identityIsTheProviders() {
        requireBackend();
        assertEquals(provider().name(), dut.name(), "name() is the provider's name");
    }

    @Test
    void closeReleasesABackend() {
        requireBackend();
        Backend other = openBackend(provider());
        DeviceBuffer b = other.alloc(33);
        other.upload(new float[] {1, 2, 3}, 0, b, 30, 3);
        float[] x = new float[3];
        other.download(b, 30, x, 0, 3);
        assertEquals(3f, x[2]);
        other.synchronize();
        other.close();
    }

    /**
     * ReLU at the special values, bit for bit as torch 1.13 computes them: {@code torch.relu} is clamp_min(z, 0)
     * (NaN stays NaN, so a diverged activation shows; -0 stays -0), its gradient threshold_backward
     * ({@code z <= 0 ? 0 : grad}: 1 at NaN); leaky_relu's gradient is {@code z > 0 ? grad : slope * grad}
     * (slope at NaN). Values printed by torch for the z below.
     */
    @Test
    void reluAtSpecialValuesIsTorchs() {
        requireBackend();
        float nan = Float.NaN, inf = Float.POSITIVE_INFINITY;
        float[] z = {nan, -0f, 0f, -1f, inf, -inf, 2.5f, -3f};
        float[] relu = {nan, -0f, 0f, 0f, inf, 0f, 2.5f, 0f};
        float[] reluGrad = {1, 0, 0, 0, 1, 0, 1, 0};
        float[] leakyGrad = {0.1f, 0.1f, 0.1f, 0.1f, 1, 0.1f, 1, 0.1f};
        int n = z.length;
        try (DeviceBuffer zb = dut.alloc(n); DeviceBuffer bias = dut.alloc(n); DeviceBuffer a = dut.alloc(n);
             DeviceBuffer ones = dut.alloc(n); DeviceBuffer dz = dut.alloc(n)) {
            dut.upload(z, 0, zb, 0, n);
            dut.fill(bias, 0, n, -0f);      // z + (-0) = z for every z above, -0 included (+0 would turn -0 into +0)
            dut.fill(ones, 0, n, 1f);
            dut.biasActivation(Activation.RELU, 0f, zb, bias, 0, a, 1, n);
            assertBits("relu", relu, download(a, n));
            dut.activationBackward(Activation.RELU, 0f, zb, a, ones, dz, 1, n);
            assertBits("relu gradient", reluGrad, download(dz, n));
            dut.activationBackward(Activation.LEAKY_RELU, 0.1f, zb, a, ones, dz, 1, n);
            assertBits("leaky_relu gradient", leakyGrad, download(dz, n));
        }
    }

    private float[] download(DeviceBuffer b, int n) {
        float[] x = new float[n];
        dut.download(b, 0, x, 0, n);
        return x;
    }

    private void assertBits(String what, float[] expected, float[] got) {
        for (int i = 0; i < expected.length; i++)
            assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(got[i]),
                    dut.name() + " " + what + " [" + i + "]: expected " + expected[i] + ", got " + got[i]);
    }

    // ---- coverage ------------------------------------------------------------------------------------

    /** Every method declared by Backend is exercised by the cases: a new op must join them. */
    @Test
    void coversEveryBackendMethod() {
        requireBackend();
        Set<String> declared = new TreeSet<>();
        for (Method m : Backend.class.getDeclaredMethods()) {
            if (!Modifier.isStatic(m.getModifiers()) && !m.isSynthetic()) declared.add(m.getName());
        }
        Set<String> covered = Conformance.coveredOps();
        Set<String> missing = new TreeSet<>(declared);
        missing.removeAll(covered);
        assertTrue(missing.isEmpty(), "Backend methods the conformance cases do not cover: " + missing);
        Set<String> stale = new TreeSet<>(covered);
        stale.removeAll(declared);
        assertTrue(stale.isEmpty(), "Conformance.coveredOps() names methods Backend no longer has: " + stale);
        assertEquals(BACKEND_METHODS, declared.size(), "Backend declares " + declared);
        assertEquals(Set.of(), Conformance.uncoveredOps());
    }
}
