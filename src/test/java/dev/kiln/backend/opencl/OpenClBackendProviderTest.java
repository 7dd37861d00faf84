package dev.kiln.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.backend.BackendProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lwjgl.opencl.CL10;

/**
 * The provider's probe, device list and device choice. The pure parts (choice, causes, error names) run
 * everywhere; the probe's failure modes run in child JVMs where the ICD loader finds no platform or the
 * library name points nowhere, since a JVM keeps its first verdict.
 */
class OpenClBackendProviderTest {
    static final long CPU = CL10.CL_DEVICE_TYPE_CPU, GPU = CL10.CL_DEVICE_TYPE_GPU;

    static ClDevice fake(String name, long type, int cu) {
        return new ClDevice(1, 2, "Fake Platform", name, type, cu, 8L << 30, 2L << 30, 1024, 65536, "OpenCL 3.0", "1.0");
    }

    @Test
    void identity() throws IOException {
        OpenClBackendProvider p = new OpenClBackendProvider();
        assertEquals("opencl", p.name());
        assertEquals(200, p.rank());
        try (var in = BackendProvider.class.getResourceAsStream("/META-INF/services/" + BackendProvider.class.getName())) {
            String services = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(services.lines().anyMatch(l -> l.strip().equals(OpenClBackendProvider.class.getName())),
                    "listed in META-INF/services: " + services);
        }
    }

    @Test
    void availableHereOrOneLineCause() {
        BackendProvider p = new OpenClBackendProvider();
        if (p.isAvailable()) {
            assertNull(p.unavailabilityCause());
            assertFalse(p.devices().isEmpty());
            for (String d : p.devices())
                assertTrue(d.matches("[^/]+ / [^/]+ / (GPU|CPU|ACCELERATOR|OTHER) / \\d+ compute units / \\d+\\.\\d (GiB|MiB)"),
                        "platform / device / type / compute units / memory: " + d);
        } else {
            String cause = p.unavailabilityCause();
            assertFalse(cause.isBlank());
            assertFalse(cause.contains("\n"), "one line: " + cause);
            assertTrue(p.devices().isEmpty());
        }
    }

    @Test
    void describesADevice() {
        assertEquals("Fake Platform / Big GPU / GPU / 20 compute units / 8.0 GiB", fake("Big GPU", GPU, 20).describe());
        assertEquals("512.0 MiB", ClDevice.gib(512L << 20));
    }

    @Test
    void bestPrefersGpuThenComputeUnitsThenIndex() {
        List<ClDevice> d = List.of(fake("cpu2", CPU, 2), fake("gpu10", GPU, 10), fake("gpu20", GPU, 20),
                fake("cpu64", CPU, 64), fake("gpu20b", GPU, 20));
        assertEquals(2, ClDevice.best(d));
        assertEquals(1, ClDevice.best(List.of(fake("cpu2", CPU, 2), fake("cpu8", CPU, 8))));
        assertEquals(-1, ClDevice.best(List.of()));
        assertEquals(0, OpenClBackendProvider.choose(List.of(fake("only", CPU, 1)), -1, null, "KILN_OPENCL_DEVICE"));
    }

