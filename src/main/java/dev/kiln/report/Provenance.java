package dev.kiln.report;

import dev.kiln.Kiln;
import dev.kiln.backend.Backend;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code provenance.json} records about where and how a run ran: everything
 * {@link Backend#provenance()} says (backend, device, driver, which GEMM, kernel hash), then Kiln's version,
 * the Java runtime, the operating system, the local time the run started, the seed, and the command line.
 */
public final class Provenance {
    private Provenance() {}

    /**
     * The provenance of a run.
     *
     * @param backend     the backend the run used
     * @param seed        the run's seed
     * @param commandLine the arguments after {@code kiln}
     * @param started     when the run started
     */
    public static Map<String, Object> of(Backend backend, long seed, List<String> commandLine, OffsetDateTime started) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("backend", backend.name());
        p.put("device", backend.device());
        for (Map.Entry<String, String> e : backend.provenance().entrySet()) p.putIfAbsent(e.getKey(), e.getValue());
        p.put("kiln_version", Kiln.version());
        p.put("java", System.getProperty("java.vm.name", "java") + " " + Runtime.version());
        p.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        p.put("time", started.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        p.put("seed", seed);
        p.put("command_line", commandLine);
        return p;
    }
}
