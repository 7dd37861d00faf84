package dev.kiln.badinput;

import static org.junit.jupiter.api.Assertions.*;

import dev.kiln.backend.Backend;
import dev.kiln.backend.cpu.CpuBackendProvider;
import dev.kiln.cli.CheckpointOptions;
import dev.kiln.cli.CliException;
import dev.kiln.data.Dataset;
import dev.kiln.data.NanPolicy;
import dev.kiln.data.Synthetic;
import dev.kiln.nn.Model;
import dev.kiln.optim.Sgd;
import dev.kiln.train.DivergencePolicy;
import dev.kiln.train.History;
import dev.kiln.train.Interval;
import dev.kiln.train.NonFiniteGuard;
import dev.kiln.train.TrainConfig;
import dev.kiln.train.Trainer;
import dev.kiln.train.checkpoint.Checkpoint;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;

/**
 * The {@code kiln train} crash-safety flags as a picocli mixin: values, defaults, one-line errors naming
 * the flag, and a run that checkpoints into a run directory and resumes from it.
 */
class CheckpointOptionsTest {
    static final class Command {
        @Mixin CheckpointOptions checkpoint;
    }

    static CheckpointOptions parse(String... args) {
        Command c = new Command();
        new CommandLine(c).parseArgs(args);
        return c.checkpoint;
    }

    static String usage(Runnable r) {
        CliException e = assertThrows(CliException.class, r::run);
        assertEquals(2, e.exitCode());
        return e.getMessage();
    }

    @Test
    void valuesAndDefaults() {
        CheckpointOptions none = parse();
        assertNull(none.interval());
        assertEquals(DivergencePolicy.stop(), none.divergence());
        assertEquals(NanPolicy.REJECT, none.nanPolicy());
        assertFalse(none.resuming());
        assertTrue(none.validate().isEmpty());
        CheckpointOptions o = parse("--checkpoint-every", "2ep", "--keep", "5", "--on-divergence", "rollback:0.2", "--nan-policy", "drop");
        assertEquals(Interval.epochs(2), o.interval());
        assertEquals(new DivergencePolicy(NonFiniteGuard.ROLLBACK, 0.2, 5), o.divergence());
        assertEquals(NanPolicy.DROP, o.nanPolicy());
        TrainConfig c = o.configure(TrainConfig.builder().build());
        assertEquals(NonFiniteGuard.ROLLBACK, c.guard());
        assertEquals(0.2, c.rollbackFactor());
    }

    @Test
    void badValuesNameTheFlag(@TempDir Path tmp) {
        assertEquals("--checkpoint-every: interval 'often': expected a whole number of steps (e.g. 500) or of epochs (e.g. 2ep)",
                usage(() -> parse("--checkpoint-every", "often").validate()));
        assertEquals("--on-divergence: divergence policy 'panic': unknown policy 'panic' (expected stop, skip, rollback or rollback:FACTOR)",
                usage(() -> parse("--on-divergence", "panic").validate()));
        assertEquals("--nan-policy: NaN policy 'zero': expected reject or drop", usage(() -> parse("--nan-policy", "zero").validate()));
        assertEquals("--keep: must be >= 1, got 0", usage(() -> parse("--keep", "0").validate()));
        assertEquals("--replan: only with --resume", usage(() -> parse("--replan").validate()));
        assertEquals("--resume: " + tmp.resolve("nope") + ": no such checkpoint directory",
                usage(() -> parse("--resume", tmp.resolve("nope").toString()).validate()));
    }

    @Test
    void checkpointsIntoTheRunDirectoryAndResumesFromIt(@TempDir Path tmp) {
        Model model = Model.parse("9:relu,3:softmax", 3);
        Dataset.Split d = Synthetic.seedExperiment(2);
        TrainConfig.Builder base = TrainConfig.builder().epochs(3).batchSize(100).seed(4).optimizer(Sgd.plain(0.05));
        Path run = tmp.resolve("run");
        float[] straight;
        try (Backend b = new CpuBackendProvider().create(-1); Trainer t = new Trainer(b, model, base.build())) {
            t.fit(d.train());
            straight = t.parameters();
        }
        // a first run that is stopped after 2 epochs (20 steps), with checkpoints every 7 steps
        CheckpointOptions first = parse("--checkpoint-every", "7");
        try (Backend b = new CpuBackendProvider().create(-1); Trainer t = new Trainer(b, model, first.configure(base.epochs(2).build()))) {
            first.attach(t, run, Map.of("epochs", 2));
            first.fit(t, d.train(), null);
            StringWriter err = new StringWriter();
            assertTrue(first.interrupted(t, new PrintWriter(err)).isEmpty());
            assertEquals("", err.toString());
        }
        assertEquals(run.resolve("checkpoints/step-20"), Checkpoint.locate(run));
        assertTrue(Files.isRegularFile(run.resolve("checkpoints/step-20/config.json")));

        // resumed for 3 epochs: refused without --replan, accepted with it
        CheckpointOptions refused = parse("--resume", run.toString());
        assertEquals(run.resolve("checkpoints/step-20/config.json"), refused.validate().orElseThrow());
        try (Backend b = new CpuBackendProvider().create(-1); Trainer t = new Trainer(b, model, base.epochs(3).build())) {
            String m = usage(() -> refused.attach(t, run, null));
            assertTrue(m.startsWith("--resume: " + run.resolve("checkpoints/step-20") + ": the checkpoint at step 20 belongs to a run"
                    + " of 2 epochs, but this run has 3 epochs: pass --replan"), m);
        }
        CheckpointOptions resume = parse("--resume", run.toString(), "--replan");
        try (Backend b = new CpuBackendProvider().create(-1); Trainer t = new Trainer(b, model, base.epochs(3).build())) {
            resume.attach(t, tmp.resolve("elsewhere"), null);
            assertEquals(tmp.resolve("elsewhere/checkpoints"), resume.checkpointDirectory(),
                    "continued into another run directory, the run checkpoints there, not into the first run's checkpoints/");
            History h = resume.fit(t, d.train(), null);
            assertEquals(3, h.epochs().size());
            // a constant schedule does not depend on the run length: the re-planned run equals the straight one
            assertArrayEquals(straight, t.parameters());
        }
        assertEquals(tmp.resolve("elsewhere/checkpoints/step-30"), Checkpoint.locate(tmp.resolve("elsewhere")),
                "the interval carried over from the checkpoint");
        assertEquals(run.resolve("checkpoints/step-20"), Checkpoint.locate(run), "the first run's checkpoints as they were");
    }
}
