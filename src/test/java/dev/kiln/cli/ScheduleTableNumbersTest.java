package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** {@code kiln schedule}'s table numbers: one form per range (BigDecimal wrote 0.000006089296976 and 1E+8 in one table). */
class ScheduleTableNumbersTest {
    @Test
    void plainInTheMiddleLowerCaseScientificOutside() {
        assertEquals("0.004096", ScheduleCommand.num(0.004096));
        assertEquals("6.089296976e-6", ScheduleCommand.num(6.0892969761e-6));
        assertEquals("1e8", ScheduleCommand.num(1e8));
        assertEquals("-7.888609052e-23", ScheduleCommand.num(-7.888609052e-23));
        assertEquals("0.0001", ScheduleCommand.num(0.99999999999e-4), "as 1e-4 itself prints");
        assertEquals("0.0001", ScheduleCommand.num(1e-4));
        assertEquals("1e7", ScheduleCommand.num(9999999.99996));
        assertEquals("1e7", ScheduleCommand.num(1e7));
        assertEquals("250", ScheduleCommand.num(250));
    }
}
