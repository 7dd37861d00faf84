package dev.kiln.backend.cpu;

import dev.kiln.backend.Backend;
import dev.kiln.backend.BackendConformanceTest;
import dev.kiln.backend.BackendProvider;

/** The conformance suite on the CPU backend itself: three threads under test against the one-thread reference. */
class CpuConformanceTest extends BackendConformanceTest {
    @Override
    protected BackendProvider provider() {
        return new CpuBackendProvider();
    }

    @Override
    protected Backend openBackend(BackendProvider provider) {
        return new CpuBackend(3);
    }
}
