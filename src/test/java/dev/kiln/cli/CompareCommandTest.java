package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.Tolerance;
import dev.kiln.nn.Model;
import dev.kiln.nn.Weights;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kiln compare}: the seed experiment by default, and variants from the command line. */
class CompareCommandTest {
    static final Model SEED_MODEL = Model.parse("9:relu,9:relu,9:relu,3:softmax", 3);

    @Test
    void withoutArgumentsItRunsTheSeedExperiment(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("seed");
        Cli.Result r = Cli.run("compare", "--backend", "cpu", "--out", out.toString()).ok();

        for (String f : List.of("config.json", "provenance.json", "compare.png", "compare.csv", "init.safetensors"))
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        for (String v : List.of("constant", "step"))
            for (String f : List.of("metrics.csv", "lr.csv", "model.safetensors", "loss.png", "accuracy.png", "lr.png"))
                assertTrue(Files.isRegularFile(out.resolve(v).resolve(f)), v + "/" + f);
        BufferedImage png = ImageIO.read(out.resolve("compare.png").toFile());
        assertNotNull(png, "compare.png is a PNG");
        assertEquals(900, png.getWidth());

        // metrics.csv: 10 epochs; the step variant's lr is 1e-2 * 0.8^floor(epoch/2): 0.01 at epoch 0, 0.004096 at epoch 9
        List<String[]> step = Cli.csv(out.resolve("step/metrics.csv"));
        List<String[]> constant = Cli.csv(out.resolve("constant/metrics.csv"));
        assertEquals("epoch,step,lr,loss,accuracy,val_loss,val_accuracy,seconds,skipped_steps", String.join(",", step.get(0)));
        assertEquals(11, step.size());
        int lr = Cli.column(step.get(0), "lr");
        Tolerance exact = Tolerance.SCHEDULE;
        exact.assertClose("step lr, epoch 0", 0.01, Double.parseDouble(step.get(1)[lr]));
        exact.assertClose("step lr, epoch 9", 0.004096, Double.parseDouble(step.get(10)[lr]));
        for (int e = 0; e < 10; e++) {
            exact.assertClose("step lr, epoch " + e, 0.01 * Math.pow(0.8, Math.floor(e / 2.0)), Double.parseDouble(step.get(e + 1)[lr]));
            exact.assertClose("constant lr, epoch " + e, 0.01, Double.parseDouble(constant.get(e + 1)[lr]));
            assertEquals(Integer.toString(20 * e + 19), step.get(e + 1)[1], "last step of epoch " + e);
        }
        // lr.csv: every step, 20 per epoch
        List<String[]> steps = Cli.csv(out.resolve("step/lr.csv"));
        assertEquals(201, steps.size());
        for (int s = 0; s < 200; s++)
            exact.assertClose("lr of step " + s, 0.01 * Math.pow(0.8, Math.floor(s / 40.0)), Double.parseDouble(steps.get(s + 1)[2]));

        // one initialisation and one batch order: while both run at lr 0.01 (epochs 0 and 1) every number agrees
        // bit for bit; from epoch 2 on, the step variant's smaller rate makes the losses part
        for (int e = 1; e <= 2; e++)
            assertArrayEquals(Arrays.copyOf(constant.get(e), 7), Arrays.copyOf(step.get(e), 7), "epoch " + (e - 1) + " of both variants");
        int loss = Cli.column(step.get(0), "loss");
        assertNotEquals(constant.get(10)[loss], step.get(10)[loss]);
        float[] init = Weights.load(SEED_MODEL, out.resolve("init.safetensors"));
        assertArrayEquals(SEED_MODEL.initialParameters(0), init, "the shared initial weights are the seed's");
        assertFalse(Arrays.equals(Weights.load(SEED_MODEL, out.resolve("constant/model.safetensors")),
                Weights.load(SEED_MODEL, out.resolve("step/model.safetensors"))));

        JsonNode config = Cli.json(out.resolve("config.json"));
        assertEquals("cpu", config.get("backend").asText());
        assertEquals(50, config.get("batch-size").asInt());
        assertEquals("step:every=2ep,gamma=0.8", config.get("variants").get(1).get("schedule").asText());
        assertEquals("sgd:lr=0.01", config.get("variants").get(0).get("optimizer").asText());
        assertEquals("cpu", Cli.json(out.resolve("provenance.json")).get("backend").asText());

        // the table: one line per epoch with both variants' numbers side by side
        List<String> table = r.out().lines().filter(l -> l.matches("\\s*9 \\|.*")).toList();
        assertEquals(1, table.size(), r.out());
        assertTrue(table.get(0).endsWith("0.004096"), table.get(0));
        assertEquals(21, Cli.csv(out.resolve("compare.csv")).size(), "compare.csv: 2 variants x 10 epochs + header");
    }

