package dev.kiln.schedule;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.Tolerance;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The plateau controller's decisions on recorded metric streams, against PyTorch 1.13's ReduceLROnPlateau
 * (pytorch.json, made by pytorch.py): patience, cooldown, rel/abs thresholds, min and max modes, min, eps.
 */
class PlateauTest {
    private static double[] scales(String spec, double[] metrics) {
        BoundSchedule b = ScheduleSpec.parse(spec).bind(new RunPlan(1, 100));
        assertTrue(b.observesMetric());
        double[] out = new double[metrics.length];
        for (int i = 0; i < metrics.length; i++) {
            b.observe(i + 1, metrics[i]);
            out[i] = b.factor(i + 1);
        }
        return out;
    }

    /** features.md section 3: factor 0.5, patience 2, cooldown 1, min 0.1, threshold 0 abs. */
    @Test
    void featuresMdSequence() {
        double[] metrics = {10, 9, 9, 9, 9, 9, 9, 9, 9, 9};
        double[] expected = {1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25};
        assertArrayEquals(expected, scales("plateau:factor=0.5,patience=2,threshold=0,threshold_mode=abs,cooldown=1,min=0.1", metrics));
    }

    @TestFactory
    Stream<DynamicTest> pytorchReduceLROnPlateau() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : SchedulesGoldenTest.load("pytorch.json").get("plateau")) {
            String spec = c.get("spec").asText();
            tests.add(DynamicTest.dynamicTest(spec + "  [" + c.get("source").asText() + "]", () -> {
                double[] got = scales(spec, SchedulesGoldenTest.doubles(c.get("metrics")));
                Tolerance.SCHEDULE.assertClose(spec, SchedulesGoldenTest.doubles(c.get("lr_after")), got);
            }));
        }
        return tests.stream();
    }

    /** Patience p reduces after p + 1 bad evaluations (PyTorch), not p (Keras). */
    @Test
    void reducesAfterPatiencePlusOneBadEvaluations() {
        double[] got = scales("plateau:patience=3,threshold=0", new double[] {1, 1, 1, 1, 1, 1});
        assertArrayEquals(new double[] {1, 1, 1, 1, 0.1, 0.1}, got);
    }

    @Test
    void minFloorsTheScaleAndEpsSkipsTinyCuts() {
        assertArrayEquals(new double[] {1, 0.1, 0.05, 0.05},
                scales("plateau:patience=0,threshold=0,min=0.05", new double[] {1, 1, 1, 1}));
        // from 0.5 to 0.25 is a cut of 0.25 > eps 0.2; from 0.25 to 0.125 (0.125 < eps) is skipped
        assertArrayEquals(new double[] {1, 0.5, 0.25, 0.25},
                scales("plateau:factor=0.5,patience=0,threshold=0,eps=0.2", new double[] {1, 1, 1, 1}));
    }

    @Test
    void relativeThresholdNeedsAProportionalImprovement() {
        // 0.995 is 0.5% better than 1: below a 1% threshold it is a bad epoch, above 0.1% it is progress
        assertArrayEquals(new double[] {1, 0.1}, scales("plateau:patience=0,threshold=0.01", new double[] {1, 0.995}));
        assertArrayEquals(new double[] {1, 1}, scales("plateau:patience=0,threshold=0.001", new double[] {1, 0.995}));
        // abs: 0.995 is 0.005 better than 1; a 0.01 absolute threshold rejects it
        assertArrayEquals(new double[] {1, 0.1}, scales("plateau:patience=0,threshold=0.01,threshold_mode=abs", new double[] {1, 0.995}));
    }

    @Test
    void nanMetricIsABadEvaluation() {
        assertArrayEquals(new double[] {1, 0.1}, scales("plateau:patience=0", new double[] {1, Double.NaN}));
    }

    /** Composed with a time schedule, the plateau scale multiplies it at every later step. */
    @Test
    void multipliesAnyTimeSchedule() {
        RunPlan plan = new RunPlan(10, 100);
        BoundSchedule both = ScheduleSpec.parse("(warmup:10 > cosine:min=0.1) * plateau:factor=0.5,patience=0,threshold=0").bind(plan);
        BoundSchedule time = ScheduleSpec.parse("warmup:10 > cosine:min=0.1").bind(plan);
        for (int t = 0; t < 30; t++) assertEquals(time.factor(t), both.factor(t));
        both.observe(30, 2.0);
        both.observe(40, 2.0); // no better: scale 0.5
        for (int t = 40; t < 100; t++) Tolerance.SCHEDULE.assertClose("step " + t, 0.5 * time.factor(t), both.factor(t));
        assertEquals(Map.of("plateau", List.of(Map.of("scale", 0.5, "best", 2.0, "bad", 0L, "cooldown", 0L, "evaluations", 2L))),
                both.state());
    }

    @Test
    void everyControllerSeesEveryMetric() {
        BoundSchedule b = ScheduleSpec.parse("plateau:patience=0,threshold=0 * plateau:factor=0.5,patience=1,threshold=0").bind(new RunPlan(1, 10));
        b.observe(1, 1);
        b.observe(2, 1); // first: bad 1 > 0 -> 0.1; second: bad 1
        assertEquals(0.1, b.factor(2), 1e-15);
        b.observe(3, 1); // first: bad 1 -> 0.01; second: bad 2 > 1 -> 0.5
        assertEquals(0.01 * 0.5, b.factor(3), 1e-15);
        assertEquals(2, ((List<?>) b.state().get("plateau")).size());
    }

    @Test
    void restoreRejectsBadState() {
        BoundSchedule b = ScheduleSpec.parse("cosine * plateau").bind(new RunPlan(1, 10));
        assertThrows(IllegalArgumentException.class, () -> b.restore(Map.of()));
        assertThrows(IllegalArgumentException.class, () -> b.restore(Map.of("plateau", List.of(Map.of("scale", "x")))));
        BoundSchedule pure = ScheduleSpec.parse("cosine").bind(new RunPlan(1, 10));
        assertEquals(Map.of(), pure.state());
        assertThrows(IllegalArgumentException.class,
                () -> pure.restore(Map.of("plateau", List.of(Map.of("scale", 1)))));
        pure.restore(Map.of());
    }

    @Test
    void infiniteBestSurvivesAsText() {
        BoundSchedule b = ScheduleSpec.parse("plateau:mode=max").bind(new RunPlan(1, 10));
        b.observe(1, Double.NaN); // never better: best stays -Infinity
        Map<String, Object> s = b.state();
        assertEquals("-Infinity", ((Map<?, ?>) ((List<?>) s.get("plateau")).get(0)).get("best"));
        BoundSchedule c = ScheduleSpec.parse("plateau:mode=max").bind(new RunPlan(1, 10));
        c.restore(s);
        assertEquals(s, c.state());
    }

    @Test
    void factorMustBeBelowOne() {
        ScheduleSpecException e = assertThrows(ScheduleSpecException.class, () -> ScheduleSpec.parse("plateau:factor=1"));
        assertEquals("1", e.token());
        assertTrue(e.getMessage().contains("factor must be in (0, 1)"), e.getMessage());
    }
}
