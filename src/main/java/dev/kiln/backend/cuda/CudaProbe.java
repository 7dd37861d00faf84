package dev.kiln.backend.cuda;

import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR;
import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR;
import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import jcuda.driver.CUdevice;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

/**
 * Whether the CUDA backend can run on this machine, decided once per JVM (Netty's {@code Epoll}): the
 * first touch of {@link JCudaDriver} loads JCuda's JNI library and with it {@code libcuda.so.1}; a missing
 * driver is an {@link UnsatisfiedLinkError}, and every later touch a {@link NoClassDefFoundError}, so the
 * verdict must be kept ({@link CudaBackendProvider} caches it).
 *
 * <p>The checks, in order, each with its own one-line cause:
 * <ol>
 *   <li>{@code -Dkiln.cuda.disable=true} turns the backend off;</li>
 *   <li>JCuda and {@code libcuda.so.1} load (any {@link LinkageError} is caught);</li>
 *   <li>{@code cuDriverGetVersion} (legal before {@code cuInit}) is at least {@value #MIN_DRIVER}: the
 *       shipped PTX is ISA 9.0 from nvcc 13, which drivers before R580 (CUDA 13.0) reject. Gating on the
 *       version first also keeps JCuda from calling a symbol an old driver lacks, which would kill the
 *       JVM with a symbol lookup error rather than throw;</li>
 *   <li>{@code cuInit(0)} succeeds (its error is named, e.g. CUDA_ERROR_NO_DEVICE);</li>
 *   <li>at least one device has compute capability 7.5 (Turing) or newer, the oldest target nvcc 13
 *       compiles for.</li>
 * </ol>
 */
final class CudaProbe {
    private CudaProbe() {}

    /** The oldest driver API version the shipped kernels load on: 13000 = CUDA 13.0 (driver branch R580). */
    static final int MIN_DRIVER = 13000;
    /** The oldest compute capability the fatbin has code for: 7.5 (Turing, sm_75). */
    static final int MIN_COMPUTE_CAPABILITY = 75;
    /** The cause reported when there is no NVIDIA driver at all. */
    static final String NO_DRIVER = "libcuda.so.1 not found (no NVIDIA driver)";

    /** One usable GPU: its CUDA ordinal, name, compute capability, memory and multiprocessor count. */
    record Device(int ordinal, String name, int major, int minor, long totalBytes, int multiprocessors) {
        /** E.g. "NVIDIA H200 (sm_90, 139 GiB, 132 SMs)". */
        String describe() {
            return String.format(Locale.ROOT, "%s (sm_%d%d, %s, %d SMs)", name, major, minor, gib(totalBytes), multiprocessors);
        }
    }

    /** The verdict: null cause means available; the devices are those the fatbin can run on. */
    record Verdict(String cause, int driverVersion, List<Device> devices) {
        boolean available() { return cause == null; }

        static Verdict unavailable(String cause, int driverVersion) { return new Verdict(cause, driverVersion, List.of()); }
    }

    /** Runs the checks; never throws. Call once per JVM and keep the result. */
    static Verdict run() {
        if (Boolean.getBoolean("kiln.cuda.disable")) return Verdict.unavailable("disabled by -Dkiln.cuda.disable=true", 0);
        int driver = 0;
        try {
            JCudaDriver.setExceptionsEnabled(false);          // first touch: loads libJCudaDriver and libcuda.so.1
            int[] v = {0};
            int rc = JCudaDriver.cuDriverGetVersion(v);
            if (rc != CUresult.CUDA_SUCCESS) return Verdict.unavailable("cuDriverGetVersion failed: " + CudaCheck.describe(rc), 0);
            driver = v[0];
            String gate = driverGate(driver);
            if (gate != null) return Verdict.unavailable(gate, driver);
            rc = JCudaDriver.cuInit(0);
            if (rc != CUresult.CUDA_SUCCESS) return Verdict.unavailable("cuInit failed: " + CudaCheck.describe(rc), driver);
            int[] count = {0};
            rc = JCudaDriver.cuDeviceGetCount(count);
            if (rc != CUresult.CUDA_SUCCESS) return Verdict.unavailable("cuDeviceGetCount failed: " + CudaCheck.describe(rc), driver);
            if (count[0] == 0) return Verdict.unavailable("no CUDA device", driver);
            List<Device> usable = new ArrayList<>();
            List<String> tooOld = new ArrayList<>();
            for (int i = 0; i < count[0]; i++) {
                Device d = device(i);
                if (d.major() * 10 + d.minor() >= MIN_COMPUTE_CAPABILITY) usable.add(d);
                else tooOld.add(d.describe());
            }
            if (usable.isEmpty())
                return Verdict.unavailable("no CUDA device of compute capability 7.5 (Turing) or newer; found "
                        + String.join(", ", tooOld), driver);
            return new Verdict(null, driver, List.copyOf(usable));
        } catch (LinkageError e) {
            return Verdict.unavailable(remember(e), driver);
        } catch (RuntimeException e) {
            return Verdict.unavailable("JCuda probe failed: " + e, driver);
        }
    }

