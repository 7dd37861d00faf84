package dev.kiln.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The self test's entry point, as ci/gpu-check calls it; without a GPU it must say why and exit 2. */
class CudaSelfTestMainTest {

    private static String[] run(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int status = CudaSelfTest.run(args, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return new String[] {Integer.toString(status), bytes.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void reportsTheProbesCauseOrRunsEveryOp() {
        String[] r = run();
        List<String> lines = r[1].lines().toList();
        String last = lines.get(lines.size() - 1);
        assertTrue(last.matches("\\d+ passed, \\d+ failed"), "summary line: " + last);
        CudaBackendProvider p = new CudaBackendProvider();
        if (!p.isAvailable()) {
            assertEquals("2", r[0], r[1]);
            assertTrue(lines.contains("cuda unavailable: " + p.unavailabilityCause()), r[1]);
            assertEquals("0 passed, 0 failed", last);
        } else {
            assertEquals("0", r[0], r[1]);
            assertTrue(last.endsWith(" 0 failed"), r[1]);
            assertTrue(r[1].contains("PASS gemm"), r[1]);
        }
    }

    @Test
    void badArgumentsExitWithThreeAndSayWhich() {
        String[] r = run("--gemm", "magma");
        assertEquals("3", r[0]);
        assertEquals("kiln cuda selftest: kiln.cuda.gemm: 'magma' is not one of auto, cublas, kiln", r[1].trim());
        r = run("--frobnicate");
        assertEquals("3", r[0]);
        assertEquals("kiln cuda selftest: unknown argument '--frobnicate'", r[1].trim());
        r = run("--device");
        assertEquals("kiln cuda selftest: --device needs a value", r[1].trim());
    }
}
