package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.*;

import dev.kiln.backend.Backend;
import dev.kiln.backend.cpu.CpuBackendProvider;
import org.junit.jupiter.api.Test;

class BenchTest {
    @Test
    void workloadsAreTheStandardThree() {
        assertEquals("784-512-512-10", Bench.workload("mnist-mlp").shape());
        assertEquals(128, Bench.MNIST_MLP.batch());
        assertEquals(60000, Bench.MNIST_MLP.rows());
        assertEquals(512, Bench.WIDE.batch());
        assertEquals(16384, Bench.WIDE.rows());
        assertEquals("1024-4096-4096-1024", Bench.WIDE.shape());
        assertEquals(246, Bench.SEED.model().parameterCount());
        // 784*512+512 + 512*512+512 + 512*10+10
        assertEquals(669706, Bench.MNIST_MLP.model().parameterCount());
        assertThrows(IllegalArgumentException.class, () -> Bench.workload("huge"));
    }

    @Test
    void measuresTheSeedWorkloadConsistently() {
        try (Backend b = new CpuBackendProvider().create(-1)) {
            Bench.Result r = Bench.run(b, Bench.SEED, 2, 3, 0);
            assertEquals(60, r.timedSteps());             // 3 epochs of 20 steps
            assertEquals(3000 / r.seconds(), r.samplesPerSecond(), 1e-9 * r.samplesPerSecond());
            assertEquals(r.seconds() * 1000 / 60, r.msPerStep(), 1e-9);
            assertEquals(6.0 * 246 * r.samplesPerSecond() / 1e9, r.gflops(), 1e-12);
            assertTrue(r.peakHeapBytes() > 0);
            assertTrue(r.peakRssBytes() > r.peakHeapBytes() / 4, "VmHWM " + r.peakRssBytes());
            // random labels over 3 classes: the loss stays near log 3
            assertEquals(Math.log(3), r.finalLoss(), 0.1);
            assertTrue(r.summary().startsWith("seed (3-9-9-9-3, batch 50) on cpu:"), r.summary());
        }
    }

    @Test
    void mnistShapedNetworkOnFewRows() {
        try (Backend b = new CpuBackendProvider().create(-1)) {
            Bench.Result r = Bench.run(b, Bench.MNIST_MLP.withRows(300), 0, 1, 0);
            assertEquals(3, r.timedSteps());              // 128 + 128 + 44
            assertEquals(Math.log(10), r.finalLoss(), 0.3);
            assertTrue(r.gflops() > 0);
        }
    }
}
