package dev.kiln.backend.opencl;

import static org.lwjgl.opencl.CL10.*;

import java.nio.ByteBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.lwjgl.PointerBuffer;
import org.lwjgl.system.MemoryStack;
import org.lwjgl.system.MemoryUtil;

/**
 * One OpenCL device as the probe found it: the handles to open it with and the facts that choose and
 * describe it. The list order of {@link #enumerate()} (platform by platform, device by device) is the
 * index order of {@code kiln devices}, {@code create(int)} and {@code KILN_OPENCL_DEVICE}.
 *
 * @param platform       cl_platform_id
 * @param device         cl_device_id
 * @param platformName   CL_PLATFORM_NAME, e.g. "Portable Computing Language"
 * @param name           CL_DEVICE_NAME, e.g. "pthread-haswell-AMD EPYC"
 * @param type           CL_DEVICE_TYPE bits
 * @param computeUnits   CL_DEVICE_MAX_COMPUTE_UNITS
 * @param globalMem      CL_DEVICE_GLOBAL_MEM_SIZE in bytes
 * @param maxAlloc       CL_DEVICE_MAX_MEM_ALLOC_SIZE in bytes
 * @param maxWorkGroup   CL_DEVICE_MAX_WORK_GROUP_SIZE
 * @param localMem       CL_DEVICE_LOCAL_MEM_SIZE in bytes
 * @param version        CL_DEVICE_VERSION, e.g. "OpenCL 3.0 PoCL 3.1 ..."
 * @param driver         CL_DRIVER_VERSION
 */
