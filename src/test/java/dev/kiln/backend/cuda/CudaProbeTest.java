package dev.kiln.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import dev.kiln.backend.BackendException;
import dev.kiln.backend.BackendProvider;
import dev.kiln.backend.Backends;
import org.junit.jupiter.api.Test;

/**
 * The probe must never crash the JVM and must say why CUDA is unavailable, once, in one line (Netty's
 * Epoll); the cause strings and error messages are checked as pure functions, which needs no driver.
 */
class CudaProbeTest {

    /** Whether this machine has the NVIDIA user-space driver in a standard place. */
    private static boolean hasLibcuda() {
        for (String dir : new String[] {"/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib", "/lib/x86_64-linux-gnu",
                "/usr/local/nvidia/lib64", "/usr/lib/wsl/lib"})
            if (Files.exists(Path.of(dir, "libcuda.so.1"))) return true;
        String ld = System.getenv("LD_LIBRARY_PATH");
        if (ld != null) for (String dir : ld.split(":")) if (!dir.isEmpty() && Files.exists(Path.of(dir, "libcuda.so.1"))) return true;
        return false;
    }

    @Test
    void providerProbesOnceAndKeepsItsCause() {
        CudaBackendProvider p = new CudaBackendProvider();
        boolean first = p.isAvailable();
        String cause1 = p.unavailabilityCause();
        String cause2 = new CudaBackendProvider().unavailabilityCause();
        assertEquals(first, p.isAvailable());
        assertSame(cause1, cause2, "the second call returns the cached verdict");
        if (first) {
            assertNull(cause1);
            assertFalse(p.devices().isEmpty(), "an available backend lists a device");
        } else {
            assertNotNull(cause1);
            assertFalse(cause1.isBlank());
            assertFalse(cause1.contains("\n"), "one line: " + cause1);
            assertTrue(p.devices().isEmpty());
            if (!hasLibcuda()) assertEquals("libcuda.so.1 not found (no NVIDIA driver)", cause1);
            BackendException e = assertThrows(BackendException.class, () -> p.create(-1));
            assertTrue(e.getMessage().contains(cause1), e.getMessage());
        }
    }

    @Test
    void probingAgainNeverThrowsAndRepeatsTheFirstCause() {
        CudaProbe.Verdict cached = CudaBackendProvider.verdict();
        CudaProbe.Verdict again = CudaProbe.run();     // JCuda's classes may now fail with NoClassDefFoundError
        assertEquals(cached.available(), again.available());
        assertEquals(cached.cause(), again.cause(), "a repeated probe reports the first failure, not JCuda's echo of it");
    }

    @Test
    void serviceLoaderFindsTheCudaProvider() {
        BackendProvider p = Backends.provider("cuda");
        assertTrue(p instanceof CudaBackendProvider, p.getClass().getName());
        assertEquals(300, p.rank());
        assertEquals("cuda", p.name());
    }

    @Test
    void driverGateNamesTheVersionAndTheFloor() {
        assertNull(CudaProbe.driverGate(13000));
        assertNull(CudaProbe.driverGate(13010));
        assertEquals("driver CUDA 12.8 (12080) is older than the R580 (CUDA 13.0) that the shipped kernels need"
                + " (their PTX is ISA 9.0 from nvcc 13); update the NVIDIA driver", CudaProbe.driverGate(12080));
        assertTrue(CudaProbe.driverGate(12000).startsWith("driver CUDA 12.0 (12000) is older"));
    }

    @Test
    void linkageErrorsBecomeOneLineCauses() {
        // JCuda's message when libcuda.so.1 is missing (recorded in research/feasibility.md, shortened)
        String jcuda = "Error while loading native library \"JCudaDriver-12.6.0-linux-x86_64\"\n"
                + "Operating system name: Linux\nStack trace from the attempt to load the library as a file:\n"
                + "java.lang.UnsatisfiedLinkError: /tmp/libJCudaDriver-12.6.0-linux-x86_64.so: libcuda.so.1: "
                + "cannot open shared object file: No such file or directory\n\tat java.base/jdk.internal.loader...";
        assertEquals(CudaProbe.NO_DRIVER, CudaProbe.causeOf(new UnsatisfiedLinkError(jcuda)));
        String other = "Error while loading native library\njava.lang.UnsatisfiedLinkError: /tmp/libJCudaDriver-12.6.0-linux-x86_64.so: "
                + "/lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.38' not found\n\tat ...";
        assertEquals("JCuda's native library does not load: java.lang.UnsatisfiedLinkError: /tmp/libJCudaDriver-12.6.0-linux-x86_64.so: "
                + "/lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.38' not found", CudaProbe.causeOf(new UnsatisfiedLinkError(other)));
        String again = CudaProbe.causeOf(new NoClassDefFoundError("Could not initialize class jcuda.driver.JCudaDriver"));
        assertTrue(again.startsWith("JCuda's driver binding failed to load earlier in this JVM"), again);
        assertEquals("JCuda is unavailable: java.lang.LinkageError: odd", CudaProbe.causeOf(new LinkageError("odd")));
    }

    @Test
    void errorsNameTheOpTheKernelAndTheCuresult() {
        assertEquals("cuda: launch grid (4, 1) x 256 [kernel kiln_sgemm_nn]: CUDA_ERROR_ILLEGAL_ADDRESS (700); a kernel touched"
                        + " memory outside a buffer; the context is now unusable; rerun with -Dkiln.cuda.sync=true to name the kernel",
                CudaCheck.message(700, "launch grid (4, 1) x 256", "kiln_sgemm_nn"));
        assertTrue(CudaCheck.describe(222).startsWith("CUDA_ERROR_UNSUPPORTED_PTX_VERSION (222); "), CudaCheck.describe(222));
        assertTrue(CudaCheck.describe(222).contains("R580"));
        assertEquals("CUDA_ERROR_NO_DEVICE (100); no CUDA-capable device is visible (check nvidia-smi and CUDA_VISIBLE_DEVICES)",
                CudaCheck.describe(100));
        BackendException e = assertThrows(BackendException.class, () -> CudaCheck.check(2, "alloc of 10 elements"));
        assertTrue(e.getMessage().startsWith("cuda: alloc of 10 elements: CUDA_ERROR_OUT_OF_MEMORY (2)"), e.getMessage());
        CudaCheck.check(0, "success is silent");
    }

    @Test
    void gemmChoiceParsesAndRejectsUnknownValues() {
        assertEquals(CudaBackend.GemmChoice.AUTO, CudaBackend.GemmChoice.parse(null));
        assertEquals(CudaBackend.GemmChoice.AUTO, CudaBackend.GemmChoice.parse(" auto "));
        assertEquals(CudaBackend.GemmChoice.KILN, CudaBackend.GemmChoice.parse("KILN"));
        assertEquals(CudaBackend.GemmChoice.CUBLAS, CudaBackend.GemmChoice.parse("cublas"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CudaBackend.GemmChoice.parse("magma"));
        assertEquals("kiln.cuda.gemm: 'magma' is not one of auto, cublas, kiln", e.getMessage());
    }

    @Test
    void launchGeometryDependsOnlyOnTheSize() {
        assertEquals(1, CudaKernels.grid(0));
        assertEquals(1, CudaKernels.grid(256));
        assertEquals(2, CudaKernels.grid(257));
        assertEquals(65_535, CudaKernels.grid(1L << 40));
        assertEquals(1, CudaKernels.reductionGrid(0));
        assertEquals(391, CudaKernels.reductionGrid(100_003));
        assertEquals(CudaKernels.MAX_PARTIALS, CudaKernels.reductionGrid(10_000_000));
    }
}
