package dev.kiln.backend.opencl;

import dev.kiln.backend.BackendConformanceTest;
import dev.kiln.backend.BackendProvider;

/**
 * The conformance suite on the best OpenCL device (PoCL's CPU device in CI): every op against the CPU
 * backend. Skipped, with the provider's one-line cause, where OpenCL is unavailable.
 */
class OpenClConformanceTest extends BackendConformanceTest {
    @Override
    protected BackendProvider provider() {
        return new OpenClBackendProvider();
    }
}
