package dev.kiln.train.checkpoint;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.backend.Backend;
import dev.kiln.backend.cpu.CpuBackendProvider;
import dev.kiln.data.Dataset;
import dev.kiln.train.Callback;
import dev.kiln.train.Trainer;
import dev.kiln.train.TrainingContext;
import dev.kiln.train.TrainingSnapshot;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * {@code state.json} read from arbitrary input gives either the state or a {@link CheckpointException} that
 * names the file, never another exception: bytes at random, and valid files with one value changed, one key
 * removed, or cut short.
 */
class StateFileFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static byte[] valid;

    /** A real state.json: a few steps of the kill-and-resume run, stopped mid-epoch. */
    static synchronized byte[] valid() {
        if (valid == null) {
            Dataset.Split d = Runs.data();
            try (Backend b = new CpuBackendProvider().create(-1);
                 Trainer t = new Trainer(b, Runs.MODEL, Runs.config().callback(new Callback() {
                     @Override public void onStep(long step, double lr, TrainingContext ctx) {
                         if (step == 22) ctx.stop("fuzz");
                     }
                 }).build())) {
                t.fit(d.train(), d.test());
                TrainingSnapshot s = t.snapshot();
                valid = StateFile.encode(s, Map.of("epochs", 4, "layers", Runs.MODEL.spec()), dev.kiln.train.Interval.parse("7"), 3,
                        Instant.parse("2026-11-28T10:15:00Z"));
            }
        }
        return valid;
    }

    private static void decodes(byte[] bytes) {
        try {
            StateFile.Contents c = StateFile.decode("state.json", bytes);
            assertNotNull(c.model());
        } catch (CheckpointException e) {
            assertNotNull(e.getMessage());
            assertTrue(e.getMessage().startsWith("state.json: "), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        }
    }

    @Property(tries = 100)
    void randomBytes(@ForAll byte[] bytes) {
        decodes(bytes);
    }

    @Property(tries = 300)
    void validFilesWithOneValueChanged(@ForAll("mutations") byte[] bytes) {
        decodes(bytes);
    }

    @Property(tries = 100)
    void validFilesCutShort(@ForAll @IntRange(min = 0, max = 100_000) int at) {
        byte[] v = valid();
        decodes(java.util.Arrays.copyOf(v, Math.min(at % (v.length + 1), v.length)));
    }

    @Provide
    Arbitrary<byte[]> mutations() {
        return Arbitraries.longs().map(seed -> {
            try {
                JsonNode root = JSON.readTree(valid());
                Random r = new Random(seed);
                List<JsonNode[]> slots = new ArrayList<>();      // {parent, key or index as text}
                collect(root, slots);
                JsonNode[] slot = slots.get(r.nextInt(slots.size()));
                JsonNode parent = slot[0];
                String key = slot[1].asText();
                JsonNode junk = junk(r);
                if (parent instanceof ObjectNode o) {
                    if (r.nextInt(4) == 0) o.remove(key);
                    else o.set(key, junk);
                } else if (parent instanceof ArrayNode a) {
                    int i = Integer.parseInt(key);
                    if (r.nextInt(4) == 0) a.remove(i);
                    else a.set(i, junk);
                }
                return JSON.writeValueAsBytes(root);
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
        });
    }

    private static void collect(JsonNode n, List<JsonNode[]> slots) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (n.isObject()) {
            n.fieldNames().forEachRemaining(k -> {
                slots.add(new JsonNode[] {n, f.textNode(k)});
                collect(n.get(k), slots);
            });
        } else if (n.isArray()) {
            for (int i = 0; i < n.size(); i++) {
                slots.add(new JsonNode[] {n, f.textNode(Integer.toString(i))});
                collect(n.get(i), slots);
            }
        }
    }

    private static JsonNode junk(Random r) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        return switch (r.nextInt(12)) {
            case 0 -> f.nullNode();
            case 1 -> f.numberNode(-1);
            case 2 -> f.numberNode(Long.MAX_VALUE);
            case 3 -> f.numberNode(1e300);
            case 4 -> f.numberNode(0.5);
            case 5 -> f.textNode("NaN");
            case 6 -> f.textNode("16:relu,nope:3");
            case 7 -> f.booleanNode(true);
            case 8 -> f.arrayNode().add(1).add("x");
            case 9 -> f.objectNode().put("a", 1);
            case 10 -> f.numberNode(new java.math.BigInteger("123456789012345678901234567890"));
            default -> f.numberNode(r.nextInt(100));
        };
    }

    @Property(tries = 1)
    void theValidFileDecodes() {
        StateFile.Contents c = StateFile.decode("state.json", valid());
        assertEquals(23, c.state().step());
        assertEquals(1, c.state().epoch());
        assertEquals(3, c.state().stepInEpoch());
        String text = new String(valid(), StandardCharsets.UTF_8);
        assertTrue(text.contains("\"mu_product\""), text);
    }
}
