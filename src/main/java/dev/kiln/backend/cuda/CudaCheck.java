package dev.kiln.backend.cuda;

import dev.kiln.backend.BackendException;
import jcuda.driver.CUresult;

/**
 * Every CUresult goes through here (llm.c's {@code cudaCheck}): a failure becomes a
 * {@link BackendException} that names the op, the kernel when there is one, the error by name and
 * number, and what to do about the common ones. JCuda's own exceptions stay off: they name neither the
 * op nor the kernel.
 */
final class CudaCheck {
    private CudaCheck() {}

    /** Throws unless {@code rc} is CUDA_SUCCESS. */
    static void check(int rc, String op) {
        if (rc != CUresult.CUDA_SUCCESS) throw new BackendException(message(rc, op, null));
    }

    /** Throws unless {@code rc} is CUDA_SUCCESS, naming the kernel. */
    static void check(int rc, String op, String kernel) {
        if (rc != CUresult.CUDA_SUCCESS) throw new BackendException(message(rc, op, kernel));
    }

    /** "cuda: <op> [kernel <name>]: CUDA_ERROR_X (n)[; hint]". */
    static String message(int rc, String op, String kernel) {
        return "cuda: " + op + (kernel == null ? "" : " [kernel " + kernel + "]") + ": " + describe(rc);
    }

    /** The error's name and number, plus a hint where one helps (pure Java: needs no driver). */
    static String describe(int rc) {
        String hint = switch (rc) {
            case CUresult.CUDA_ERROR_NO_DEVICE -> "no CUDA-capable device is visible (check nvidia-smi and CUDA_VISIBLE_DEVICES)";
            case CUresult.CUDA_ERROR_SYSTEM_DRIVER_MISMATCH -> "the kernel module and the user-space driver (libcuda) have different versions; reboot or reinstall the driver";
            case CUresult.CUDA_ERROR_OUT_OF_MEMORY -> "the device is out of memory";
            case CUresult.CUDA_ERROR_NO_BINARY_FOR_GPU -> "the fatbin has no SASS for this GPU and the driver could not JIT its compute_90 PTX";
            case CUresult.CUDA_ERROR_UNSUPPORTED_PTX_VERSION -> "the driver is older than the R580 (CUDA 13.0) that the shipped PTX needs";
            case CUresult.CUDA_ERROR_ILLEGAL_ADDRESS -> "a kernel touched memory outside a buffer; the context is now unusable;"
                    + " rerun with -Dkiln.cuda.sync=true to name the kernel";
            case CUresult.CUDA_ERROR_LAUNCH_FAILED -> "a kernel failed; rerun with -Dkiln.cuda.sync=true to name it";
            case CUresult.CUDA_ERROR_NOT_FOUND -> "the fatbin lacks this kernel: it is older than the Java code (run kernels/build)";
            case CUresult.CUDA_ERROR_INVALID_VALUE -> "an argument (size, grid, pointer) is invalid";
            default -> null;
        };
        String name = CUresult.stringFor(rc);
        return name + " (" + rc + ")" + (hint == null ? "" : "; " + hint);
    }
}
