package dev.kiln.schedule;

import static org.junit.jupiter.api.Assertions.*;

import dev.kiln.Tolerance;
import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/**
 * The closed forms at their edges: warm-restart cycle boundaries far into a run (closed form against
 * PyTorch's step-by-step loop), sequences with empty pieces, one-cycle past its end, argument checks, and
 * schedules written in Java (lambdas) composed with a plateau controller.
 */
class ClosedFormTest {
    /** PyTorch's implicit step(): T_cur += 1; if T_cur >= T_i: T_cur -= T_i, T_i *= T_mult. */
    @Test
    void restartsMatchTheStepByStepLoopFarIntoARun() {
        for (long mult : new long[] {1, 2, 3}) {
            CosineRestarts r = new CosineRestarts(7, mult, 1, 0);
            long tCur = 0, tI = 7, cycle = 0;
            for (long t = 0; t < 300_000; t++) {
                if (t > 0) {
                    tCur++;
                    if (tCur >= tI) { tCur -= tI; tI *= mult; cycle++; }
                }
                assertEquals(cycle, r.cycle(t), "mult " + mult + " step " + t);
                if (tCur == 0) assertEquals(1.0, r.at(t), "a restart is exactly at the peak");
                if (t % 997 == 0)
                    Tolerance.SCHEDULE.assertClose("mult " + mult + " step " + t, (1 + Math.cos(Math.PI * tCur / tI)) / 2, r.at(t));
            }
        }
    }

    @Test
    void fractionalMultCyclesStartWhereTheirLengthsAddUp() {
        CosineRestarts r = new CosineRestarts(10, 1.5, 0.5, 0.1);
        double start = 0, length = 10;
        for (int i = 0; i < 25; i++) {
            long first = (long) Math.ceil(start - 1e-9);
            assertEquals(i, r.cycle(first), "first step of cycle " + i);
            if (first > 0) assertEquals(i - 1, r.cycle(first - 1), "step before cycle " + i);
            Tolerance.SCHEDULE.assertClose("cycle start " + i, start, r.start(i));
            start += length;
            length *= 1.5;
        }
        // cycle 2 starts at 10 + 15 = 25, at peak 0.5^2 above the floor
        Tolerance.SCHEDULE.assertClose("peak of cycle 2", 0.1 + 0.9 * 0.25, r.at(25));
    }

    @Test
    void sequenceSkipsEmptyPiecesAndFindsPiecesByBinarySearch() {
        Sequence s = new Sequence(List.<Schedule>of(new Constant(1), new Constant(2), new Constant(3), t -> 4 + t), new long[] {0, 5, 5, 9});
        assertEquals(0, s.pieceAt(4));
        assertEquals(2, s.pieceAt(5));
        assertEquals(2, s.pieceAt(8));
        assertEquals(3, s.pieceAt(9));
        assertEquals(4.0, s.at(9));
        assertEquals(5.0, s.at(10), "the last piece sees its own clock");
        assertThrows(IllegalArgumentException.class, () -> new Sequence(List.of(new Constant(1)), new long[] {1}));
        assertThrows(IllegalArgumentException.class, () -> new Sequence(List.of(new Constant(1), new Constant(2)), new long[] {0, -1}));
    }

    @Test
    void oneCycleHoldsItsLastValueAfterTheCycle() {
        OneCycle o = new OneCycle(10, 1, 25, 1e4, 0.3, false, false, 0.85, 0.95);
        Tolerance.SCHEDULE.assertClose("last", 1.0 / 25 / 1e4, o.at(9));
        for (long t = 10; t < 30; t++) {
            assertEquals(o.at(9), o.at(t));
            assertEquals(0.95, o.momentum(t).orElseThrow());
        }
        // a phase of length zero (pct * N - 1 = 0): step 0 is already at the peak
        OneCycle tiny = new OneCycle(2, 1, 25, 1e4, 0.5, true, false, Double.NaN, Double.NaN);
        assertEquals(1.0, tiny.at(0));
        assertTrue(tiny.momentum(0).isEmpty());
    }

