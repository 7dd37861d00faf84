package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/** The kiln command's heap sizing: 10/20% free after a collection, unless the user chose. */
class HeapTuningTest {
    @Test
    void setsTheFreeRatiosWhereTheyAreDefaultsAndKeepsThemOtherwise() {
        HotSpotDiagnosticMXBean hs = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        boolean wasDefault = hs.getVMOption(HeapTuning.MIN).getOrigin() == com.sun.management.VMOption.Origin.DEFAULT
                && hs.getVMOption(HeapTuning.MAX).getOrigin() == com.sun.management.VMOption.Origin.DEFAULT;
        String min = hs.getVMOption(HeapTuning.MIN).getValue(), max = hs.getVMOption(HeapTuning.MAX).getValue();
        boolean applied = HeapTuning.apply();
        assertEquals(wasDefault, applied);
        if (applied) {
            assertEquals("10", hs.getVMOption(HeapTuning.MIN).getValue());
            assertEquals("20", hs.getVMOption(HeapTuning.MAX).getValue());
            // now set (origin MANAGEMENT): a second call leaves them alone
            assertTrue(!HeapTuning.apply());
        } else {
            assertEquals(min, hs.getVMOption(HeapTuning.MIN).getValue());
            assertEquals(max, hs.getVMOption(HeapTuning.MAX).getValue());
        }
    }
}
