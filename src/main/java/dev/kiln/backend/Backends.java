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
        String n = name == null ? defaultName() : name.trim().toLowerCase(Locale.ROOT);
        if (!n.equals("auto")) {
            BackendProvider p = provider(n);
            if (!p.isAvailable())
                throw new BackendException("backend '" + n + "' is unavailable: " + p.unavailabilityCause());
            return p.create(device);
        }
        List<String> skipped = new ArrayList<>();
        for (BackendProvider p : providers()) {
            if (p.isAvailable()) {
                if (!skipped.isEmpty() && warn != null)
                    warn.println("kiln: using backend " + p.name() + " (" + String.join("; ", skipped) + ")");
                return p.create(device);
            }
            skipped.add(p.name() + " unavailable: " + p.unavailabilityCause());
        }
        throw new BackendException("no backend available: " + String.join("; ", skipped));
    }
}
