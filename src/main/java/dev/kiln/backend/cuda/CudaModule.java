package dev.kiln.backend.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import dev.kiln.backend.BackendException;
import jcuda.driver.CUmodule;
import jcuda.driver.JCudaDriver;

/**
 * The kernels as the jar ships them: {@code native/cuda/kiln.fatbin} (built by kernels/build, packaged at
 * {@value #FATBIN}), loaded with {@code cuModuleLoadData}, which takes the fatbin bytes as they are; the
 * driver picks the SASS for the GPU or JIT-compiles the compute_90 PTX. ({@code cuModuleLoadFatBinary} is
 * not used: JCuda 12.6.0's binding never writes the module handle back.) Nothing compiles at build or run
 * time on the user's machine.
 */
final class CudaModule implements AutoCloseable {
    /** Class-path location of the fatbin. */
    static final String FATBIN = "/kiln/native/cuda/kiln.fatbin";
    /** Class-path location of the PTX that the fatbin embeds (for review and ptxas checks). */
    static final String PTX = "/kiln/native/cuda/kiln.ptx";
    /** Class-path location of the build manifest (nvcc version, flags, sha256 of sources and outputs). */
    static final String MANIFEST = "/kiln/native/cuda/MANIFEST";
    /** The first four bytes of every fatbin, little-endian 0xBA55ED50. */
    static final int FATBIN_MAGIC = 0xBA55ED50;

    final CUmodule module = new CUmodule();
    /** sha256 of the fatbin bytes, hex: the kernel hash a run's provenance records. */
    final String sha256;
    /** Size of the fatbin in bytes. */
    final int size;

    /** Loads the fatbin into the current context. */
    CudaModule() {
        byte[] bytes = resource(FATBIN);
        if (magic(bytes) != FATBIN_MAGIC)
            throw new BackendException("cuda: " + FATBIN + " is not a fatbin (first bytes 0x" + Integer.toHexString(magic(bytes)) + ")");
        sha256 = sha256(bytes);
        size = bytes.length;
        CudaCheck.check(JCudaDriver.cuModuleLoadData(module, bytes), "cuModuleLoadData(" + FATBIN + ", " + size + " bytes)");
    }

    /** The first four bytes as a little-endian int (0 if shorter). */
    static int magic(byte[] b) {
        return b.length < 4 ? 0 : (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 24;
    }

    /** The bytes of a class-path resource, or a BackendException naming it. */
    static byte[] resource(String path) {
        try (InputStream in = CudaModule.class.getResourceAsStream(path)) {
            if (in == null) throw new BackendException("cuda: " + path + " is not on the class path (the jar lacks native/cuda; run kernels/build)");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new BackendException("cuda: cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JRE", e);
        }
    }

    @Override
    public void close() {
        CudaCheck.check(JCudaDriver.cuModuleUnload(module), "cuModuleUnload");
    }
}
