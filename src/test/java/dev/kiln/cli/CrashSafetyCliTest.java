package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.train.checkpoint.Checkpoint;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kiln train}'s crash safety end to end, in-process through {@link Main} (and once in a child JVM that is
 * sent SIGTERM): checkpoints under the run directory, resume that ends byte-identical to a run never stopped,
 * refusals of checkpoints that do not fit, the divergence policy's record, and the NaN policy of CSV data.
 */
class CrashSafetyCliTest {
    /** The seed experiment's data, a small network: 1000 rows in batches of 100 = 10 steps per epoch. */
    private static final List<String> RUN = List.of("--data", "synthetic", "--layers", "9:relu,3:softmax",
            "--optimizer", "sgd:lr=0.05,momentum=0.9", "--batch-size", "100", "--seed", "4", "--backend", "cpu", "--quiet");
    private static final Pattern INTERRUPTED = Pattern.compile(
            "kiln: interrupted at step (\\d+); checkpoint written to (\\S+); resume with: kiln train --resume (\\S+)");

    private static Cli.Result train(List<String> common, String... more) {
        List<String> args = new ArrayList<>(List.of("train"));
        args.addAll(common);
        args.addAll(List.of(more));
        return Cli.run(args.toArray(String[]::new));
    }

    private static List<String> names(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void checkpointsGoUnderTheRunDirectoryAndTheNewestKAreKept(@TempDir Path tmp) throws IOException {
        Path run = tmp.resolve("run");
        train(RUN, "--epochs", "3", "--checkpoint-every", "5", "--keep", "2", "--out", run.toString()).ok();
        // 30 steps, a checkpoint after every 5th: steps 5..30, of which the newest two stay
        assertEquals(List.of("step-25", "step-30"), names(run.resolve("checkpoints")));
        for (String f : List.of("config.json", "metrics.csv", "lr.csv", "events.csv", "model.safetensors", "provenance.json"))
            assertTrue(Files.isRegularFile(run.resolve(f)), f);
        assertEquals(List.of("run"), names(tmp), "no hidden work directory is left beside the run");
        // the last checkpoint holds the final weights, and the run's resolved settings
        Checkpoint last = Checkpoint.load(run.resolve("checkpoints"));
        assertEquals(30, last.snapshot().step());
        assertArrayEquals(Files.readAllBytes(run.resolve("config.json")), Files.readAllBytes(last.configFile().orElseThrow()),
                "the checkpoint's config.json is the run's");
        assertArrayEquals(ModelFiles.load(run.resolve("model.safetensors")).parameters(), last.snapshot().parameters(), 0f);
    }

    @Test
    void aResumedRunFinishesByteIdenticalToOneNeverStopped(@TempDir Path tmp) throws IOException {
        Path straight = tmp.resolve("straight"), first = tmp.resolve("first"), cont = tmp.resolve("cont");
        train(RUN, "--epochs", "4", "--out", straight.toString()).ok();
        // "stopped" after 2 of 4 epochs: a 2-epoch run with a checkpoint every epoch, continued for 4 epochs
        train(RUN, "--epochs", "2", "--checkpoint-every", "1ep", "--out", first.toString()).ok();
        Path step20 = first.resolve("checkpoints/step-20");
        assertTrue(Files.isDirectory(step20));

        // without --replan a different run length is refused, naming both lengths and the way out
        Cli.Result refused = Cli.run("train", "--resume", step20.toString(), "--epochs", "4", "--out", cont.toString(), "-q").failsWith(2);
        assertTrue(refused.err().contains("2 epochs") && refused.err().contains("4 epochs") && refused.err().contains("--replan"), refused.err());
        // a finished run is not overwritten: the continued run needs its own --out
        Cli.Result taken = Cli.run("train", "--resume", first.toString(), "--epochs", "4", "--replan", "-q").failsWith(2);
        assertTrue(taken.err().startsWith("kiln: --resume: ") && taken.err().contains("--out"), taken.err());
        assertFalse(Files.exists(cont));

        Cli.run("train", "--resume", step20.toString(), "--epochs", "4", "--replan", "--out", cont.toString(), "-q").ok();
        assertArrayEquals(Files.readAllBytes(straight.resolve("model.safetensors")), Files.readAllBytes(cont.resolve("model.safetensors")),
                "model.safetensors of the resumed run");
        assertEquals(Files.readString(straight.resolve("lr.csv")), Files.readString(cont.resolve("lr.csv")));
        assertEquals(withoutSeconds(straight.resolve("metrics.csv")), withoutSeconds(cont.resolve("metrics.csv")),
                "every epoch's losses, the two before the resume included");
        assertEquals(Cli.json(straight.resolve("config.json")), Cli.json(cont.resolve("config.json")),
                "the resumed run's settings came from the checkpoint");
    }

    @Test
    void sigtermThroughTheRealCliCheckpointsExits143AndTheResumeIsByteIdentical(@TempDir Path tmp) throws Exception {
        // batches of 1: 4000 steps, a durable checkpoint after each, so the child is still training when it is stopped
        List<String> run = List.of("--data", "synthetic", "--layers", "9:relu,3:softmax", "--optimizer", "sgd:lr=0.01",
                "--schedule", "cosine", "--batch-size", "1", "--epochs", "4", "--seed", "2", "--backend", "cpu", "--quiet");
        Path dir = tmp.resolve("run"), log = tmp.resolve("child.log");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-Djava.awt.headless=true", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "train"));
        cmd.addAll(run);
        cmd.addAll(List.of("--checkpoint-every", "1", "--keep", "2", "--out", dir.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().remove("KILN_BACKEND");
        Process child = pb.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (Checkpoint.list(dir.resolve("checkpoints")).isEmpty()) {
                if (!child.isAlive()) fail("the child exited with " + child.exitValue() + " before its first checkpoint:\n" + Files.readString(log));
                if (System.nanoTime() > deadline) fail("no checkpoint after 60 s:\n" + Files.readString(log));
                Thread.sleep(5);
            }
            assertTrue(child.isAlive(), "the child finished before it was stopped: the test would prove nothing");
            child.destroy();   // SIGTERM
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the child stops after the current step");
        } finally {
            child.destroyForcibly();
        }
        String err = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(143, child.exitValue(), err);
        Matcher m = INTERRUPTED.matcher(err);
        assertTrue(m.find(), "the one line on stderr: " + err);
        Path written = Path.of(m.group(2));
        assertEquals(written, Path.of(m.group(3)));
        long step = Long.parseLong(m.group(1));
        assertTrue(step > 0 && step < 4000, "stopped mid-run at step " + step);
        assertEquals(dir.resolve("checkpoints/step-" + step).toAbsolutePath(), written.toAbsolutePath());
        assertEquals(List.of("checkpoints"), names(dir), "the interrupted run is not committed: only its checkpoints are there");
        assertEquals(List.of("child.log", "run"), names(tmp), "no hidden work directory is left");

        // resume by the run directory: it finishes there, and ends as a run never stopped
        Cli.run("train", "--resume", dir.toString(), "--checkpoint-every", "1000", "-q").ok();
        Path straight = tmp.resolve("straight");
        List<String> args = new ArrayList<>(List.of("train"));
        args.addAll(run);
        args.addAll(List.of("--out", straight.toString()));
        Cli.run(args.toArray(String[]::new)).ok();
        assertArrayEquals(Files.readAllBytes(straight.resolve("model.safetensors")), Files.readAllBytes(dir.resolve("model.safetensors")),
                "model.safetensors after SIGTERM at step " + step + " and --resume");
        assertEquals(Files.readString(straight.resolve("lr.csv")), Files.readString(dir.resolve("lr.csv")));
        assertTrue(names(dir).containsAll(List.of("checkpoints", "config.json", "metrics.csv", "model.safetensors")), names(dir).toString());
        assertEquals(List.of("step-3000", "step-4000"), names(dir.resolve("checkpoints")),
                "the resumed run's checkpoints go beside the old ones, the newest two kept");
    }

    @Test
    void aSignalWhileTheFinishedRunIsWrittenLetsTheWritingFinish(@TempDir Path tmp) throws Exception {
        // the window: after the last step, from the first file of the hidden work directory to the commit (the
        // charts take most of it); SIGTERM there used to kill the JVM and discard the finished run
        for (int attempt = 1; ; attempt++) {
            String name = "run" + attempt;
            Path dir = tmp.resolve(name), log = tmp.resolve("child" + attempt + ".log");
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--add-modules", "jdk.incubator.vector", "-Djava.awt.headless=true", "-XX:TieredStopAtLevel=1",
                    "-cp", System.getProperty("java.class.path"), Main.class.getName(), "train", "--data", "synthetic",
                    "--layers", "9:relu,3:softmax", "--epochs", "2", "--seed", "2", "--backend", "cpu", "--quiet", "--out", dir.toString()));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().remove("KILN_BACKEND");
            Process child = pb.start();
            boolean signalled = false;
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (child.isAlive() && !signalled && System.nanoTime() < deadline) {
                    try (var entries = Files.list(tmp)) {
                        Path partial = entries.filter(p -> p.getFileName().toString().startsWith("." + name + ".partial-"))
                                .findFirst().orElse(null);
                        if (partial != null && Files.exists(partial.resolve("config.json"))) {
                            child.destroy();   // SIGTERM
                            signalled = true;
                        }
                    } catch (java.io.UncheckedIOException | IOException raced) {
                        // the work directory was renamed while listed: too late for this attempt
                    }
                    Thread.sleep(1);
                }
                assertTrue(child.waitFor(60, TimeUnit.SECONDS));
            } finally {
                child.destroyForcibly();
            }
            String out = Files.readString(log, StandardCharsets.UTF_8);
            if (!signalled || child.exitValue() == 0) {
                assertTrue(attempt < 5, "never caught the child while it wrote its run (5 attempts):\n" + out);
                continue;
            }
            assertEquals(143, child.exitValue(), out);
            assertTrue(out.contains("kiln: SIGTERM after the last step: the finished run is in " + dir.toAbsolutePath()), out);
            assertTrue(names(dir).containsAll(List.of("config.json", "metrics.csv", "lr.csv", "model.safetensors", "provenance.json")),
                    names(dir).toString());
            assertEquals(2, Cli.csv(dir.resolve("metrics.csv")).size() - 1, "both epochs");
            return;
        }
    }

    @Test
    void aRunContinuedIntoANewDirectoryLeavesTheOriginalsCheckpointsAlone(@TempDir Path tmp) throws IOException {
        Path first = tmp.resolve("first"), second = tmp.resolve("second");
        train(RUN, "--epochs", "4", "--checkpoint-every", "1ep", "--out", first.toString()).ok();
        List<String> before = names(first.resolve("checkpoints"));
        byte[] state = Files.readAllBytes(first.resolve("checkpoints/step-20/state.json"));
        assertEquals(List.of("step-20", "step-30", "step-40"), before);
        Cli.run("train", "--resume", first.resolve("checkpoints/step-20").toString(), "--epochs", "6", "--replan",
                "--out", second.toString(), "-q").ok();
        assertEquals(before, names(first.resolve("checkpoints")), "nothing added to or pruned from the first run's checkpoints");
        assertArrayEquals(state, Files.readAllBytes(first.resolve("checkpoints/step-20/state.json")));
        assertEquals(List.of("step-40", "step-50", "step-60"), names(second.resolve("checkpoints")),
                "the continued run checkpoints into its own directory, at the resumed run's interval");
    }

    @Test
    void initWithResumeIsRefused(@TempDir Path tmp) throws IOException {
        Path run = tmp.resolve("run"), init = tmp.resolve("init.safetensors");
        train(RUN, "--epochs", "2", "--checkpoint-every", "1ep", "--out", run.toString()).ok();
        Files.copy(run.resolve("model.safetensors"), init);
        String err = Cli.run("train", "--resume", run.resolve("checkpoints/step-10").toString(), "--init", init.toString(),
                "--out", tmp.resolve("other").toString(), "--backend", "cpu").failsWith(2).err();
        assertTrue(err.contains("--init: a resumed run continues from its checkpoint's parameters, so it cannot start from " + init), err);
        assertFalse(Files.exists(tmp.resolve("other")), "nothing written");
    }

    @Test
    void aResumeThatWouldTrainDifferentlyIsRefused(@TempDir Path tmp) throws IOException {
        Path run = tmp.resolve("run");
        train(RUN, "--epochs", "2", "--checkpoint-every", "1ep", "--out", run.toString()).ok();
        String step = run.resolve("checkpoints/step-10").toString();
        String err = Cli.run("train", "--resume", step, "--clip-norm", "1", "--out", tmp.resolve("a").toString(), "--backend", "cpu")
                .failsWith(2).err();
        assertTrue(err.contains("gradient clipping by norm") && err.contains("off") && err.contains("1.0"), err);
        err = Cli.run("train", "--resume", step, "--standardize", "--out", tmp.resolve("b").toString(), "--backend", "cpu").failsWith(2).err();
        assertTrue(err.contains("--standardize: the resumed run was trained with standardize false"), err);
        err = Cli.run("train", "--resume", step, "--loss", "mse", "--out", tmp.resolve("c").toString(), "--backend", "cpu").failsWith(2).err();
        assertTrue(err.contains("(a different loss)"), err);
        assertEquals(List.of("run"), names(tmp), "nothing written");
    }

    @Test
    void sigtermDuringCompareSaysSoAndLeavesNothing(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("race"), log = tmp.resolve("child.log");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-Djava.awt.headless=true", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "compare", "--batch-size", "1", "--epochs", "20",
                "--backend", "cpu", "--quiet", "--out", dir.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().remove("KILN_BACKEND");
        Process child = pb.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            boolean started = false;
            while (!started && child.isAlive() && System.nanoTime() < deadline) {
                try (var entries = Files.list(tmp)) {
                    started = entries.anyMatch(p -> p.getFileName().toString().startsWith(".race.partial-")
                            && Files.exists(p.resolve("init.safetensors")));
                }
                Thread.sleep(5);
            }
            assertTrue(started && child.isAlive(), "the race was running when stopped:\n" + Files.readString(log));
            Thread.sleep(300);
            child.destroy();   // SIGTERM
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        } finally {
            child.destroyForcibly();
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(143, child.exitValue(), out);
        assertTrue(out.contains("kiln: compare interrupted (SIGTERM) at step ") && out.contains("nothing is written"), out);
        assertEquals(List.of("child.log"), names(tmp), "no run directory, no hidden work directory");
    }

    @Test
    void rollbacksThatCannotHelpSaySo(@TempDir Path tmp) {
        // the rate grows x1e12 an epoch: the weights saved at step 12 already overflow, whatever rate follows
        Cli.Result r = Cli.run("train", "--backend", "cpu", "--data", "synthetic", "--test", "synthetic", "--layers", "9:relu,3:softmax",
                "--optimizer", "sgd:lr=0.05,momentum=0.9", "--schedule", "step:every=1ep,gamma=1e12", "--batch-size", "100",
                "--epochs", "5", "--on-divergence", "rollback:0.000001", "--checkpoint-every", "3", "--keep", "100",
                "--out", tmp.resolve("rb").toString(), "-q");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("Every retry failed at the first step after step 12: the weights there already overflow"), r.err());
        assertTrue(r.err().contains("The last checkpoint is " + tmp.resolve("rb/checkpoints/step-12")), r.err());
    }

    @Test
    void aCheckpointOfAnotherModelIsRefusedNamingBothAndNothingIsWritten(@TempDir Path tmp) throws IOException {
        Path run = tmp.resolve("run"), other = tmp.resolve("other");
        train(RUN, "--epochs", "1", "--checkpoint-every", "1ep", "--out", run.toString()).ok();
        Cli.Result r = Cli.run("train", "--resume", run.resolve("checkpoints").toString(), "--layers", "5:tanh,3:softmax",
                "--out", other.toString(), "--backend", "cpu").failsWith(2);
        assertTrue(r.err().contains("another model") && r.err().contains("9:relu,3:softmax") && r.err().contains("5:tanh,3:softmax"), r.err());
        assertEquals(List.of("run"), names(tmp), "nothing written");
        assertEquals(List.of("step-10"), names(run.resolve("checkpoints")), "the checkpoint is left as it was");
    }

    @Test
    void skippedStepsOfAnExplodingLearningRateAreRecorded(@TempDir Path tmp) throws IOException {
        Path run = tmp.resolve("run");
        // lr 0.05, then x1e20 each epoch: epoch 0 is fine, from epoch 1 on the updates overflow and are dropped
        JsonNode json = train(List.of("--data", "synthetic", "--layers", "9:relu,3:softmax", "--optimizer", "sgd:lr=0.05",
                "--schedule", "step:every=1ep,gamma=1e20", "--batch-size", "100", "--epochs", "3", "--backend", "cpu"),
                "--on-divergence", "skip", "--json", "--out", run.toString()).ok().json();
        List<String[]> metrics = Cli.csv(run.resolve("metrics.csv"));
        int col = Cli.column(metrics.get(0), "skipped_steps");
        assertEquals("0", metrics.get(1)[col], "epoch 0 trains normally");
        long total = 0;
        for (int e = 1; e <= 3; e++) total += Long.parseLong(metrics.get(e)[col]);
        assertTrue(total > 0, "some steps were skipped");
        List<String[]> events = Cli.csv(run.resolve("events.csv"));
        assertEquals("kind,epoch,first_step,last_step,steps,to_step,lr_scale,description", String.join(",", events.get(0)).replaceAll(",\".*", ""));
        long fromEvents = 0;
        for (int i = 1; i < events.size(); i++) {
            assertEquals("SKIP", events.get(i)[0]);
            fromEvents += Long.parseLong(events.get(i)[4]);
        }
        assertEquals(total, fromEvents, "events.csv accounts for every skipped step of metrics.csv");
        assertEquals(events.size() - 1, json.get("events").size());
        assertEquals("SKIP", json.get("events").get(0).get("kind").asText());
        long fromJson = 0;
        for (JsonNode e : json.get("epochs")) fromJson += e.get("skipped_steps").asLong();
        assertEquals(total, fromJson);
        assertEquals("skip", Cli.json(run.resolve("config.json")).get("on-divergence").asText());
    }

    @Test
    void aNanRowIsRejectedNamingFileLineAndColumnOrDroppedWithANote(@TempDir Path tmp) throws IOException {
        Path csv = Cli.argmaxCsv(tmp.resolve("nan.csv"), 60, 5);
        List<String> lines = new ArrayList<>(Files.readAllLines(csv));
        String[] cells = lines.get(4).split(",");
        cells[1] = "NaN";
        lines.set(4, String.join(",", cells));   // line 5 of the file, column 2
        Files.write(csv, lines);
        List<String> run = List.of("--data", csv.toString(), "--label", "label", "--layers", "4:relu,3:softmax", "--epochs", "2",
                "--batch-size", "10", "--backend", "cpu");
        Path rejected = tmp.resolve("rejected");
        Cli.Result r = train(run, "--out", rejected.toString(), "-q").failsWith(2);
        assertTrue(r.err().contains(csv + ":5:2") && r.err().contains("--nan-policy drop"), r.err());
        assertFalse(Files.exists(rejected), "no run directory");
        assertEquals(List.of("nan.csv"), names(tmp));

        Path dropped = tmp.resolve("dropped");
        Cli.Result d = train(run, "--nan-policy", "drop", "--json", "--out", dropped.toString()).ok();
        assertTrue(d.err().contains("kiln: warning: " + csv + ": dropped 1 of 60 rows holding NaN or infinite values (line 5)"), d.err());
        // 59 rows in batches of 10: 6 steps per epoch
        assertEquals(13, Cli.csv(dropped.resolve("lr.csv")).size(), "header + 2 epochs x 6 steps");
        assertEquals("drop", Cli.json(dropped.resolve("config.json")).get("nan-policy").asText());
        Cli.run("train", "--nan-policy", "maybe", "--data", csv.toString(), "--layers", "3:softmax").failsWith(2);
    }

    /** A metrics.csv without its seconds column (the only one that depends on the clock). */
    private static List<String> withoutSeconds(Path metrics) {
        List<String[]> rows = Cli.csv(metrics);
        int s = Cli.column(rows.get(0), "seconds");
        List<String> out = new ArrayList<>();
        for (String[] r : rows) {
            List<String> cells = new ArrayList<>(List.of(r));
            cells.remove(s);
            out.add(String.join(",", cells));
        }
        return out;
    }
}
