package dev.kiln.train.checkpoint;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.backend.BackendProvider;
import dev.kiln.backend.Backends;
import dev.kiln.train.History;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run in a child JVM is killed (SIGKILL, at a random moment after its first checkpoint) or stopped
 * (SIGTERM), resumed from its last checkpoint, and must end with a model file byte-for-byte equal to the
 * uninterrupted run's, on the CPU backend and on OpenCL where a platform is present.
 */
class KillAndResumeTest {
    private static final long SLEEP_MS = 25;         // per step in the child: 80 steps take 2 s
    private static final Pattern LINE = Pattern.compile(
            "kiln: interrupted at step (\\d+); checkpoint written to (\\S+); resume with: kiln train --resume (\\S+)");

    @Test
    void sigkillAtARandomStepThenResumeIsByteIdenticalOnCpu(@TempDir Path tmp) throws Exception {
        killAndResume("cpu", tmp, new SplittableRandom().nextLong());
    }

    @Test
    void sigkillAtARandomStepThenResumeIsByteIdenticalOnOpenCl(@TempDir Path tmp) throws Exception {
        BackendProvider p = Backends.provider("opencl");
        assumeTrue(p.isAvailable(), () -> "opencl unavailable: " + p.unavailabilityCause());
        killAndResume("opencl", tmp, new SplittableRandom().nextLong());
    }

    private static void killAndResume(String backend, Path tmp, long seed) throws Exception {
        Path ckDir = tmp.resolve("checkpoints");
        Process child = start(backend, ckDir, tmp.resolve("child.safetensors"), tmp.resolve("child.log"));
        try {
            Path first = waitForCheckpoint(child, ckDir, tmp.resolve("child.log"));
            assertNotNull(first);
            long extra = new SplittableRandom(seed).nextLong(0, 700);
            Thread.sleep(extra);
            assertTrue(child.isAlive(), "the child finished before the kill (seed " + seed + "): the test would prove nothing");
            child.destroyForcibly();        // SIGKILL: no handler runs
            assertTrue(child.waitFor(20, TimeUnit.SECONDS));
        } finally {
            child.destroyForcibly();
        }
        assertEquals(137, child.exitValue(), "killed by SIGKILL");
        List<Path> left = Checkpoint.list(ckDir);
        assertFalse(left.isEmpty());
        Path last = left.get(left.size() - 1);
        long step = Checkpoint.stepOf(last);
        assertTrue(step > 0 && step < Runs.TOTAL_STEPS, "killed mid-run, last checkpoint at step " + step);
        assertTrue(step % 7 == 0, "checkpoints every 7 steps: " + last);

        Path straight = tmp.resolve("straight.safetensors"), resumed = tmp.resolve("resumed.safetensors");
        History full = Runs.straight(backend, straight);
        History cont = Runs.resumed(backend, last, resumed);
        assertArrayEquals(Files.readAllBytes(straight), Files.readAllBytes(resumed),
                backend + ": the resumed run's model.safetensors differs from the uninterrupted run's (killed after step " + step
                        + ", seed " + seed + ")");
        assertArrayEquals(full.stepLearningRates(), cont.stepLearningRates(), "per-step learning rates");
        assertArrayEquals(full.losses(), cont.losses(), "per-epoch training losses (mid-epoch accumulators carried exactly)");
        assertArrayEquals(full.valLosses(), cont.valLosses());
    }

    @Test
    void sigtermWritesACheckpointAndExits143WithTheResumeLine(@TempDir Path tmp) throws Exception {
        Path ckDir = tmp.resolve("checkpoints"), log = tmp.resolve("child.log");
        Process child = start("cpu", ckDir, tmp.resolve("child.safetensors"), log);
        try {
            waitForCheckpoint(child, ckDir, log);
            Thread.sleep(150);
            assertTrue(child.isAlive());
            child.destroy();                // SIGTERM
            assertTrue(child.waitFor(20, TimeUnit.SECONDS), "the child stops after the current step");
        } finally {
            child.destroyForcibly();
        }
        String err = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(143, child.exitValue(), err);
        Matcher m = LINE.matcher(err);
        assertTrue(m.find(), "the clear line on stderr: " + err);
        long step = Long.parseLong(m.group(1));
        Path written = Path.of(m.group(2));
        assertEquals(m.group(2), m.group(3));
        assertEquals("step-" + step, written.getFileName().toString());
        assertEquals(written, Checkpoint.list(ckDir).get(Checkpoint.list(ckDir).size() - 1), "the newest checkpoint");
        assertFalse(Files.exists(tmp.resolve("child.safetensors")), "an interrupted run writes no final model");

        Path straight = tmp.resolve("straight.safetensors"), resumed = tmp.resolve("resumed.safetensors");
        Runs.straight("cpu", straight);
        Runs.resumed("cpu", written, resumed);
        assertArrayEquals(Files.readAllBytes(straight), Files.readAllBytes(resumed), "resumed after SIGTERM at step " + step);
    }

    private static Process start(String backend, Path ckDir, Path out, Path log) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector", "-Djava.awt.headless=true",
                "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-cp", System.getProperty("java.class.path"),
                ChildRun.class.getName(), backend, ckDir.toString(), "7", Long.toString(SLEEP_MS), out.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().remove("KILN_BACKEND");
        return pb.start();
    }

    /** Waits until the child's first complete checkpoint appears; fails with the child's output if it dies first. */
    private static Path waitForCheckpoint(Process child, Path dir, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            List<Path> all = Checkpoint.list(dir);
            if (!all.isEmpty()) return all.get(0);
            if (!child.isAlive())
                fail("the child exited with " + child.exitValue() + " before its first checkpoint:\n" + Files.readString(log));
            Thread.sleep(10);
        }
        fail("no checkpoint after 60 s: " + Files.readString(log));
        return null;
    }
}