    @Test
    void variantsFromTheCommandLineRaceOptimizersToo(@TempDir Path tmp) {
        Path out = tmp.resolve("race");
        Cli.Result r = Cli.run("compare", "--backend", "cpu", "--out", out.toString(), "--epochs", "2", "--json",
                "--variant", "slow=constant", "--variant", "fast=;sgd:lr=0.05,momentum=0.9", "--variant", "cos=cosine").ok();
        JsonNode v = r.json().get("variants");
        assertEquals(3, v.size());
        assertEquals("fast", v.get(1).get("name").asText());
        assertEquals("sgd:lr=0.05,momentum=0.9", v.get(1).get("optimizer").asText());
        assertEquals("constant", v.get(1).get("schedule").asText(), "an empty schedule part takes the run's (constant)");
        Tolerance exact = Tolerance.SCHEDULE;
        exact.assertClose("fast lr", 0.05, v.get(1).get("epochs").get(0).get("lr").asDouble());
        exact.assertClose("slow lr", 0.01, v.get(0).get("epochs").get(1).get("lr").asDouble());
        // cosine over the run's 40 steps: the last step's factor is (1 + cos(pi * 39/40)) / 2
        exact.assertClose("cosine lr at the last step", 0.01 * (1 + Math.cos(Math.PI * 39 / 40)) / 2,
                v.get(2).get("epochs").get(1).get("lr").asDouble());
        assertNotEquals(v.get(0).get("final").get("loss").asDouble(), v.get(1).get("final").get("loss").asDouble());
        assertTrue(Files.isDirectory(out.resolve("cos")));
    }

    @Test
    void aVariantCannotTakeTheNameOfCompareOwnFilesAndAllDivergedIsAFailure(@TempDir Path tmp) throws Exception {
        String err = Cli.run("compare", "--backend", "cpu", "--epochs", "1", "--out", tmp.resolve("a").toString(),
                "--variant", "init.safetensors=constant").failsWith(2).err();
        assertTrue(err.contains("variant name 'init.safetensors' is the name of one of compare's own files"), err);
        assertFalse(java.nio.file.Files.exists(tmp.resolve("a")));
        Cli.Result r = Cli.run("compare", "--backend", "cpu", "--epochs", "1", "--out", tmp.resolve("b").toString(), "--quiet",
                "--variant", "x=constant;sgd:lr=1e30", "--variant", "y=constant;sgd:lr=1e31");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("every variant diverged; their runs so far are in " + tmp.resolve("b")), r.err());
        assertTrue(java.nio.file.Files.isDirectory(tmp.resolve("b/x")), "the runs so far are kept");
    }

    @Test
    void theReadmeMainCommandRunsCleanlyInItsOwnJvm(@TempDir Path tmp) throws Exception {
        // with the stop-signal handlers installed around each variant, on the OpenCL backend (PoCL) the JDK handed
        // back null as the previous handler, and restoring it failed: 'internal error: NullPointerException: handler'
        // in 5 runs of 8 of the README's main command
        for (int i = 0; i < 4; i++) {
            Path log = tmp.resolve("child" + i + ".log");
            java.util.List<String> cmd = java.util.List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--add-modules", "jdk.incubator.vector", "-Djava.awt.headless=true", "-cp", System.getProperty("java.class.path"),
                    Main.class.getName(), "compare", "--out", tmp.resolve("run" + i).toString());   // the best backend, as the README runs it
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().remove("KILN_BACKEND");
            Process child = pb.start();
            assertTrue(child.waitFor(120, java.util.concurrent.TimeUnit.SECONDS));
            String out = java.nio.file.Files.readString(log);
            assertEquals(0, child.exitValue(), out);
            assertFalse(out.contains("internal error"), out);
        }
    }
}
