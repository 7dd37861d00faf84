package dev.kiln.backend;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;

/**
 * Finds backends and picks one: an explicit name ({@code --backend}), else {@code KILN_BACKEND}, else the
 * best available by rank. "auto" means the best available; when a higher-ranked backend is unavailable,
 * one warning line names its cause.
 */
public final class Backends {
    private Backends() {}

    /** Every provider on the class path, best first. */
    public static List<BackendProvider> providers() {
        List<BackendProvider> list = new ArrayList<>();
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) list.add(p);
        list.sort(Comparator.comparingInt(BackendProvider::rank).reversed());
        return list;
    }

    /** The provider with this name, or an IllegalArgumentException listing the known names. */
    public static BackendProvider provider(String name) {
        List<String> names = new ArrayList<>();
        for (BackendProvider p : providers()) {
            if (p.name().equals(name)) return p;
            names.add(p.name());
        }
        throw new IllegalArgumentException("unknown backend '" + name + "' (known: auto, " + String.join(", ", names) + ")");
    }

    /** The name to use when none is given: KILN_BACKEND if set, else "auto". */
    public static String defaultName() {
        String env = System.getenv("KILN_BACKEND");
        return env == null || env.isBlank() ? "auto" : env.trim().toLowerCase(Locale.ROOT);
    }

    /**
     * Opens a backend. {@code name} is "auto", null (meaning {@link #defaultName()}) or a provider name.
     * A named backend that is unavailable fails with its cause; "auto" falls back and warns on {@code warn}.
     */
    public static Backend open(String name, int device, PrintStream warn) {
        return open(name, device, warn, providers());
    }

    /**
     * {@link #open(String, int, PrintStream)} over the given providers (best first) instead of those on the class
     * path. "auto" takes the first that is available and starts; when it had to pass over better ones (unavailable,
     * or failing to start), ONE line on {@code warn} names each one passed over and its cause.
     *
     * @throws BackendException naming the cause when the named backend, or every backend, cannot be used
     */
    public static Backend open(String name, int device, PrintStream warn, List<BackendProvider> candidates) {
        String n = name == null ? defaultName() : name.trim().toLowerCase(Locale.ROOT);
        if (!n.equals("auto")) {
            BackendProvider p = null;
            List<String> names = new ArrayList<>();
            for (BackendProvider c : candidates) {
                if (c.name().equals(n)) p = c;
                names.add(c.name());
            }
            if (p == null) throw new IllegalArgumentException("unknown backend '" + n + "' (known: auto, " + String.join(", ", names) + ")");
            if (!p.isAvailable())
                throw new BackendException("backend '" + n + "' is unavailable: " + p.unavailabilityCause());
            return p.create(device);
        }
        List<String> skipped = new ArrayList<>();
        for (BackendProvider p : candidates) {
            if (!p.isAvailable()) {
                skipped.add(p.name() + " unavailable: " + p.unavailabilityCause());
                continue;
            }
            Backend b;
            try {
                b = p.create(device);
            } catch (RuntimeException | LinkageError e) {
                // available by its probe, yet it would not start (a driver that fails at context creation):
                // fall back as for an unavailable one, with the failure as the cause
                skipped.add(p.name() + " failed to start: " + oneLine(e.getMessage() == null ? e.toString() : e.getMessage()));
                continue;
            }
            if (!skipped.isEmpty() && warn != null)
                warn.println("kiln: using backend " + p.name() + " (" + String.join("; ", skipped) + ")");
            return b;
        }
        throw new BackendException("no backend available: " + String.join("; ", skipped));
    }

    private static String oneLine(String s) {
        return s.strip().replaceAll("\\s*\\R\\s*", "; ");
    }
}
