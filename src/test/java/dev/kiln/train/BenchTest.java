package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.*;

import dev.kiln.backend.Backend;
import dev.kiln.backend.cpu.CpuBackend;
import dev.kiln.backend.cpu.CpuBackendProvider;
import java.lang.management.ManagementFactory;
import java.util.Set;
import java.util.stream.Collectors;
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

    /**
     * Warm training steps allocate nothing on the calling thread or on the CPU backend's pool threads where the
     * products are large enough to be split across the pool (CpuBackendTest's seed test covers the small ops that
     * run inline on the caller). Measured as the difference between a run of three epochs and a run of one, so
     * that what a run allocates once (model, data, trainer, device buffers) drops out and what remains is two
     * epochs of ten steps: their records (EpochResult, the shuffle) stay under a few KiB. Every tile that
     * allocated would show: C2 boxing the micro-kernel's ten accumulators, as it does when it inlines the k
     * loop into a caller too large to inline the stores too, costs 640 bytes per 5 x 16 tile, and a step here
     * computes about 12,000 tiles.
     */
    @Test
    void warmStepsAllocateNothingOnThePoolThreads() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Set<Long> before = poolThreads();
        try (CpuBackend be = new CpuBackend(2)) {
            Set<Long> pool = poolThreads();
            pool.removeAll(before);
            pool.add(Thread.currentThread().getId());
            long[] ids = pool.stream().mapToLong(Long::longValue).toArray();
            assertEquals(2, ids.length, "the caller and one worker");
            Bench.Workload w = Bench.MNIST_MLP.withRows(1280);       // 10 steps of 128 per epoch
            Bench.run(be, w, 0, 30, 0);                               // C2 compiles the step, the GEMM picks its loop copy
            long perEpoch = Long.MAX_VALUE;
            // rounds repeat for up to 30 s: in the full suite other tests' shapes now and then get the vector
            // methods' C2 code invalidated, and until C2 has compiled them again they run in C1, which allocates
            long deadline = System.nanoTime() + 30_000_000_000L;
            for (int round = 0; perEpoch >= 4096 && (round < 3 || System.nanoTime() < deadline); round++) {
                long a0 = allocated(mx, ids);
                Bench.run(be, w, 0, 1, 0);
                long a1 = allocated(mx, ids);
                Bench.run(be, w, 0, 3, 0);
                long a2 = allocated(mx, ids);
                perEpoch = ((a2 - a1) - (a1 - a0)) / 2;
            }
            System.out.printf("mnist-shaped epoch of 10 steps on 2 threads, warm: %d bytes allocated%n", perEpoch);
            assertTrue(perEpoch < 4096, perEpoch + " bytes allocated per epoch of 10 warm steps");
        }
    }

    private static Set<Long> poolThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("kiln-cpu-"))
                .map(Thread::getId).collect(Collectors.toSet());
    }

    private static long allocated(com.sun.management.ThreadMXBean mx, long[] ids) {
        long sum = 0;
        for (long b : mx.getThreadAllocatedBytes(ids)) sum += Math.max(0, b);
        return sum;
    }
}