    private static Device device(int ordinal) {
        CUdevice dev = new CUdevice();
        CudaCheck.check(JCudaDriver.cuDeviceGet(dev, ordinal), "cuDeviceGet(" + ordinal + ")");
        byte[] name = new byte[256];
        CudaCheck.check(JCudaDriver.cuDeviceGetName(name, name.length, dev), "cuDeviceGetName");
        int len = 0;
        while (len < name.length && name[len] != 0) len++;
        int[] major = {0}, minor = {0}, sms = {0};
        CudaCheck.check(JCudaDriver.cuDeviceGetAttribute(major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev), "cuDeviceGetAttribute");
        CudaCheck.check(JCudaDriver.cuDeviceGetAttribute(minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev), "cuDeviceGetAttribute");
        CudaCheck.check(JCudaDriver.cuDeviceGetAttribute(sms, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, dev), "cuDeviceGetAttribute");
        long[] total = {0};
        CudaCheck.check(JCudaDriver.cuDeviceTotalMem(total, dev), "cuDeviceTotalMem");
        return new Device(ordinal, new String(name, 0, len, StandardCharsets.UTF_8), major[0], minor[0], total[0], sms[0]);
    }

    /**
     * Null when the driver can load the shipped kernels, else the cause. The driver API version is
     * 1000 * major + 10 * minor of the newest CUDA the driver supports (12080 = CUDA 12.8).
     */
    static String driverGate(int version) {
        if (version >= MIN_DRIVER) return null;
        return "driver " + cudaVersion(version) + " is older than the R580 (CUDA 13.0) that the shipped kernels need"
                + " (their PTX is ISA 9.0 from nvcc 13); update the NVIDIA driver";
    }

    /** "CUDA 12.8 (12080)". */
    static String cudaVersion(int version) {
        return "CUDA " + version / 1000 + "." + (version % 1000) / 10 + " (" + version + ")";
    }

    /** The cause of the first failed load in this JVM: later touches of JCuda see only NoClassDefFoundError. */
    private static volatile String firstLoadFailure;

    /** causeOf, except that a repeated probe reports the first failure's cause rather than JCuda's echo of it. */
    private static String remember(LinkageError e) {
        String cause = causeOf(e);
        if (e instanceof UnsatisfiedLinkError) {
            if (firstLoadFailure == null) firstLoadFailure = cause;
            return cause;
        }
        String first = firstLoadFailure;
        return first != null && e instanceof NoClassDefFoundError ? first : cause;
    }

    /**
     * The one-line cause of a failure to load JCuda. JCuda's {@link UnsatisfiedLinkError} message spans many
     * lines with nested stack traces; the line that names the missing shared object is the useful one.
     */
    static String causeOf(LinkageError e) {
        String msg = e.getMessage() == null ? "" : e.getMessage();
        if (e instanceof UnsatisfiedLinkError) {
            if (msg.contains("libcuda.so")) return NO_DRIVER;
            return "JCuda's native library does not load: " + lineNaming(msg, ".so");
        }
        if (e instanceof NoClassDefFoundError && msg.contains("jcuda")) {
            // a second touch after a failed first one: the class stays unusable for the life of the JVM
            return "JCuda's driver binding failed to load earlier in this JVM (" + msg.trim() + ")";
        }
        return "JCuda is unavailable: " + e;
    }

    private static String lineNaming(String msg, String needle) {
        String last = null;
        for (String line : msg.split("\\R")) if (line.contains(needle)) last = line.trim();
        if (last != null) return last;
        String first = msg.split("\\R", 2)[0].trim();
        return first.isEmpty() ? "(no message)" : first;
    }

    static String gib(long bytes) {
        double g = bytes / (double) (1L << 30);
        return g >= 10 ? String.format(Locale.ROOT, "%.0f GiB", g) : String.format(Locale.ROOT, "%.1f GiB", g);
    }
}
