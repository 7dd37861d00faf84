package dev.kiln.badinput;

import static org.junit.jupiter.api.Assertions.*;

import dev.kiln.backend.Backend;
import dev.kiln.backend.cpu.CpuBackendProvider;
import dev.kiln.data.Synthetic;
import dev.kiln.nn.Model;
import dev.kiln.nn.Safetensors;
import dev.kiln.optim.Adam;
import dev.kiln.train.Interval;
import dev.kiln.train.TrainConfig;
import dev.kiln.train.Trainer;
import dev.kiln.train.checkpoint.Checkpoint;
import dev.kiln.train.checkpoint.CheckpointException;
import dev.kiln.train.checkpoint.CheckpointWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A damaged checkpoint is refused with a message naming the file and what is wrong with it. */
class BadCheckpointTest {
    static final Model MODEL = Model.parse("5:relu,3:softmax", 3);
    @TempDir Path tmp;
    Path step;

    @BeforeEach
    void write() {
        try (Backend b = new CpuBackendProvider().create(-1);
             Trainer t = new Trainer(b, MODEL, TrainConfig.builder().epochs(1).batchSize(100).optimizer(Adam.of(1e-3)).build())) {
            t.checkpointing(Interval.steps(5), new CheckpointWriter(tmp, 3, null));
            t.fit(Synthetic.seedExperiment(1).train());
        }
        step = tmp.resolve("step-10");
        assertEquals(step, Checkpoint.locate(tmp));
    }

    static String refused(Path p) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.load(p));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void aForeignStateFile() throws IOException {
        Files.write(step.resolve("state.json"), BadDataFilesTest.PNG);
        assertTrue(refused(step).startsWith(step.resolve("state.json") + ": not a Kiln checkpoint state: bad JSON"), refused(step));
        Files.writeString(step.resolve("state.json"), "{\"format\": \"something-else\"}");
        assertEquals(step.resolve("state.json") + ": not a Kiln checkpoint state: format is 'something-else', expected 'kiln-checkpoint'",
                refused(step));
    }

    @Test
    void anEditedStateFile() throws IOException {
        Path s = step.resolve("state.json");
        String text = Files.readString(s);
        Files.writeString(s, text.replaceFirst("\"rows\" : 1000", "\"rows\" : \"many\""));
        assertEquals(s + ": 'data.rows' must be a whole number in [1, 2147483647], got \"many\"", refused(step));
        Files.writeString(s, text.replaceFirst("\"layers\" : \"5:relu,3:softmax\"", "\"layers\" : \"6:relu,3:softmax\""));
        assertTrue(refused(step).startsWith(s + ": model.sha256 does not match the model input=3;layers=6:relu,3:softmax"), refused(step));
        Files.writeString(s, text.replaceFirst("\"step\" : 10", "\"step\" : 11"));
        assertEquals(s + ": step 11 does not match epoch 1 and step_in_epoch 0 at 10 steps per epoch", refused(step));
    }

    @Test
    void aMissingOrTruncatedTensorFile() throws IOException {
        Files.delete(step.resolve("optimizer.safetensors"));
        assertEquals(step.resolve("optimizer.safetensors") + ": missing (an incomplete checkpoint directory)", refused(step));
        Path model = step.resolve("model.safetensors");
        byte[] b = Files.readAllBytes(model);
        Files.write(model, Arrays.copyOf(b, b.length - 8));
        assertTrue(refused(step).startsWith(model + ": truncated: tensor layers.1.bias ends at byte"), refused(step));
    }

    @Test
    void optimizerTensorsOfTheWrongNameOrShape() {
        Path f = step.resolve("optimizer.safetensors");
        Map<String, Safetensors.Tensor> t = new LinkedHashMap<>(Safetensors.read(f).tensors());
        assertEquals(12, t.size(), "adam: exp_avg, exp_avg_sq, max_exp_avg_sq for 4 tensors");
        t.remove("layers.1.bias.exp_avg_sq");
        Safetensors.write(f, new ArrayList<>(t.values()), Map.of());
        assertEquals(f + ": missing tensor layers.1.bias.exp_avg_sq (adam keeps exp_avg, exp_avg_sq, max_exp_avg_sq for every parameter)",
                refused(step));
        t.put("layers.1.bias.exp_avg_sq", new Safetensors.Tensor("layers.1.bias.exp_avg_sq", new int[] {4}, new float[4]));
        Safetensors.write(f, new ArrayList<>(t.values()), Map.of());
        assertEquals(f + ": tensor layers.1.bias.exp_avg_sq has shape [4], but the parameter has [3]", refused(step));
        List<Safetensors.Tensor> extra = new ArrayList<>(Safetensors.read(f).tensors().values());
        extra.removeIf(x -> x.name().equals("layers.1.bias.exp_avg_sq"));
        extra.add(new Safetensors.Tensor("layers.1.bias.exp_avg_sq", new int[] {3}, new float[3]));
        extra.add(new Safetensors.Tensor("layers.9.weight.exp_avg", new int[] {1}, new float[1]));
        Safetensors.write(f, extra, Map.of());
        assertEquals(f + ": unexpected tensor layers.9.weight.exp_avg", refused(step));
    }
}
