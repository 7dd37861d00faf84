package dev.kiln.schedule;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The schedule linter on a 10-epoch run of 20 steps per epoch (200 steps). */
class LintTest {
    private static final RunPlan PLAN = new RunPlan(20, 200);

    private static List<String> lint(String spec) {
        return ScheduleSpec.parse(spec).lint(PLAN);
    }

    @ParameterizedTest
    @ValueSource(strings = {"constant", "step:every=2ep,gamma=0.8", "warmup:5% > cosine:min=0.01", "warmup:5% > cosine",
        "(warmup:5% > cosine) * plateau:patience=3", "onecycle", "wsd:warmup=5%,decay=20%,min=0.01", "cosine:over=5ep,min=0.1,clamp",
        "restarts:period=2ep,mult=2", "multistep:at=[3ep,6ep,9ep]", "exp:gamma=0.99", "cyclic:min=0.1,up=1ep",
        "linear:from=1,to=0.1", "poly:power=2", "constant for 2ep > constant:0.1"})
    void sensibleSchedulesAreQuiet(String spec) {
        assertEquals(List.of(), lint(spec));
    }

    /** Spec || a phrase of the one expected warning. */
    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiterString = "||", textBlock = """
            warmup:300 > cosine:over=100,clamp     || warmup:300: the warmup (300 steps from step 0) is not over when the run ends (200 steps)
            warmup:100%                            || the warmup (200 steps from step 0) is not over when the run ends
            cosine:over=5ep                        || cosine:over=5ep: its horizon (100 steps) is shorter than its 200 steps: from step 100 (epoch 5) the learning rate climbs back up (to 0.9998x at its end); make over match the run, or add clamp
            warmup:5% > cosine:over=100%,min=0.1   || cosine:over=100%,min=0.1: its horizon (200 steps) is longer than its 190 steps: it stops at 0.1067x and never reaches min=0.1
            warmup:5% > cosine:over=50%,min=0.1    || its horizon (100 steps) is shorter than its 190 steps: from step 110 (epoch 5.5) the learning rate climbs back up (to 0.9734x at its end)
            cosine:over=20ep                       || its horizon (400 steps) is longer than its 200 steps: it stops at 0.5039x and never reaches min=0
            multistep:at=[3ep,12ep]                || the milestone at step 240 (epoch 12) is at or after the end of the run (200 steps): it never applies
            step:every=10ep                        || every=200 steps is not shorter than its 200 steps: the rate never decays
            warmup:5,from=0 > cosine               || the first step trains at lr 0
            linear:over=5ep                        || the learning rate reaches 0 at step 100 (epoch 5) and stays 0 for the last 100 steps (50% of the run)
            poly:over=90%                          || the learning rate reaches 0 at step 180 (epoch 9) and stays 0 for the last 20 steps (10% of the run)
            linear:over=20ep,to=0.5                || its horizon (400 steps) is longer than its 200 steps: it ends at 0.7512x, not at to=0.5
            poly:over=20ep,end=0.1                 || its horizon (400 steps) is longer than its 200 steps: it ends at 0.5523x, not at end=0.1
            onecycle:over=5ep                      || the cycle (100 steps) is shorter than its 200 steps: the last 100 steps stay at the final 4e-6x
            onecycle:over=20ep                     || the cycle (400 steps) is longer than its 200 steps: the run ends at 0.8117x
            wsd:warmup=40%,decay=70%,min=0.1       || warmup + decay (220 steps) are longer than its 200 steps
            constant for 300 > cosine              || piece 2 (cosine) starts at step 300, at or after the end of the run (200 steps): it never runs
            constant:-0.5                          || the multiplier is negative at step 0 (epoch 0)
            """)
    void mistakesAreNamed(String spec, String phrase) {
        List<String> w = lint(spec);
        assertEquals(1, w.stream().filter(s -> s.contains(phrase)).count(), w.toString());
    }

    @Test
    void warmupLongerThanTheRunAlsoMeansTheNextPieceNeverRuns() {
        List<String> w = lint("warmup:10ep > cosine");
        assertEquals(2, w.size(), w.toString());
        assertTrue(w.get(0).startsWith("warmup:10ep: the warmup"), w.get(0));
        assertTrue(w.get(1).startsWith("piece 2 (cosine) starts at step 200"), w.get(1));
    }

    @Test
    void zeroEverywhere() {
        List<String> w = lint("constant:0");
        assertTrue(w.contains("the learning rate is 0 for the whole run"), w.toString());
        assertTrue(w.get(0).startsWith("the first step trains at lr 0"), w.toString());
    }

    @Test
    void shortZeroTailIsAllowed() {
        // 0 only at the very last step (poly reaches 0 at over = 199): not "long before the end"
        assertEquals(List.of(), lint("poly:over=199"));
        assertEquals(List.of("the run has no steps"), ScheduleSpec.parse("cosine").lint(new RunPlan(20, 0)));
    }

    /** cosine:over=69 on 70 steps ends at min on the last step: nothing climbs (it warned "climbs back up (to 0x)"). */
    @Test
    void aCosineThatEndsOnTheLastStepDoesNotClimb() {
        assertEquals(List.of(), ScheduleSpec.parse("cosine:over=69,min=0.01").lint(new RunPlan(7, 70)));
        List<String> past = ScheduleSpec.parse("cosine:over=68,min=0.01").lint(new RunPlan(7, 70));
        assertEquals(1, past.size(), past.toString());
        assertTrue(past.get(0).contains("from step 68 (epoch 9.71) the learning rate climbs back up"), past.toString());
    }

    /** "0 for the last 5% of the run or more", a single step included (it took two before). */
    @Test
    void aZeroTailOfOneStepIsNamedWhenItIsFivePercent() {
        assertEquals(List.of("the learning rate reaches 0 at step 3 (epoch 3) and stays 0 for the last 1 steps (25% of the run): they train nothing"),
                ScheduleSpec.parse("multistep:at=[3],values=[1,0]").lint(new RunPlan(1, 4)));
        assertEquals(1, ScheduleSpec.parse("multistep:at=[19],values=[1,0]").lint(new RunPlan(1, 20)).size(), "exactly 5%");
        assertEquals(List.of(), ScheduleSpec.parse("multistep:at=[20],values=[1,0]").lint(new RunPlan(1, 21)), "under 5%");
    }

    @Test
    void lintBindsAndSoReportsBadDurations() {
        assertThrows(ScheduleSpecException.class, () -> lint("step:every=0.1%"));
    }

    @Test
    void aWarmupThatRoundsToNoStepsAndAMultiplierPastDoubleRange() {
        assertEquals(List.of("warmup:5%: the warmup is 0 steps long in this run (3 steps an epoch, 6 in all): there is no warmup;"
                + " give it in steps or make the run longer"), ScheduleSpec.parse("warmup:5%").lint(new RunPlan(3, 6)));
        List<String> w = ScheduleSpec.parse("exp:gamma=10").lint(new RunPlan(1, 400));
        assertTrue(w.contains("the multiplier is Infinity at step 309 (epoch 309): training stops there (a learning rate must be finite)"),
                w.toString());
    }
}
