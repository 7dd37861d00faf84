package dev.kiln.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * Runs the CUDA kernels themselves (kernels/cuda/kiln.cu, the source of the fatbin) on the host through
 * kernels/cuda/host/emulate.h, with the backend's launch geometry, against double-precision references:
 * SGEMM in all four transpositions with tails, offsets and leading dimensions, the two-pass reductions,
 * losses, accuracy, the dense-layer ops, gather, one-hot gather, dropout and an update kernel (kernels/cuda/host/check.cpp).
 * Skipped where g++ is missing.
 */
class CudaKernelEmulationTest {
    @Test
    void kernelsComputeTheReferenceResultsUnderHostEmulation() throws Exception {
        Optional<Path> gxx = Tools.onPath("g++");
        assumeTrue(gxx.isPresent(), "g++ not on PATH: the CUDA kernels cannot be emulated on this machine");
        Path dir = Files.createTempDirectory("kiln-emulate");
        try {
            Path exe = dir.resolve("check");
            Tools.Result build = Tools.run(List.of(gxx.get().toString(), "-std=c++20", "-O0", "-Wno-unknown-pragmas",
                    "-o", exe.toString(), "kernels/cuda/host/check.cpp"), 300);
            assertEquals(0, build.status(), "g++ could not build the emulation:\n" + build.output());
            Tools.Result run = Tools.run(List.of(exe.toString()), 300);
            Matcher m = Pattern.compile("(\\d+) passed, (\\d+) failed").matcher(run.output());
            assertTrue(m.find(), "no summary line in:\n" + run.output());
            StringBuilder failures = new StringBuilder();
            run.output().lines().filter(l -> l.startsWith("FAIL")).forEach(l -> failures.append(l).append('\n'));
            assertEquals(0, run.status(), "emulated kernels disagree with the references:\n" + failures);
            assertEquals("0", m.group(2));
            assertTrue(Integer.parseInt(m.group(1)) >= 100, "the emulation ran " + m.group(1) + " cases");
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