    @Test
    void choosesByIndexOrEnvironment() {
        List<ClDevice> d = List.of(fake("cpu", CPU, 2), fake("gpu", GPU, 10));
        assertEquals(1, OpenClBackendProvider.choose(d, -1, null, "KILN_OPENCL_DEVICE"), "best");
        assertEquals(1, OpenClBackendProvider.choose(d, -1, "  ", "KILN_OPENCL_DEVICE"), "blank means best");
        assertEquals(0, OpenClBackendProvider.choose(d, -1, "0", "KILN_OPENCL_DEVICE"), "environment");
        assertEquals(1, OpenClBackendProvider.choose(d, 1, "0", "KILN_OPENCL_DEVICE"), "an explicit index wins");
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> OpenClBackendProvider.choose(d, -1, "gpu", "KILN_OPENCL_DEVICE"));
        assertEquals("KILN_OPENCL_DEVICE='gpu' is not a device index (0..1)", bad.getMessage());
        IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
                () -> OpenClBackendProvider.choose(d, -1, "5", "KILN_OPENCL_DEVICE"));
        assertEquals("KILN_OPENCL_DEVICE 5 does not exist: the OpenCL devices are 0..1 (see kiln devices)", range.getMessage());
        assertThrows(IllegalArgumentException.class, () -> OpenClBackendProvider.choose(d, 2, null, "x"));
    }

    @Test
    void gemmVariantFollowsTheDeviceType() {
        assertEquals(ClGemm.Variant.GPU_TILED, ClGemm.Variant.forDevice(fake("gpu", GPU, 10)));
        assertEquals(ClGemm.Variant.CPU_BLOCKED, ClGemm.Variant.forDevice(fake("cpu", CPU, 10)));
        ClDevice tiny = new ClDevice(1, 2, "P", "tiny gpu", GPU, 1, 1L << 30, 1L << 28, 128, 65536, "OpenCL 1.2", "1");
        assertEquals(ClGemm.Variant.CPU_BLOCKED, ClGemm.Variant.forDevice(tiny), "no 16x16 work-group: blocked kernel");
    }

    @Test
    void causesAreOneLine() {
        assertEquals("no OpenCL ICD loader (" + OpenClBackendProvider.libraryName() + ")",
                OpenClBackendProvider.linkCause(new UnsatisfiedLinkError("Failed to locate library: libOpenCL.so.1")));
        assertEquals("LWJGL native library did not load: liblwjgl.so: cannot open shared object file",
                OpenClBackendProvider.linkCause(new UnsatisfiedLinkError("liblwjgl.so: cannot open shared object file\n  more")));
        assertEquals("IllegalStateException", OpenClBackendProvider.firstLine(new IllegalStateException()));
    }

    @Test
    void namesClErrors() {
        assertEquals("CL_INVALID_WORK_GROUP_SIZE (-54)", ClError.describe(-54));
        assertEquals("CL_PLATFORM_NOT_FOUND_KHR", ClError.name(-1001));
        assertEquals("CL_MEM_OBJECT_ALLOCATION_FAILURE", ClError.name(-4));
        assertEquals("CL error (-12345)", ClError.describe(-12345));
        assertEquals("opencl gemm: clEnqueueNDRangeKernel(kiln_gemm_edge) failed: CL_INVALID_KERNEL_ARGS (-52)",
                assertThrows(RuntimeException.class, () -> ClError.check(-52, "gemm", "clEnqueueNDRangeKernel", "kiln_gemm_edge"))
                        .getMessage());
    }

    // ---- the probe's failure modes, each in a fresh JVM ---------------------------------------------

    /** Prints the provider's verdict: "available" or the cause. */
    public static final class PrintVerdict {
        public static void main(String[] args) {
            OpenClBackendProvider p = new OpenClBackendProvider();
            System.out.println(p.isAvailable() ? "available " + p.devices().size() : p.unavailabilityCause());
        }
    }

    private static String verdictInChild(List<String> jvmArgs, String envKey, String envValue)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(PrintVerdict.class.getName());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (envKey != null) pb.environment().put(envKey, envValue);
        Process proc = pb.start();
        assertTrue(proc.waitFor(60, TimeUnit.SECONDS), "child JVM finished");
        String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, proc.exitValue(), out);
        return out;
    }

    @Test
    void noPlatformWhenTheLoaderFindsNoIcd(@TempDir Path emptyVendors) throws Exception {
        assumeTrue(new OpenClBackendProvider().isAvailable(), "needs the ICD loader on this machine");
        assertTrue(Files.isDirectory(emptyVendors));
        // ocl-icd reads its ICD list from OCL_ICD_VENDORS: an empty directory means no platform (-1001)
        String out = verdictInChild(List.of(), "OCL_ICD_VENDORS", emptyVendors.toString());
        assertEquals("no OpenCL platform (is an ICD such as pocl-opencl-icd installed?)", out);
    }

    @Test
    void noLoaderWhenTheLibraryIsMissing() throws Exception {
        String out = verdictInChild(List.of("-Dorg.lwjgl.opencl.libname=libKilnNoSuchOpenCL.so.1"), null, null);
        assertEquals("no OpenCL ICD loader (libKilnNoSuchOpenCL.so.1)", out);
    }

    @Test
    void disabledByProperty() throws Exception {
        String out = verdictInChild(List.of("-D" + OpenClBackendProvider.DISABLE_PROPERTY + "=true"), null, null);
        assertEquals("disabled by -Dkiln.opencl.disable=true", out);
    }
}
