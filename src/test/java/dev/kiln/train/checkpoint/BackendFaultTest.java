package dev.kiln.train.checkpoint;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.backend.Backend;
import dev.kiln.backend.BackendException;
import dev.kiln.backend.BackendProvider;
import dev.kiln.backend.Backends;
import dev.kiln.backend.cpu.CpuBackendProvider;
import dev.kiln.data.Dataset;
import dev.kiln.train.History;
import dev.kiln.train.Interval;
import dev.kiln.train.Trainer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backend faults: a device lost in the middle of a run leaves the last checkpoint whole (and resumable) and
 * names the step; out of memory names the size asked and the memory free; {@code auto} falls back with one
 * warning line naming the cause; a named backend that is missing fails with its cause.
 */
class BackendFaultTest {
    @Test
    void aDeviceLostMidRunNamesTheStepAndLeavesTheLastCheckpointIntact(@TempDir Path tmp) throws Exception {
        Dataset.Split d = Runs.data();
        try (Backend b = new FaultyBackend(new CpuBackendProvider().create(-1), 33);
             Trainer t = new Trainer(b, Runs.MODEL, Runs.config().build())) {
            t.checkpointing(Interval.steps(10), new CheckpointWriter(tmp, 3, null));
            BackendException e = assertThrows(BackendException.class, () -> t.fit(d.train(), d.test()));
            Path last = tmp.toAbsolutePath().resolve("step-30");
            assertEquals("device failure at step 33 (epoch 1): kernel kiln_update_nadam failed: CL_OUT_OF_RESOURCES (device lost);"
                    + " the last checkpoint (step 30) is intact: resume with kiln train --resume " + last, e.getMessage());
        }
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of("step-10", "step-20", "step-30"), s.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no partial checkpoint");
        }
        // the checkpoint resumes to the same end as a run that never failed
        Path straight = tmp.resolve("straight.safetensors"), resumed = tmp.resolve("resumed.safetensors");
        History full = Runs.straight("cpu", straight);
        History cont = Runs.resumed("cpu", tmp.resolve("step-30"), resumed);
        assertArrayEquals(Files.readAllBytes(straight), Files.readAllBytes(resumed));
        assertArrayEquals(full.losses(), cont.losses());
    }

    @Test
    void aDeviceLostBeforeAnyCheckpointSaysSo() {
        Dataset.Split d = Runs.data();
        try (Backend b = new FaultyBackend(new CpuBackendProvider().create(-1), 4);
             Trainer t = new Trainer(b, Runs.MODEL, Runs.config().build())) {
            BackendException e = assertThrows(BackendException.class, () -> t.fit(d.train()));
            assertTrue(e.getMessage().startsWith("device failure at step 4 (epoch 0): kernel kiln_update_nadam failed"), e.getMessage());
            assertTrue(e.getMessage().endsWith("; no checkpoint was written"), e.getMessage());
        }
    }

    @Test
    void cpuOutOfMemoryNamesTheSizeAndTheFreeMemory() {
        long max = Runtime.getRuntime().maxMemory();
        long n = Integer.MAX_VALUE - 8;        // 8 GiB of floats, the largest Java array
        assumeTrue(4L * n > max, "the heap (" + (max >> 20) + " MiB) could hold the test's allocation");
        try (Backend b = new CpuBackendProvider().create(-1)) {
            BackendException e = assertThrows(BackendException.class, () -> b.alloc(n));
            assertTrue(e.getMessage().matches("cpu alloc: cannot allocate 2147483639 floats \\(8191 MiB\\); the JVM has \\d+ MiB free of "
                    + (max >> 20) + " MiB \\(raise -Xmx\\)"), e.getMessage());
            assertInstanceOf(OutOfMemoryError.class, e.getCause());
        }
    }

    /** A provider that the tests control. */
    private record Fake(String name, int rank, String cause, RuntimeException failure) implements BackendProvider {
        @Override public boolean isAvailable() { return cause == null; }
        @Override public String unavailabilityCause() { return cause; }
        @Override public List<String> devices() { return List.of(); }

        @Override
        public Backend create(int device) {
            if (failure != null) throw failure;
            return new CpuBackendProvider().create(device);
        }
    }

    @Test
    void autoFallsBackWithOneWarningLineNamingEachCause() {
        List<BackendProvider> ps = List.of(new Fake("cuda", 300, "libcuda.so.1 not found", null),
                new Fake("opencl", 200, null, new BackendException("clCreateContext: CL_DEVICE_NOT_AVAILABLE")),
                new Fake("cpu", 100, null, null));
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (PrintStream warn = new PrintStream(buf, true, StandardCharsets.UTF_8); Backend b = Backends.open("auto", -1, warn, ps)) {
            assertEquals("cpu", b.name());
        }
        assertEquals("kiln: using backend cpu (cuda unavailable: libcuda.so.1 not found; opencl failed to start:"
                + " clCreateContext: CL_DEVICE_NOT_AVAILABLE)\n", buf.toString(StandardCharsets.UTF_8));

        // nothing passed over: no warning
        buf.reset();
        try (PrintStream warn = new PrintStream(buf, true, StandardCharsets.UTF_8);
             Backend b = Backends.open("auto", -1, warn, List.of(new Fake("cpu", 100, null, null)))) {
            assertEquals("cpu", b.name());
        }
        assertEquals("", buf.toString(StandardCharsets.UTF_8));

        BackendException none = assertThrows(BackendException.class, () -> Backends.open("auto", -1, null,
                List.of(new Fake("cuda", 300, "no NVIDIA driver", null))));
        assertEquals("no backend available: cuda unavailable: no NVIDIA driver", none.getMessage());
        BackendException named = assertThrows(BackendException.class, () -> Backends.open("cuda", -1, null, ps));
        assertEquals("backend 'cuda' is unavailable: libcuda.so.1 not found", named.getMessage());
    }

    @Test
    void cudaOnAMachineWithoutCudaFailsWithItsCause() {
        BackendProvider cuda = Backends.provider("cuda");
        assumeFalse(cuda.isAvailable(), "this machine has CUDA");
        String cause = cuda.unavailabilityCause();
        assertNotNull(cause);
        assertFalse(cause.isBlank());
        BackendException e = assertThrows(BackendException.class, () -> Backends.open("cuda", -1, null));
        assertEquals("backend 'cuda' is unavailable: " + cause, e.getMessage());
    }
}
