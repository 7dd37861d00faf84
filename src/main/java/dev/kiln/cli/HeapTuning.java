package dev.kiln.cli;

import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.VMOption;
import java.lang.management.ManagementFactory;

/**
 * Keeps the {@code kiln} command's heap close to its live data. A training run's live set is a few large
 * arrays allocated once (parameters, gradients, moments, the data); the only garbage is the Vector API's
 * warm-up (its first calls run in the interpreter and C1, which allocate every vector), after which a step
 * allocates nothing. With the JVM's default sizing the heap grows to leave 40-70% free after each
 * collection, and the young generation grows with it (a third of the heap): for the wide benchmark
 * workload, 250 MiB of young generation that the warm-up garbage touches once and that stays resident,
 * about 60 MiB more peak RSS than with 10-20% free (measured, docs/benchmarks.md). So the command sets
 * the two manageable flags {@code MinHeapFreeRatio}/{@code MaxHeapFreeRatio} to 10/20 at start, unless
 * the user set either on the command line. The library never does this: a service that embeds Kiln owns
 * its JVM's settings.
 */
final class HeapTuning {
    private HeapTuning() {}

    static final String MIN = "MinHeapFreeRatio", MAX = "MaxHeapFreeRatio";

    /** Applies 10/20 where both flags still have their default origin; returns whether it did. */
    static boolean apply() {
        try {
            HotSpotDiagnosticMXBean hs = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            if (hs == null) return false;
            if (hs.getVMOption(MIN).getOrigin() != VMOption.Origin.DEFAULT
                    || hs.getVMOption(MAX).getOrigin() != VMOption.Origin.DEFAULT) return false;
            // lower the minimum first: the JVM rejects a maximum below the current minimum
            hs.setVMOption(MIN, "10");
            hs.setVMOption(MAX, "20");
            return true;
        } catch (RuntimeException | LinkageError e) {
            // not HotSpot, or the flags are not manageable here: keep the JVM's defaults
            return false;
        }
    }
}
