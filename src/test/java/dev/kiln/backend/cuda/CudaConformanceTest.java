package dev.kiln.backend.cuda;

import dev.kiln.backend.BackendConformanceTest;
import dev.kiln.backend.BackendProvider;

/**
 * The conformance suite on the best CUDA device: every op against the CPU backend. Skipped, with the
 * probe's one-line cause (e.g. "libcuda.so.1 not found (no NVIDIA driver)"), where CUDA is unavailable;
 * ci/gpu-check runs the same cases on a GPU machine through {@link CudaSelfTest}.
 */
class CudaConformanceTest extends BackendConformanceTest {
    @Override
    protected BackendProvider provider() {
        return new CudaBackendProvider();
    }
}
