package dev.kiln.schedule;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Resume: run 100 steps straight; run them again with a checkpoint at step 37 (the spec text and the state,
 * through JSON as a checkpoint stores them) restored into a freshly parsed and bound schedule. The two
 * learning-rate (and momentum) sequences must be identical, bit for bit, plateau decisions included.
 */
class ResumeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final RunPlan PLAN = new RunPlan(10, 100);
    /**
     * A recorded validation loss, one per epoch: its best comes early (epoch 1), so a controller that forgot
     * it would judge the later, slowly falling values as progress.
     */
    private static final double[] LOSS = {2.0, 1.0, 1.5, 1.5, 1.4, 1.4, 1.3, 1.3, 1.2, 1.2};

    private record Run(double[] lr, double[] momentum) {}

    /** Runs steps [from, 100) of {@code b}, feeding the epoch's loss after each epoch's last step. */
    private static void steps(BoundSchedule b, long from, long to, Run out) {
        for (long s = from; s < to; s++) {
            out.lr()[(int) s] = b.factor(s);
            OptionalDouble m = b.momentum(s);
            out.momentum()[(int) s] = m.isPresent() ? m.getAsDouble() : Double.NaN;
            if ((s + 1) % PLAN.stepsPerEpoch() == 0) b.observe(s + 1, LOSS[(int) (s / PLAN.stepsPerEpoch())]);
        }
    }

    private static Run straight(String spec) {
        Run r = new Run(new double[100], new double[100]);
        steps(ScheduleSpec.parse(spec).bind(PLAN), 0, 100, r);
        return r;
    }

    private static Run resumed(String spec, long at) throws Exception {
        Run r = new Run(new double[100], new double[100]);
        BoundSchedule first = ScheduleSpec.parse(spec).bind(PLAN);
        steps(first, 0, at, r);
        // the checkpoint: text and state, written as JSON and read back
        String checkpoint = JSON.writeValueAsString(Map.of("schedule", first.spec(), "state", first.state()));
        Map<String, Object> read = JSON.readValue(checkpoint, new TypeReference<Map<String, Object>>() {});
        @SuppressWarnings("unchecked")
        Map<String, Object> state = (Map<String, Object>) read.get("state");
        BoundSchedule second = ScheduleSpec.parse((String) read.get("schedule")).bind(PLAN);
        second.restore(state);
        steps(second, at, 100, r);
        return r;
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "(warmup:10 > cosine:min=0.05) * plateau:factor=0.5,patience=1,threshold=0.001,cooldown=1",
        "step:every=2ep,gamma=0.8 * plateau:patience=0,threshold_mode=abs,threshold=0.05,min=0.02",
        "onecycle:three_phase * plateau:factor=0.5,patience=1",
        "warmup:5%,exp > restarts:period=2ep,mult=2,decay=0.5 | clamp:min=0.001",
        "cyclic:min=0.1,up=7,down=13,triangular2"})
    void resumeAt37GivesTheSameHundredRates(String spec) throws Exception {
        Run a = straight(spec);
        Run b = resumed(spec, 37);
        assertArrayEquals(a.lr(), b.lr(), spec);
        assertArrayEquals(a.momentum(), b.momentum(), spec);
    }

    /** Without the restored state the plateau decisions are lost: the test above can fail. */
    @Test
    void forgettingTheStateChangesTheRates() throws Exception {
        String spec = "(warmup:10 > cosine:min=0.05) * plateau:factor=0.5,patience=1,threshold=0.001,cooldown=1";
        Run a = straight(spec);
        Run r = new Run(new double[100], new double[100]);
        steps(ScheduleSpec.parse(spec).bind(PLAN), 0, 37, r);
        steps(ScheduleSpec.parse(spec).bind(PLAN), 37, 100, r);
        assertNotEquals(a.lr()[99], r.lr()[99]);
        assertTrue(a.lr()[99] < r.lr()[99], "the straight run has cut the rate");
    }

    /** The schedule is a pure function of the step: any order of evaluation gives the same values. */
    @Test
    void evaluationOrderDoesNotMatter() {
        BoundSchedule b = ScheduleSpec.parse("warmup:5% > cosine:min=0.01,over=80% > constant:0.01").bind(new RunPlan(10, 100));
        double[] forward = new double[100];
        for (int s = 0; s < 100; s++) forward[s] = b.factor(s);
        for (int s = 99; s >= 0; s--) assertEquals(forward[s], b.factor(s));
    }
}
