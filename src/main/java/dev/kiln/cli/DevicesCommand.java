package dev.kiln.cli;

import dev.kiln.backend.BackendProvider;
import dev.kiln.backend.Backends;
import dev.kiln.report.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kiln devices}: every backend Kiln knows, best first, with its devices when it is available and the
 * one-line cause when it is not (e.g. {@code libcuda.so.1 not found}), and which one a run would pick.
 */
@Command(name = "devices", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"List every backend with its devices, or why it is unavailable.", ""},
        footer = {"", "Examples:", "  kiln devices", "  kiln devices --json"})
final class DevicesCommand extends KilnCommand {
    @Option(names = "--json", description = "Print the list as JSON.")
    boolean json;

    /** One backend as seen on this machine. */
    record Entry(String name, int rank, boolean available, String cause, List<String> devices) {}

    /** Probes every provider; a probe that throws counts as unavailable with its message. */
    static List<Entry> probe() {
        List<Entry> list = new ArrayList<>();
        for (BackendProvider p : Backends.providers()) {
            boolean ok;
            String cause;
            List<String> devices;
            try {
                ok = p.isAvailable();
                cause = ok ? null : p.unavailabilityCause();
                devices = ok ? p.devices() : List.of();
            } catch (RuntimeException | LinkageError e) {
                ok = false;
                cause = "probe failed: " + e;
                devices = List.of();
            }
            list.add(new Entry(p.name(), p.rank(), ok, cause, devices));
        }
        return list;
    }

    @Override
    protected int run() {
        List<Entry> entries = probe();
        String chosen = Backends.defaultName();
        String pick = null;
        if (chosen.equals("auto")) {
            for (Entry e : entries) if (e.available() && pick == null) pick = e.name();
        } else {
            pick = chosen;
        }
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("default", pick);
            m.put("backends", entries);
            out().print(Json.text(m));
            return Main.OK;
        }
        for (Entry e : entries) {
            out().println(String.format("%-8s %s", e.name(), e.available() ? "available" : "unavailable: " + e.cause()));
            for (int i = 0; i < e.devices().size(); i++) out().println(String.format("  %2d  %s", i, e.devices().get(i)));
        }
        out().println(chosen.equals("auto")
                ? "default: " + (pick == null ? "none available" : pick) + " (the best available; set KILN_BACKEND or --backend to choose)"
                : "default: " + pick + " (KILN_BACKEND)");
        return Main.OK;
    }
}
