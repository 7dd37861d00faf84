package dev.kiln.schedule;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class RunPlanTest {
    @Test
    void lastPartialBatchCountsAsAStep() {
        RunPlan p = RunPlan.of(1001, 50, 10);
        assertEquals(21, p.stepsPerEpoch());
        assertEquals(210, p.totalSteps());
    }

    @Test
    void rejectsEmptyEpochs() {
        assertThrows(IllegalArgumentException.class, () -> new RunPlan(0, 10));
    }
}