    @Test
    void warmupExponentialIsGeometric() {
        Warmup w = new Warmup(4, true, 0.01, 1);
        Tolerance.SCHEDULE.assertClose("t=2", 0.1, w.at(2));
        Tolerance.SCHEDULE.assertClose("t=1", Math.sqrt(0.1) / 10, w.at(1));
        assertEquals(1.0, w.at(4));
        assertEquals(1.0, new Warmup(0, false, 0.5, 1).at(0), "an empty warmup is at its target at once");
    }

    @Test
    void argumentsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> new StepDecay(0, 0.5));
        assertThrows(IllegalArgumentException.class, () -> new StepDecay(5, 0));
        assertThrows(IllegalArgumentException.class, () -> new Cosine(0, 0, false));
        assertThrows(IllegalArgumentException.class, () -> new CosineRestarts(5, 0.5, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new OneCycle(10, 1, 25, 1e4, 1.0, false, false, 0.8, 0.9));
        assertThrows(IllegalArgumentException.class, () -> new OneCycle(10, 1, 25, 1e4, 0.3, false, false, 0.8, Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> new Cyclic(0.1, 1, 0, 2, Cyclic.Mode.TRIANGULAR, 1, Double.NaN, Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> new Clamp(new Constant(1), 2, 1));
        assertThrows(IllegalArgumentException.class, () -> new PlateauController.Config(PlateauController.Mode.MIN, 1, 1, 0,
                PlateauController.ThresholdMode.REL, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> MultiStep.values(new long[] {1, 2}, new double[] {1, 2}));
        assertThrows(IllegalArgumentException.class, () -> MultiStep.gamma(new long[0], 0.5));
        assertThrows(IllegalArgumentException.class, () -> new Constant(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> ScheduleSpec.parse("cosine").bind(new RunPlan(1, 5)).factor(-1));
    }

    @Test
    void wsdWithoutWarmupOrStable() {
        Wsd w = new Wsd(0, 0, 4, Wsd.Shape.LINEAR, Wsd.Shape.LINEAR, 0);
        assertArrayEquals(new double[] {1, 0.75, 0.5, 0.25, 0, 0}, new double[] {w.at(0), w.at(1), w.at(2), w.at(3), w.at(4), w.at(5)});
    }

    /** Lambdas in the Java API: a pure function bound as is, and composed with a plateau controller. */
    @Test
    void lambdasComposeWithPlateau() {
        Schedule halfLife = t -> Math.pow(0.5, t / 10.0);
        BoundSchedule plain = BoundSchedule.of("half-life 10", halfLife);
        assertEquals(0.5, plain.factor(10), 1e-15);
        assertEquals("half-life 10", plain.spec());
        assertFalse(plain.observesMetric());

        PlateauController ctl = new PlateauController(new PlateauController.Config(PlateauController.Mode.MIN, 0.5, 0, 0,
                PlateauController.ThresholdMode.ABS, 0, 0, 0));
        BoundExpression b = new BoundExpression("half-life 10 * plateau", new Product(List.of(halfLife, ctl)), List.of(ctl));
        assertTrue(b.observesMetric());
        b.observe(10, 1.0);
        b.observe(20, 1.0);
        assertEquals(0.25 * 0.5, b.factor(20), 1e-15);
        assertEquals(OptionalDouble.empty(), b.momentum(20));
        assertSame(ctl, b.controllers().get(0));
    }

    @Test
    void momentumPassesThroughCombinators() {
        BoundSchedule b = ScheduleSpec.parse("constant for 3 > (constant:0.5 * onecycle:over=10) | clamp:min=0.001").bind(new RunPlan(1, 13));
        assertTrue(b.momentum(2).isEmpty(), "no momentum in the first piece");
        assertEquals(0.95, b.momentum(3).orElseThrow(), 1e-15);
        Tolerance.SCHEDULE.assertClose("lr at the peak", 0.5, b.factor(5));
        assertEquals(0.85, b.momentum(5).orElseThrow(), 1e-15);
    }
}
