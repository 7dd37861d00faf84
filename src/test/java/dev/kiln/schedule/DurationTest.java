package dev.kiln.schedule;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Durations in steps, epochs and percent of the run, resolved with a RunPlan. */
class DurationTest {
    /** Text || canonical || steps with 20 steps per epoch and 200 in all. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiterString = "||", textBlock = """
            500    || 500   || 500
            0      || 0     || 0
            1e3    || 1000  || 1000
            30ep   || 30ep  || 600
            2.5ep  || 2.5ep || 50
            2.5EP  || 2.5ep || 50
            0.03ep || 0.03ep|| 1
            0.02ep || 0.02ep|| 0
            30%    || 30%   || 60
            0.25%  || 0.25% || 1
            0.2%   || 0.2%  || 0
            100%   || 100%  || 200
            150%   || 150%  || 300
            """)
    void parsesPrintsAndResolves(String text, String canonical, long steps) {
        Duration d = Duration.parse(text);
        assertEquals(canonical, d.toString());
        assertEquals(d, Duration.parse(d.toString()));
        assertEquals(steps, d.steps(new RunPlan(20, 200)));
    }

    @Test
    void rejectsWhatIsNotADuration() {
        for (String bad : new String[] {"", "ep", "%", "-5", "2.5", "5s", "1e400", "NaN", "0x10", "5 ep", "1ep%"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Duration.parse(bad), bad);
            assertTrue(e.getMessage().contains(bad.trim().isEmpty() ? "" : bad) || bad.isEmpty(), e.getMessage());
        }
    }

    @Test
    void roundsHalfUp() {
        RunPlan plan = new RunPlan(3, 30);
        assertEquals(8, Duration.epochs(2.5).steps(plan)); // 7.5 -> 8
        assertEquals(2, Duration.percent(5).steps(plan));   // 1.5 -> 2
        assertEquals(7, Duration.steps(7).steps(plan));
        // ties of the decimal as written, which binary floating point puts just below .5 (0.35 * 90 = 31.499999999999996)
        assertEquals(32, Duration.parse("35%").steps(new RunPlan(10, 90)));      // 31.5
        assertEquals(15, Duration.parse("0.29ep").steps(new RunPlan(50, 500)));  // 14.5
        assertEquals(58, Duration.parse("2.3ep").steps(new RunPlan(25, 250)));   // 57.5
        assertEquals(15, Duration.parse("29%").steps(new RunPlan(50, 50)));      // 14.5
        assertEquals(58, Duration.parse("1.15ep").steps(new RunPlan(50, 500)));  // 57.5
    }

    @Test
    void aDurationPastLongRangeSaturates() {
        assertEquals(Long.MAX_VALUE, Duration.parse("1e300ep").steps(new RunPlan(1000, 1000)));
    }

    @Test
    void aNonzeroNumberTooSmallForADoubleIsRefusedNotReadAsZero() {
        NumberFormatException e = assertThrows(NumberFormatException.class, () -> Numbers.parse("1e-400"));
        assertEquals("number out of range: '1e-400' is too small for a double (it would be 0)", e.getMessage());
        assertEquals(0.0, Numbers.parse("0e-400"));
        assertEquals(0.0, Numbers.parse("0.000"));
        assertEquals(0.0, Numbers.parse("-0"));
        assertThrows(ScheduleSpecException.class, () -> ScheduleSpec.parse("constant:1e-400"));
    }

    @Test
    void numbersPrintShortestAndRoundTrip() {
        assertEquals("0.8", Numbers.format(0.8));
        assertEquals("0.0001", Numbers.format(1e-4));
        assertEquals("1e-5", Numbers.format(1e-5));
        assertEquals("2.5e7", Numbers.format(2.5e7));
        assertEquals("-3e-9", Numbers.format(-3e-9));
        assertEquals("1234567", Numbers.format(1234567));
        assertEquals("0.1", Numbers.format(0.1));
        assertEquals("0", Numbers.format(-0.0));
        java.util.Random r = new java.util.Random(7);
        for (int i = 0; i < 2000; i++) {
            double x = Math.pow(10, r.nextDouble() * 30 - 15) * (r.nextBoolean() ? 1 : -1);
            assertEquals(x, Numbers.parse(Numbers.format(x)), Numbers.format(x));
        }
        assertFalse(Numbers.isNumber("1d"));
        assertFalse(Numbers.isNumber("Infinity"));
        assertTrue(Numbers.isNumber(".5"));
        assertThrows(NumberFormatException.class, () -> Numbers.parse("1e999"));
    }
}
