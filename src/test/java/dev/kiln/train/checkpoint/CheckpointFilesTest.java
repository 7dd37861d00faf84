package dev.kiln.train.checkpoint;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.backend.Backend;
import dev.kiln.backend.cpu.CpuBackendProvider;
import dev.kiln.data.Dataset;
import dev.kiln.nn.Safetensors;
import dev.kiln.train.History;
import dev.kiln.train.Interval;
import dev.kiln.train.Trainer;
import dev.kiln.train.TrainingSnapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The files of a checkpoint: what they hold (names, shapes, values, every key of state.json), how many are
 * kept, and that a write that fails halfway leaves the previous checkpoint loadable and no partial step
 * directory visible.
 */
class CheckpointFilesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Trains the first {@code steps} steps with checkpoints every 7 steps into {@code dir}; returns the trainer's last snapshot. */
    private static TrainingSnapshot train(Path dir, int keep, long stopAfter, CheckpointWriter.FileHook hook) {
        return train(dir, keep, stopAfter, hook, true);
    }

    private static TrainingSnapshot train(Path dir, int keep, long stopAfter, CheckpointWriter.FileHook hook, boolean validate) {
        Dataset.Split d = Runs.data();
        try (Backend b = new CpuBackendProvider().create(-1);
             Trainer t = new Trainer(b, Runs.MODEL, Runs.config().callback(stopAt(stopAfter)).build())) {
            CheckpointWriter w = new CheckpointWriter(dir, keep, Map.of("layers", "16:relu,dropout:0.2,8:tanh,3:softmax", "epochs", 4))
                    .every(Interval.steps(7)).onFileWritten(hook);
            t.checkpointing(Interval.steps(7), w);
            t.fit(d.train(), validate ? d.test() : null);
            return t.snapshot();
        }
    }

    private static dev.kiln.train.Callback stopAt(long step) {
        return new dev.kiln.train.Callback() {
            @Override public void onStep(long s, double lr, dev.kiln.train.TrainingContext ctx) {
                if (s + 1 == step) ctx.stop("test stop");
            }
        };
    }

    @Test
    void aCheckpointHoldsTheModelTheNamedOptimizerStateAndEveryStateKey(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("ck");
        TrainingSnapshot s = train(dir, 3, 30, null);
        // every 7 steps: 7, 14, 21, 28; and the final one at 30 (the run ended there); the newest 3 are kept
        assertEquals(List.of("step-21", "step-28", "step-30"), names(Checkpoint.list(dir)));
        Path last = dir.resolve("step-30");
        try (Stream<Path> files = Files.list(last)) {
            assertEquals(List.of("config.json", "model.safetensors", "optimizer.safetensors", "state.json"),
                    files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().startsWith(".")), "no temporary directories left");
        }

        // model.safetensors: the parameters in PyTorch's nn.Linear layout
        Safetensors.Contents model = Safetensors.read(last.resolve("model.safetensors"));
        assertEquals(List.of("layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias", "layers.2.weight", "layers.2.bias"),
                List.copyOf(model.tensors().keySet()));
        assertArrayEquals(new int[] {16, 3}, model.tensors().get("layers.0.weight").shape());
        assertArrayEquals(Arrays.copyOfRange(s.parameters(), 0, 48), model.tensors().get("layers.0.weight").data());

        // optimizer.safetensors: NAdam's exp_avg and exp_avg_sq per parameter tensor
        Safetensors.Contents opt = Safetensors.read(last.resolve("optimizer.safetensors"));
        assertEquals(12, opt.tensors().size());
        assertArrayEquals(new int[] {8, 16}, opt.tensors().get("layers.1.weight.exp_avg_sq").shape());
        int w1 = Runs.MODEL.layout().weightOffset(1);
        assertArrayEquals(Arrays.copyOfRange(s.optimizerState()[1], w1, w1 + 128), opt.tensors().get("layers.1.weight.exp_avg_sq").data());
        assertArrayEquals(Arrays.copyOfRange(s.optimizerState()[0], 0, 48), opt.tensors().get("layers.0.weight.exp_avg").data());
        assertTrue(s.optimizerState()[1][0] > 0, "the second moment is not trivially zero");

        JsonNode st = JSON.readTree(last.resolve("state.json").toFile());
        assertEquals(List.of("format", "version", "kiln_version", "created", "step", "epoch", "step_in_epoch", "model", "data",
                "settings", "plan", "cursor", "rng", "accumulators", "schedule", "optimizer", "divergence", "history",
                "checkpoint", "config"), fieldNames(st));
        assertEquals(30, st.get("step").asLong());
        assertEquals(1, st.get("epoch").asInt());
        assertEquals(10, st.get("step_in_epoch").asInt());
        assertEquals(500, st.at("/cursor/next_row").asInt());
        assertEquals(Fingerprint.sha256("input=3;layers=16:relu,dropout:0.2,8:tanh,3:softmax;loss=softmax_cross_entropy"),
                st.at("/model/sha256").asText());
        assertEquals(Fingerprint.sha256("rows=1000;cols=3;target_cols=3;classes=3"), st.at("/data/sha256").asText());
        assertEquals("nadam:lr=0.02", st.at("/settings/optimizer").asText());
        assertEquals(s.settings().schedule(), st.at("/schedule/spec").asText());
        assertEquals("nadam", st.at("/optimizer/rule").asText());
        assertEquals("[\"exp_avg\",\"exp_avg_sq\"]", st.at("/optimizer/state_tensors").toString());
        // the NAdam product of 30 steps with beta1 from the one-cycle momentum, as the trainer tracked it
        double mu = 1;
        dev.kiln.schedule.BoundSchedule sched = dev.kiln.schedule.ScheduleSpec.parse("onecycle:max=1").bind(s.plan());
        for (long t = 1; t <= 30; t++)
            mu *= sched.momentum(t - 1).getAsDouble() * (1.0 - 0.5 * Math.pow(0.96, t * 0.004));
        assertEquals(mu, st.at("/optimizer/host/mu_product").asDouble(), 0.0);
        assertEquals(s.state().dropoutCounter(), st.at("/rng/dropout_counter").asLong());
        assertTrue(s.state().dropoutCounter() > 0);
        assertEquals(s.state().lossSum(), (float) st.at("/accumulators/loss_sum").asDouble(), 0f);
        assertEquals(500f, (float) st.at("/accumulators/rows").asDouble());
        assertEquals(30, st.at("/history/lr").size());
        assertEquals(s.history().lr(29), st.at("/history/lr/29").asDouble(), 0.0);
        assertEquals(1, st.at("/history/epochs").size());
        assertEquals("7", st.at("/checkpoint/every").asText());
        assertEquals(4, st.at("/config/epochs").asInt());
        assertEquals(4, JSON.readTree(last.resolve("config.json").toFile()).get("epochs").asInt());

        // and it reads back whole
        Checkpoint c = Checkpoint.load(dir);
        assertEquals(last, c.directory());
        assertArrayEquals(s.parameters(), c.snapshot().parameters());
        for (int i = 0; i < 2; i++) assertArrayEquals(s.optimizerState()[i], c.snapshot().optimizerState()[i]);
        assertEquals(s.state(), c.snapshot().state());
        assertEquals(s.settings(), c.snapshot().settings());
        assertEquals(s.optimizerHost(), c.snapshot().optimizerHost());
        assertArrayEquals(s.history().stepLearningRates(), c.snapshot().history().stepLearningRates());
        assertEquals(s.history().epochs(), c.snapshot().history().epochs());
        assertEquals(Interval.steps(7), c.state().every());
        assertEquals(c.directory(), Checkpoint.locate(tmp.resolve("ck")));
    }

    @Test
    void aRunDirectoryOrAStepDirectoryLocatesTheNewestCompleteCheckpoint(@TempDir Path tmp) throws IOException {
        Path run = tmp.resolve("run");
        train(run.resolve("checkpoints"), 2, 15, null);
        assertEquals(run.resolve("checkpoints/step-15"), Checkpoint.locate(run));
        assertEquals(run.resolve("checkpoints/step-14"), Checkpoint.locate(run.resolve("checkpoints/step-14")));
        // a step directory without state.json (hand-made, or a foreign tool's) is not a checkpoint
        Files.createDirectories(run.resolve("checkpoints/step-99"));
        assertEquals(run.resolve("checkpoints/step-15"), Checkpoint.locate(run));
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.locate(tmp.resolve("nothing")));
        assertEquals(tmp.resolve("nothing") + ": no such checkpoint directory", e.getMessage());
        Files.createDirectories(tmp.resolve("empty"));
        e = assertThrows(CheckpointException.class, () -> Checkpoint.load(tmp.resolve("empty")));
        assertTrue(e.getMessage().startsWith(tmp.resolve("empty") + ": no checkpoint here"), e.getMessage());
    }

    @Test
    void aWriteThatFailsHalfwayLeavesThePreviousCheckpointAndNoPartialDirectory(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("ck");
        List<String> written = new ArrayList<>();
        // the checkpoint at step 14 fails after its second file (a disk that fills up)
        CheckpointWriter.FileHook failing = name -> {
            written.add(name);
            if (written.size() == 6) throw new IOException("No space left on device");
        };
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> train(dir, 3, 30, failing));
        assertTrue(e.getMessage().contains("at step 14 (epoch 0): cannot write checkpoint " + dir.toAbsolutePath().resolve("step-14")
                + ": No space left on device; the previous checkpoint " + dir.toAbsolutePath().resolve("step-7") + " is intact"),
                e.getMessage());
        assertEquals(List.of("model.safetensors", "optimizer.safetensors", "config.json", "state.json", "model.safetensors",
                "optimizer.safetensors"), written);
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of("step-7"), files.map(p -> p.getFileName().toString()).sorted().toList(),
                    "only the previous checkpoint, no step-14 and no temporary directory");
        }
        Checkpoint c = Checkpoint.load(dir);
        assertEquals(7, c.snapshot().step());

        // a crash (no cleanup at all) leaves a hidden directory: readers ignore it, the next write removes it
        Path stale = dir.resolve(".step-14.tmp-" + deadPid() + "-abc");
        Files.createDirectories(stale);
        Files.writeString(stale.resolve("model.safetensors"), "half");
        assertEquals(dir.resolve("step-7"), Checkpoint.locate(dir));
        train(tmp.resolve("other"), 3, 8, null);
        TrainingSnapshot again = Checkpoint.load(dir).snapshot();
        new CheckpointWriter(dir, 3, null).write(again);     // rewriting step-7 replaces it and sweeps the stale directory
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of("step-7"), files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertArrayEquals(c.snapshot().parameters(), Checkpoint.load(dir).snapshot().parameters());
    }

    /** A process id that is not running (the stale directory's writer is gone). */
    private static long deadPid() {
        long pid = 4_000_000;
        while (ProcessHandle.of(pid).isPresent()) pid++;
        return pid;
    }

    private static List<String> names(List<Path> paths) {
        return paths.stream().map(p -> p.getFileName().toString()).toList();
    }

    private static List<String> fieldNames(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }

    @Test
    void nonFiniteHistoryValuesSurviveTheRoundTrip(@TempDir Path tmp) {
        TrainingSnapshot s = train(tmp.resolve("a"), 1, 21, null, false);      // no validation data: val_loss is NaN
        History back = Checkpoint.load(tmp.resolve("a")).snapshot().history();
        assertTrue(Double.isNaN(s.history().epochs().get(0).valLoss()));
        assertTrue(Double.isNaN(back.epochs().get(0).valLoss()), "NaN comes back as NaN");
        assertEquals(s.history().epochs().get(0).loss(), back.epochs().get(0).loss(), 0.0);
        assertEquals(s.history().epochs(), back.epochs());
    }
}
