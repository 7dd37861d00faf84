package dev.kiln.schedule;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.Tolerance;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Kiln's schedules against golden sequences computed outside Java: {@code formulas.json} from the published
 * formulas ({@code formulas.py}, transcribed from PyTorch, Keras and HF) and {@code pytorch.json} from real
 * PyTorch 1.13 schedulers ({@code pytorch.py}), both in src/test/resources/golden/schedules/. Every value,
 * boundaries included (step 0, milestones, end of warmup, T_max and beyond, cycle edges), must agree to
 * 1e-12 relative ({@link Tolerance#SCHEDULE}).
 */
class SchedulesGoldenTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode load(String name) throws IOException {
        try (InputStream in = SchedulesGoldenTest.class.getResourceAsStream("/golden/schedules/" + name)) {
            assertNotNull(in, "missing golden file " + name);
            return JSON.readTree(in);
        }
    }

    static double[] doubles(JsonNode array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).asDouble();
        return out;
    }

    private static Stream<DynamicTest> cases(String file) throws IOException {
        JsonNode root = load(file);
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : root.get("cases")) {
            String spec = c.get("spec").asText();
            String label = spec + "  [" + c.get("source").asText() + "]";
            tests.add(DynamicTest.dynamicTest(label, () -> check(c)));
        }
        return tests.stream();
    }

    static void check(JsonNode c) {
        String spec = c.get("spec").asText();
        RunPlan plan = new RunPlan(c.get("steps_per_epoch").asLong(), c.get("total_steps").asLong());
        double base = c.get("base_lr").asDouble();
        BoundSchedule b = ScheduleSpec.parse(spec).bind(plan);
        double[] expected = doubles(c.get("lr"));
        assertEquals(plan.totalSteps(), expected.length, "golden length");
        double[] lr = new double[expected.length];
        for (int t = 0; t < lr.length; t++) lr[t] = base * b.factor(t);
        Tolerance.SCHEDULE.assertClose(spec + " lr", expected, lr);
        if (c.has("momentum")) {
            double[] em = doubles(c.get("momentum"));
            double[] m = new double[em.length];
            for (int t = 0; t < m.length; t++) m[t] = b.momentum(t).orElseThrow(() -> new AssertionError(spec + ": no momentum"));
            Tolerance.SCHEDULE.assertClose(spec + " momentum", em, m);
        } else {
            assertTrue(b.momentum(0).isEmpty(), spec + ": momentum should not cycle");
        }
    }

    @TestFactory
    Stream<DynamicTest> publishedFormulas() throws IOException {
        return cases("formulas.json");
    }

    @TestFactory
    Stream<DynamicTest> realPyTorch() throws IOException {
        return cases("pytorch.json");
    }

    /** The golden files cover every family (so a new family cannot ship without golden values). */
    @Test
    void everyFamilyHasGoldenValues() throws IOException {
        Set<String> seen = new TreeSet<>();
        for (String file : List.of("formulas.json", "pytorch.json"))
            for (JsonNode c : load(file).get("cases"))
                for (String word : c.get("spec").asText().split("[^a-z_]+")) seen.add(word);
        Set<String> missing = new TreeSet<>();
        for (Family f : Families.all()) if (f != Families.PLATEAU && !seen.contains(f.name())) missing.add(f.name());
        assertTrue(missing.isEmpty(), "families without golden sequences: " + missing);
        assertTrue(load("formulas.json").get("cases").size() >= 50);
        assertTrue(load("pytorch.json").get("cases").size() >= 25);
        assertTrue(load("pytorch.json").get("plateau").size() >= 8);
    }

    /** The seed article: lr = 1e-2 * 0.8^floor(epoch / 2), 10 epochs of 20 steps. */
    @Test
    void seedArticleStaircase() {
        RunPlan plan = new RunPlan(20, 200);
        BoundSchedule b = ScheduleSpec.parse("step:every=2ep,gamma=0.8").bind(plan);
        double base = 1e-2;
        for (int t = 0; t < 40; t++) Tolerance.SCHEDULE.assertClose("epochs 0-1, step " + t, 0.01, base * b.factor(t));
        for (int t = 180; t < 200; t++) Tolerance.SCHEDULE.assertClose("epoch 9, step " + t, 0.004096, base * b.factor(t));
        Tolerance.SCHEDULE.assertClose("epoch 2 starts at step 40", 0.008, base * b.factor(40));
        Tolerance.SCHEDULE.assertClose("step 39 is still epoch 1", 0.01, base * b.factor(39));
        for (int epoch = 0; epoch < 10; epoch++)
            Tolerance.SCHEDULE.assertClose("epoch " + epoch, 1e-2 * Math.pow(0.8, epoch / 2), base * b.factor(epoch * 20L));
    }

    @Test
    void constantIsOne() {
        BoundSchedule b = ScheduleSpec.constant().bind(new RunPlan(20, 200));
        for (int t = 0; t < 200; t++) assertEquals(1.0, b.factor(t));
        assertEquals("constant", b.spec());
    }
}
