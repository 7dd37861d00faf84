package dev.kiln.backend.cuda;

import java.util.ArrayList;
import java.util.List;

import dev.kiln.backend.Backend;
import dev.kiln.backend.BackendException;
import dev.kiln.backend.BackendProvider;

/**
 * The "cuda" backend for {@link java.util.ServiceLoader} (rank 300: preferred when available). The probe
 * ({@link CudaProbe}) runs once per JVM, on first use, and its verdict is kept: a failed JNI load cannot be
 * retried anyway, and a second look would only see JCuda's {@link NoClassDefFoundError}.
 */
public final class CudaBackendProvider implements BackendProvider {
    /** The probe, run when this class is first asked (the holder idiom: thread-safe, once). */
    private static final class Verdict {
        static final CudaProbe.Verdict VALUE = CudaProbe.run();
    }

    static CudaProbe.Verdict verdict() { return Verdict.VALUE; }

    @Override public String name() { return "cuda"; }

    @Override public int rank() { return 300; }

    @Override public boolean isAvailable() { return verdict().available(); }

    @Override public String unavailabilityCause() { return verdict().cause(); }

    /** One line per usable GPU in index order, e.g. "NVIDIA H200 (sm_90, 139 GiB, 132 SMs), driver CUDA 13.0 (13000)". */
    @Override
    public List<String> devices() {
        CudaProbe.Verdict v = verdict();
        List<String> out = new ArrayList<>();
        for (CudaProbe.Device d : v.devices()) out.add(d.describe() + ", driver " + CudaProbe.cudaVersion(v.driverVersion()));
        return out;
    }

    /** Opens device {@code device} (an index into {@link #devices()}, -1 for the first), GEMM per -Dkiln.cuda.gemm. */
    @Override
    public Backend create(int device) {
        return open(device, CudaBackend.GemmChoice.parse(System.getProperty("kiln.cuda.gemm")));
    }

    /** As {@link #create(int)} with an explicit GEMM choice (the self test runs both). */
    public CudaBackend open(int device, CudaBackend.GemmChoice gemm) {
        CudaProbe.Verdict v = verdict();
        if (!v.available()) throw new BackendException("backend 'cuda' is unavailable: " + v.cause());
        int index = device < 0 ? 0 : device;
        if (index >= v.devices().size())
            throw new IllegalArgumentException("cuda: no device " + device + " (there are " + v.devices().size() + ": " + devices() + ")");
        return new CudaBackend(v.devices().get(index), v.driverVersion(), gemm);
    }
}
