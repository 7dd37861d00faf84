package dev.kiln.backend;

import java.util.List;

/**
 * A backend as {@link java.util.ServiceLoader} finds it (listed in
 * META-INF/services/dev.kiln.backend.BackendProvider). Probing must never crash the JVM: a provider
 * tries its native path once, keeps the verdict, and says why it is unavailable (Netty's Epoll).
 */
public interface BackendProvider {
    /** "cuda", "opencl" or "cpu". */
    String name();

    /** Higher is preferred by automatic selection: cuda 300, opencl 200, cpu 100. */
    int rank();

    /** Whether {@link #create} can succeed on this machine. */
    boolean isAvailable();

    /** One line saying why not (e.g. "libcuda.so.1 not found"), or null when available. */
    String unavailabilityCause();

    /** The devices this backend can use, one line each (empty when unavailable). */
    List<String> devices();

    /** Opens the backend on a device (index into {@link #devices()}, or -1 for the best one). */
    Backend create(int device);
}
