package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** {@code kiln devices} lists every backend; {@code kiln bench} measures a (shortened) workload. */
class DevicesAndBenchTest {
    @Test
    void devicesListsCpuAvailableAndCudaWithItsStatus() {
        JsonNode j = Cli.run("devices", "--json").ok().json();
        JsonNode cpu = null, cuda = null;
        for (JsonNode b : j.get("backends")) {
            if (b.get("name").asText().equals("cpu")) cpu = b;
            if (b.get("name").asText().equals("cuda")) cuda = b;
        }
        assertNotNull(cpu, "cpu is listed");
        assertNotNull(cuda, "cuda is listed, available or not");
        assertTrue(cpu.get("available").asBoolean());
        assertTrue(cpu.get("devices").size() >= 1);
        assertTrue(cpu.get("devices").get(0).asText().contains("thread"), cpu.toString());
        if (cuda.get("available").asBoolean()) assertTrue(cuda.get("devices").size() >= 1, cuda.toString());
        else assertFalse(cuda.get("cause").asText().isBlank(), "an unavailable backend says why: " + cuda);
        // best first: ranks decrease
        int last = Integer.MAX_VALUE;
        for (JsonNode b : j.get("backends")) {
            assertTrue(b.get("rank").asInt() < last);
            last = b.get("rank").asInt();
        }
        String text = Cli.run("devices").ok().out();
        assertTrue(text.lines().anyMatch(l -> l.matches("cpu\\s+available")), text);
        assertTrue(text.lines().anyMatch(l -> l.startsWith("cuda ")), text);
    }

    @Test
    void benchReportsSpeedAndMemory() {
        JsonNode j = Cli.run("bench", "--workload", "seed", "--backend", "cpu", "--warmup", "0", "--epochs", "1", "--rows", "200", "--json")
                .ok().json();
        assertEquals(1, j.size());
        JsonNode r = j.get(0);
        assertEquals("seed", r.get("workload").asText());
        assertEquals("cpu", r.get("backend").asText());
        assertEquals(4, r.get("timedSteps").asLong(), "200 rows / batch 50");
        double sps = r.get("samplesPerSecond").asDouble(), ms = r.get("msPerStep").asDouble();
        assertTrue(sps > 0 && ms > 0);
        // the three are one measurement: samples/s = rows / seconds, ms/step = 1000 seconds / steps, GFLOP/s = 6 P samples/s / 1e9
        assertEquals(200 / r.get("seconds").asDouble(), sps, 1e-9 * sps);
        assertEquals(1000 * r.get("seconds").asDouble() / 4, ms, 1e-9 * ms);
        assertEquals(6.0 * r.get("parameters").asLong() * sps / 1e9, r.get("gflops").asDouble(), 1e-9 * r.get("gflops").asDouble());
        assertTrue(r.get("peakHeapBytes").asLong() > 0);
    }
}
