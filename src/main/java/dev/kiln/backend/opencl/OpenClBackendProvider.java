package dev.kiln.backend.opencl;

import dev.kiln.backend.Backend;
import dev.kiln.backend.BackendException;
import dev.kiln.backend.BackendProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.lwjgl.opencl.CL;
import org.lwjgl.system.Configuration;

/**
 * The OpenCL backend for {@link java.util.ServiceLoader} (name "opencl", rank 200).
 *
 * <p>Availability is probed once per JVM and the verdict kept, Netty Epoll style: load the ICD loader
 * through LWJGL, list every device of every platform. Each way it can fail becomes one line:
 * <ul>
 *   <li>no ICD loader: "no OpenCL ICD loader (libOpenCL.so.1)" (install ocl-icd-libopencl1);</li>
 *   <li>clGetPlatformIDs returns -1001 or no platform: "no OpenCL platform (is an ICD such as
 *       pocl-opencl-icd installed?)";</li>
 *   <li>platforms without devices, LWJGL's own natives failing, or {@code -Dkiln.opencl.disable=true}.</li>
 * </ul>
 * LWJGL 3.3.6 dlopens the unversioned {@code libOpenCL.so}, which only the -dev package installs, so on
 * Linux the probe points it at {@code libOpenCL.so.1} first (unless {@code -Dorg.lwjgl.opencl.libname}
 * says otherwise).
 *
 * <p>Device choice: {@code create(i)} opens device i of {@link #devices()}; {@code create(-1)} opens the
 * device named by the index in {@code KILN_OPENCL_DEVICE} (or {@code -Dkiln.opencl.device}), else the best
 * one: a GPU before a CPU, then the most compute units.
 */
public final class OpenClBackendProvider implements BackendProvider {
    /** Environment variable holding a device index for {@code create(-1)}. */
    public static final String DEVICE_ENV = "KILN_OPENCL_DEVICE";
    /** System property overriding {@link #DEVICE_ENV}. */
    public static final String DEVICE_PROPERTY = "kiln.opencl.device";
    /** System property that turns the backend off (true). */
    public static final String DISABLE_PROPERTY = "kiln.opencl.disable";

    private static final System.Logger LOG = System.getLogger(OpenClBackendProvider.class.getName());

    /** The probe's verdict: the devices, or why there are none. */
    record Verdict(List<ClDevice> devices, String cause) {
        static Verdict of(List<ClDevice> devices) { return new Verdict(devices, null); }

        static Verdict unavailable(String cause) {
            LOG.log(System.Logger.Level.DEBUG, "opencl backend unavailable: {0}", cause);
            return new Verdict(List.of(), cause);
        }
    }

    /** Lazy holder: the probe runs on first use, once (a failed native load cannot be retried anyway). */
    private static final class Probe {
        static final Verdict VERDICT = probe();
    }

    static Verdict verdict() { return Probe.VERDICT; }

    private static Verdict probe() {
        if (Boolean.getBoolean(DISABLE_PROPERTY)) return Verdict.unavailable("disabled by -D" + DISABLE_PROPERTY + "=true");
        try {
            if (System.getProperty("org.lwjgl.opencl.libname") == null && Configuration.OPENCL_LIBRARY_NAME.get() == null
                    && System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux"))
                Configuration.OPENCL_LIBRARY_NAME.set("libOpenCL.so.1");
            if (Configuration.DEBUG_STREAM.get() == null && !Configuration.DEBUG.get(false))
                Configuration.DEBUG_STREAM.set(LwjglLog.stream());
            if (CL.getFunctionProvider() == null) CL.create();   // only when OPENCL_EXPLICIT_INIT is set
            return Verdict.of(ClDevice.enumerate());
        } catch (ClDevice.NoPlatform e) {
            return Verdict.unavailable(e.getMessage());
        } catch (LinkageError e) {
            return Verdict.unavailable(linkCause(e));
        } catch (RuntimeException e) {
            return Verdict.unavailable("OpenCL initialisation failed: " + firstLine(e));
        }
    }

    /** The one-line cause for a failed native load. */
    static String linkCause(Throwable e) {
        String m = String.valueOf(e.getMessage());
        if (m.contains("OpenCL") || m.contains(libraryName())) return "no OpenCL ICD loader (" + libraryName() + ")";
        return "LWJGL native library did not load: " + firstLine(e);
    }

    /** The OpenCL library LWJGL is told to load. */
    static String libraryName() {
        String n = System.getProperty("org.lwjgl.opencl.libname");
        if (n == null) n = Configuration.OPENCL_LIBRARY_NAME.get();
        return n == null ? "libOpenCL.so" : n;
    }

    static String firstLine(Throwable e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) return e.getClass().getSimpleName();
        m = m.strip();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl).strip();
    }

    @Override public String name() { return "opencl"; }

    @Override public int rank() { return 200; }

    @Override public boolean isAvailable() { return verdict().cause() == null; }

    @Override public String unavailabilityCause() { return verdict().cause(); }

    /** "platform / device / type / compute units / memory" for each device, in index order. */
    @Override
    public List<String> devices() {
        List<String> out = new ArrayList<>();
        for (ClDevice d : verdict().devices()) out.add(d.describe());
        return out;
    }

    /** The probed devices, in index order (empty when unavailable). */
    public List<ClDevice> clDevices() { return verdict().devices(); }

    @Override
    public Backend create(int device) {
        Verdict v = verdict();
        if (v.cause() != null) throw new BackendException("backend 'opencl' is unavailable: " + v.cause());
        String env = System.getProperty(DEVICE_PROPERTY);
        String source = "-D" + DEVICE_PROPERTY;
        if (env == null) {
            env = System.getenv(DEVICE_ENV);
            source = DEVICE_ENV;
        }
        return new OpenClBackend(v.devices().get(choose(v.devices(), device, env, source)));
    }

    /**
     * The device index to open: {@code requested} if >= 0, else the index in {@code env} if set, else
     * {@link ClDevice#best}. A bad index is an error naming its source and the valid range.
     */
    static int choose(List<ClDevice> devices, int requested, String env, String source) {
        int n = devices.size();
        if (n == 0) throw new BackendException("opencl: no device");
        int idx;
        String from;
        if (requested >= 0) {
            idx = requested;
            from = "requested device";
        } else if (env != null && !env.isBlank()) {
            try {
                idx = Integer.parseInt(env.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(source + "='" + env + "' is not a device index (0.." + (n - 1) + ")");
            }
            from = source;
        } else {
            return ClDevice.best(devices);
        }
        if (idx < 0 || idx >= n)
            throw new IllegalArgumentException(from + " " + idx + " does not exist: the OpenCL devices are 0.." + (n - 1)
                    + " (see kiln devices)");
        return idx;
    }
}
