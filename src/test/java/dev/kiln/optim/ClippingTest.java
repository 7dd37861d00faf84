package dev.kiln.optim;

import static org.junit.jupiter.api.Assertions.*;

import dev.kiln.Tolerance;
import dev.kiln.backend.UpdateRule;
import dev.kiln.backend.UpdateScalars;
import dev.kiln.backend.cpu.CpuUpdate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Gradient clipping and the finite guard as the fused update applies them (CpuUpdate, the twin of the
 * kernels' prologue): the global norm after clipping equals max_norm, nothing changes below it, value
 * clipping clamps each element, and every rule sees the clipped gradient.
 */
class ClippingTest {
    static final float[] G = {3f, -4f, 12f, 0.5f, -0.25f, 7f, -1f};   // ||G|| = sqrt(219.3125) ~ 14.809

    static float sumSquares(float[] g) {
        float s = 0;
        for (float x : g) s += x * x;
        return s;
    }

    /** With plain SGD at lr 1 from p = 0, the step is exactly -g': the clipped gradient itself. */
    static float[] clippedBySgd(float[] g, Clipping clip) {
        float[] p = new float[g.length];
        UpdateScalars sc = new UpdateScalars();
        Sgd.plain(1).scalars(1, 1, Double.NaN, sc);
        clip.applyTo(sc);
        float scale = CpuUpdate.clipScale(sumSquares(g), sc.maxNorm);
        CpuUpdate.apply(UpdateRule.SGD, p, g, new float[][] {new float[g.length]}, 0, g.length, sc, scale);
        for (int i = 0; i < p.length; i++) p[i] = -p[i];
        return p;
    }

    static double norm(float[] x) {
        double s = 0;
        for (float v : x) s += (double) v * v;
        return Math.sqrt(s);
    }

    @Test
    void normAfterClippingEqualsTheThreshold() {
        for (double maxNorm : new double[] {0.5, 1, 5, 14}) {
            float[] g2 = clippedBySgd(G, Clipping.byNorm(maxNorm));
            // torch.nn.utils.clip_grad_norm_: scale = max_norm / (||g|| + 1e-6), so the norm is max_norm up to 1e-6/||g||
            Tolerance.OPTIMIZER.assertClose("norm after clipping to " + maxNorm, maxNorm, norm(g2));
            // the direction is kept
            double s = maxNorm / (norm(G) + 1e-6);
            for (int i = 0; i < G.length; i++) Tolerance.ELEMENTWISE.assertClose("element " + i, G[i] * s, g2[i]);
        }
    }

    @Test
    void nothingChangesBelowTheThreshold() {
        assertArrayEquals(G, clippedBySgd(G, Clipping.byNorm(15)));
        assertArrayEquals(G, clippedBySgd(G, Clipping.byNorm(1000)));
        assertArrayEquals(G, clippedBySgd(G, Clipping.NONE));
        assertEquals(1f, CpuUpdate.clipScale(sumSquares(G), 0f));
        assertEquals(1f, CpuUpdate.clipScale(sumSquares(G), 15f));
    }

    @Test
    void valueClippingClampsEachElement() {
        float[] g2 = clippedBySgd(G, Clipping.byValue(2));
        assertArrayEquals(new float[] {2f, -2f, 2f, 0.5f, -0.25f, 2f, -1f}, g2);
    }

    @Test
    void normClippingComesBeforeValueClipping() {
        // scale = 1.4809 / (14.809 + 1e-6) ~ 0.1: 12 -> ~1.2, clamped to 1; 0.5 -> ~0.05 stays
        float[] g2 = clippedBySgd(G, new Clipping(Math.sqrt(219.3125) / 10, 1));
        double s = (Math.sqrt(219.3125) / 10) / (norm(G) + 1e-6);
        for (int i = 0; i < G.length; i++)
            Tolerance.ELEMENTWISE.assertClose("element " + i, Math.max(-1, Math.min(1, G[i] * s)), g2[i]);
        assertEquals(1f, g2[2]);
    }

    /** Every rule applies the prologue first: clipping inside equals feeding the pre-clipped gradient. */
    static Stream<Arguments> rules() {
        return Stream.of(
                Arguments.of(new Sgd(0.1, 0.9, 0.1, 0.01, false, true)), Arguments.of(new Adagrad(0.1, 0.01, 0.01, 0.1, 1e-10)),
                Arguments.of(new Adadelta(1, 0.9, 1e-6, 0.01)), Arguments.of(new RmsProp(0.01, 0.9, 1e-8, 0.01, 0.9, true)),
                Arguments.of(new Adam(0.01, 0.9, 0.999, 1e-8, 0.01, true)), Arguments.of(AdamW.of(0.01)),
                Arguments.of(new NAdam(0.01, 0.9, 0.999, 1e-8, 0.01, 4e-3, true)), Arguments.of(new RAdam(0.01, 0.9, 0.999, 1e-8, 0.01, false)),
                Arguments.of(new Lion(0.01, 0.9, 0.99, 0.01)));
    }

    @ParameterizedTest
    @MethodSource("rules")
    void everyRuleSeesTheClippedGradient(Optimizer opt) {
        int n = G.length;
        float[] pA = {1f, -1f, 0.5f, 2f, -0.3f, 0.8f, 1.5f}, pB = pA.clone();
        float[][] sA = new float[3][n], sB = new float[3][n];
        for (int k = 0; k < opt.rule().stateCount(); k++) {
            java.util.Arrays.fill(sA[k], opt.initialState(k));
            java.util.Arrays.fill(sB[k], opt.initialState(k));
        }
        UpdateScalars inside = new UpdateScalars(), outside = new UpdateScalars();
        float maxNorm = 3f, clipValue = 0.5f;
        for (int t = 1; t <= 10; t++) {
            float[] g = new float[n];
            for (int i = 0; i < n; i++) g[i] = G[i] * (float) Math.cos(0.7 * t + i);
            float scale = CpuUpdate.clipScale(sumSquares(g), maxNorm);
            float[] pre = new float[n];
            for (int i = 0; i < n; i++) pre[i] = Math.max(-clipValue, Math.min(clipValue, g[i] * scale));
            opt.scalars(t, opt.lr(), Double.NaN, inside);
            new Clipping(maxNorm, clipValue).applyTo(inside);
            CpuUpdate.apply(opt.rule(), pA, g, sA, 0, n, inside, scale);
            opt.scalars(t, opt.lr(), Double.NaN, outside);
            CpuUpdate.apply(opt.rule(), pB, pre, sB, 0, n, outside, 1f);
        }
        assertArrayEquals(pB, pA);
        // and the clipping made a difference (so this test can fail)
        float[] pC = {1f, -1f, 0.5f, 2f, -0.3f, 0.8f, 1.5f};
        float[][] sC = new float[3][n];
        for (int k = 0; k < opt.rule().stateCount(); k++) java.util.Arrays.fill(sC[k], opt.initialState(k));
        UpdateScalars none = new UpdateScalars();
        for (int t = 1; t <= 10; t++) {
            float[] g = new float[n];
            for (int i = 0; i < n; i++) g[i] = G[i] * (float) Math.cos(0.7 * t + i);
            opt.scalars(t, opt.lr(), Double.NaN, none);
            CpuUpdate.apply(opt.rule(), pC, g, sC, 0, n, none, 1f);
        }
        assertFalse(java.util.Arrays.equals(pA, pC), "clipping changed nothing for " + opt.spec());
    }

    @Test
    void guardSkipsOnlyNonFiniteSteps() {
        assertTrue(CpuUpdate.skip(true, Float.NaN, 1f));
        assertTrue(CpuUpdate.skip(true, Float.POSITIVE_INFINITY, 1f));
        assertTrue(CpuUpdate.skip(true, 1f, Float.NaN));
        assertTrue(CpuUpdate.skip(true, 1f, Float.NEGATIVE_INFINITY));
        assertFalse(CpuUpdate.skip(true, 1f, 1f));
        assertFalse(CpuUpdate.skip(false, Float.NaN, Float.NaN));
    }

    @Test
    void textFormRoundTrips() {
        for (Clipping c : new Clipping[] {Clipping.NONE, Clipping.byNorm(1), Clipping.byValue(0.5), new Clipping(2.5, 1e-3)})
            assertEquals(c, Clipping.parse(c.spec()));
        assertEquals("none", Clipping.NONE.spec());
        assertEquals("max_norm=1", Clipping.byNorm(1).spec());
        assertEquals("clip_value=0.5", Clipping.byValue(0.5).spec());
        assertEquals("max_norm=2.5,clip_value=0.001", new Clipping(2.5, 1e-3).spec());
        assertEquals(new Clipping(1, 0.5), Clipping.parse(" clip_value = 0.5 , MAX_NORM=1 "));
        assertFalse(Clipping.NONE.enabled());
        assertTrue(Clipping.byValue(1).enabled());
    }

    @Test
    void applyToWritesOnlyTheClippingFields() {
        UpdateScalars sc = new UpdateScalars();
        sc.hyper[0] = 0.5f;
        sc.skipNonFinite = true;
        new Clipping(2, 3).applyTo(sc);
        assertEquals(2f, sc.maxNorm);
        assertEquals(3f, sc.clipValue);
        assertEquals(0.5f, sc.hyper[0]);
        assertTrue(sc.skipNonFinite);
    }

    static Stream<Arguments> badClipping() {
        return Stream.of(
                Arguments.of("max_norm", "needs a value"),
                Arguments.of("max_norm=x", "bad value 'x' for max_norm"),
                Arguments.of("max_norm=-1", "bad value '-1' for max_norm"),
                Arguments.of("clip_value=NaN", "bad value 'NaN' for clip_value"),
                Arguments.of("norm=1", "unknown option 'norm'"),
                Arguments.of("max_norm=1,max_norm=2", "'max_norm' given twice"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badClipping")
    void badClippingNamesTheToken(String text, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Clipping.parse(text));
        assertTrue(e.getMessage().contains(expected), () -> "message: " + e.getMessage());
        assertTrue(e.getMessage().startsWith("clipping '"), () -> "message: " + e.getMessage());
    }

    @Test
    void constructorRejectsNegatives() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Clipping(-1, 0));
        assertEquals("clipping: max_norm must be a finite number >= 0, got -1.0", e.getMessage());
    }
}
