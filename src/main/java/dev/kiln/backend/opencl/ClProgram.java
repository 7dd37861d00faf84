package dev.kiln.backend.opencl;

import static org.lwjgl.opencl.CL10.*;

import dev.kiln.backend.BackendException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.IntBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.lwjgl.PointerBuffer;
import org.lwjgl.system.MemoryStack;
import org.lwjgl.system.MemoryUtil;

/**
 * An OpenCL program assembled from the jar's kernel sources and built for one device.
 *
 * <p>A jar has no include path, so the shared headers of kernels/common are PREPENDED as text, each after a
 * {@code #line 1 "name"} directive so the build log names the real file and line. The prelude turns
 * FP_CONTRACT off: OpenCL C may otherwise fuse {@code a * b + c} into one fma where the Java reference
 * rounds twice; kernels that want fma call {@code fma()} explicitly. The program is built without
 * {@code -cl-fast-relaxed-math} (exact exp/log, IEEE division and denormals), once per context; a failed
 * build throws {@link BackendException} carrying the build log.
 */
final class ClProgram {
    /** Where pom.xml puts kernels/common and kernels/opencl inside the jar. */
    static final String COMMON = "/kiln/kernels/common/";
    static final String OPENCL = "/kiln/kernels/opencl/";

    static final String PRELUDE = "#pragma OPENCL FP_CONTRACT OFF\n";

    /**
     * No fast-math options. {@code -w} silences warnings only (PoCL prints a "vector ABI" warning for every
     * float16 use on CPUs without AVX-512 to stderr); errors still fail the build with their log.
     */
    static final String BUILD_OPTIONS = "-w";

    final long handle;
    final String source;
    final String label;

    private ClProgram(long handle, String source, String label) {
        this.handle = handle;
        this.source = source;
        this.label = label;
    }

    /** The text of a classpath resource, or null if it does not exist. */
    static String resource(String path) {
        try (InputStream in = ClProgram.class.getResourceAsStream(path)) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + path, e);
        }
    }

    /**
     * The prelude, then each header of {@code headers} (kernels/common) and each file of {@code files}
     * (kernels/opencl), each under its {@code #line} directive. Every file must exist.
     */
    static String assemble(List<String> headers, List<String> files) {
        StringBuilder sb = new StringBuilder(PRELUDE);
        for (String h : headers) append(sb, COMMON, h);
        for (String f : files) append(sb, OPENCL, f);
        return sb.toString();
    }

    private static void append(StringBuilder sb, String dir, String file) {
        String text = resource(dir + file);
        if (text == null)
            throw new BackendException("opencl: kernel source " + dir.substring(1) + file + " is missing from the class path");
        sb.append("#line 1 \"").append(file).append("\"\n").append(text);
        if (!text.endsWith("\n")) sb.append('\n');
    }

    /** First 16 hex digits of the SHA-256 of {@code text}, for provenance. */
    static String hash(String text) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Creates and builds the program for {@code device}; {@code label} names it in errors. */
    static ClProgram build(long context, long device, String source, String label) {
        try (MemoryStack s = MemoryStack.stackPush()) {
            IntBuffer err = s.mallocInt(1);
            long program = clCreateProgramWithSource(context, source, err);
            ClError.check(err.get(0), "init", "clCreateProgramWithSource(" + label + ")");
            int rc = clBuildProgram(program, device, BUILD_OPTIONS, null, 0L);
            if (rc != CL_SUCCESS) {
                String log = buildLog(program, device);
                clReleaseProgram(program);
                throw new BackendException("opencl: building " + label + " failed: " + ClError.describe(rc)
                        + "\n" + log);
            }
            return new ClProgram(program, source, label);
        }
    }

    /** CL_PROGRAM_BUILD_LOG, or a note saying why it could not be read. */
    static String buildLog(long program, long device) {
        try (MemoryStack s = MemoryStack.stackPush()) {
            PointerBuffer size = s.mallocPointer(1);
            int rc = clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, (ByteBuffer) null, size);
            if (rc != CL_SUCCESS) return "(build log unavailable: " + ClError.describe(rc) + ")";
            ByteBuffer buf = MemoryUtil.memAlloc((int) Math.max(1, size.get(0)));
            try {
                rc = clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, buf, null);
                if (rc != CL_SUCCESS) return "(build log unavailable: " + ClError.describe(rc) + ")";
                return MemoryUtil.memUTF8(buf, Math.max(0, (int) size.get(0) - 1)).strip();
            } finally {
                MemoryUtil.memFree(buf);
            }
        }
    }

    /** The kernel called {@code name}; a BackendException naming it and this program if absent. */
    ClKernel kernel(String name) {
        try (MemoryStack s = MemoryStack.stackPush()) {
            IntBuffer err = s.mallocInt(1);
            long k = clCreateKernel(handle, name, err);
            int rc = err.get(0);
            if (rc == CL_INVALID_KERNEL_NAME)
                throw new BackendException("opencl: kernel " + name + " not found in " + label);
            ClError.check(rc, "init", "clCreateKernel", name);
            return new ClKernel(k, name);
        }
    }

    void release() {
        clReleaseProgram(handle);
    }
}