public record ClDevice(long platform, long device, String platformName, String name, long type, int computeUnits,
                       long globalMem, long maxAlloc, long maxWorkGroup, long localMem, String version,
                       String driver) {

    /** Whether CL_DEVICE_TYPE has the GPU bit. */
    public boolean isGpu() { return (type & CL_DEVICE_TYPE_GPU) != 0; }

    /** Whether CL_DEVICE_TYPE has the CPU bit. */
    public boolean isCpu() { return (type & CL_DEVICE_TYPE_CPU) != 0; }

    /** "GPU", "CPU", "ACCELERATOR" or "OTHER". */
    public String typeName() {
        if (isGpu()) return "GPU";
        if (isCpu()) return "CPU";
        if ((type & CL_DEVICE_TYPE_ACCELERATOR) != 0) return "ACCELERATOR";
        return "OTHER";
    }

    /** One line for {@code kiln devices}: "platform / device / type / compute units / memory". */
    public String describe() {
        return platformName + " / " + name + " / " + typeName() + " / " + computeUnits + " compute units / "
                + gib(globalMem);
    }

    /** Bytes as "3.4 GiB" (or MiB below one GiB). */
    static String gib(long bytes) {
        if (bytes >= (1L << 30)) return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
    }

    /**
     * The index of the best device: a GPU before anything else, then the most compute units, then the
     * lowest index. -1 for an empty list.
     */
    public static int best(List<ClDevice> devices) {
        int best = -1;
        for (int i = 0; i < devices.size(); i++) {
            if (best < 0 || better(devices.get(i), devices.get(best))) best = i;
        }
        return best;
    }

    private static boolean better(ClDevice x, ClDevice y) {
        if (x.isGpu() != y.isGpu()) return x.isGpu();
        return x.computeUnits > y.computeUnits;
    }

    // ---- enumeration (needs the OpenCL library loaded) ----------------------------------------------

    /** Why the platform list could not be read, as one line. */
    static final class NoPlatform extends Exception {
        NoPlatform(String message) { super(message, null, false, false); }
    }

    /**
     * Every device of every platform. Throws {@link NoPlatform} with a one-line cause when there is no
     * platform or the ICD loader fails.
     */
    static List<ClDevice> enumerate() throws NoPlatform {
        try (MemoryStack s = MemoryStack.stackPush()) {
            IntBuffer count = s.mallocInt(1);
            int rc = clGetPlatformIDs(null, count);
            if (rc == -1001 || (rc == CL_SUCCESS && count.get(0) == 0))
                throw new NoPlatform("no OpenCL platform (is an ICD such as pocl-opencl-icd installed?)");
            if (rc != CL_SUCCESS) throw new NoPlatform("clGetPlatformIDs failed: " + ClError.describe(rc));
            PointerBuffer platforms = s.mallocPointer(count.get(0));
            rc = clGetPlatformIDs(platforms, (IntBuffer) null);
            if (rc != CL_SUCCESS) throw new NoPlatform("clGetPlatformIDs failed: " + ClError.describe(rc));

            List<ClDevice> out = new ArrayList<>();
            List<String> empty = new ArrayList<>();
            for (int p = 0; p < platforms.capacity(); p++) {
                long platform = platforms.get(p);
                String pname = platformString(platform, CL_PLATFORM_NAME);
                rc = clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, null, count);
                if (rc == CL_DEVICE_NOT_FOUND || (rc == CL_SUCCESS && count.get(0) == 0)) {
                    empty.add(pname);
                    continue;
                }
                if (rc != CL_SUCCESS) {
                    empty.add(pname + " (clGetDeviceIDs: " + ClError.describe(rc) + ")");
                    continue;
                }
                PointerBuffer ids = s.mallocPointer(count.get(0));
                ClError.check(clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, ids, (IntBuffer) null), "probe", "clGetDeviceIDs");
                for (int d = 0; d < ids.capacity(); d++) out.add(query(platform, pname, ids.get(d)));
            }
            if (out.isEmpty())
                throw new NoPlatform("OpenCL platform(s) without devices: " + String.join(", ", empty));
            return Collections.unmodifiableList(out);
        }
    }

    private static ClDevice query(long platform, String pname, long device) {
        return new ClDevice(platform, device, pname,
                deviceString(device, CL_DEVICE_NAME).trim(),
                deviceLong(device, CL_DEVICE_TYPE),
                deviceInt(device, CL_DEVICE_MAX_COMPUTE_UNITS),
                deviceLong(device, CL_DEVICE_GLOBAL_MEM_SIZE),
                deviceLong(device, CL_DEVICE_MAX_MEM_ALLOC_SIZE),
                devicePointer(device, CL_DEVICE_MAX_WORK_GROUP_SIZE),
                deviceLong(device, CL_DEVICE_LOCAL_MEM_SIZE),
                deviceString(device, CL_DEVICE_VERSION).trim(),
                deviceString(device, CL_DRIVER_VERSION).trim());
    }

    private static String platformString(long platform, int param) {
        try (MemoryStack s = MemoryStack.stackPush()) {
            PointerBuffer size = s.mallocPointer(1);
            ClError.check(clGetPlatformInfo(platform, param, (ByteBuffer) null, size), "probe", "clGetPlatformInfo");
            ByteBuffer buf = MemoryUtil.memAlloc((int) size.get(0));
            try {
                ClError.check(clGetPlatformInfo(platform, param, buf, null), "probe", "clGetPlatformInfo");
                return MemoryUtil.memUTF8(buf, Math.max(0, (int) size.get(0) - 1));
            } finally {
                MemoryUtil.memFree(buf);
            }
        }
    }

    private static String deviceString(long device, int param) {
        try (MemoryStack s = MemoryStack.stackPush()) {
            PointerBuffer size = s.mallocPointer(1);
            ClError.check(clGetDeviceInfo(device, param, (ByteBuffer) null, size), "probe", "clGetDeviceInfo");
            ByteBuffer buf = MemoryUtil.memAlloc((int) size.get(0));
            try {
                ClError.check(clGetDeviceInfo(device, param, buf, null), "probe", "clGetDeviceInfo");
                return MemoryUtil.memUTF8(buf, Math.max(0, (int) size.get(0) - 1));
            } finally {
                MemoryUtil.memFree(buf);
            }
        }
    }

    private static long deviceLong(long device, int param) {
        try (MemoryStack s = MemoryStack.stackPush()) {
            LongBuffer v = s.mallocLong(1);
            ClError.check(clGetDeviceInfo(device, param, v, null), "probe", "clGetDeviceInfo");
            return v.get(0);
        }
    }

    private static int deviceInt(long device, int param) {
        try (MemoryStack s = MemoryStack.stackPush()) {
            IntBuffer v = s.mallocInt(1);
            ClError.check(clGetDeviceInfo(device, param, v, null), "probe", "clGetDeviceInfo");
            return v.get(0);
        }
    }

    private static long devicePointer(long device, int param) {
        try (MemoryStack s = MemoryStack.stackPush()) {
            PointerBuffer v = s.mallocPointer(1);
            ClError.check(clGetDeviceInfo(device, param, v, null), "probe", "clGetDeviceInfo");
            return v.get(0);
        }
    }
}
