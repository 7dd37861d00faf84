package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.Tolerance;
import dev.kiln.backend.Backend;
import dev.kiln.backend.cpu.CpuBackendProvider;
import dev.kiln.data.Dataset;
import dev.kiln.data.Synthetic;
import dev.kiln.nn.Model;
import dev.kiln.optim.Optimizers;
import dev.kiln.train.LrFinder;
import dev.kiln.train.TrainConfig;
import dev.kiln.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The learning-rate range test ({@link LrFinder}) against its formulas, and {@code kiln lr-find}. */
class LrFinderTest {
    static final Model MODEL = Model.parse("16:relu,3:softmax", 3);
    static final Dataset DATA = Synthetic.seedExperiment(5).train();

    static Trainer trainer(Backend b, String optimizer) {
        return new Trainer(b, MODEL, TrainConfig.builder().batchSize(50).seed(5).optimizer(Optimizers.parse(optimizer)).build());
    }

    @Test
    void sweepFollowsTheFormulasAndLeavesTheTrainerAsItWas() {
        LrFinder.Sweep sweep = new LrFinder.Sweep(1e-4, 0.5, 45, 0.9, 4);
        try (Backend b = new CpuBackendProvider().create(-1); Trainer t = trainer(b, "sgd:lr=0.01,momentum=0.9")) {
            float[] before = t.parameters();
            float[][] state = t.optimizerState();
            LrFinder.Result r = LrFinder.find(t, DATA, sweep);
            assertArrayEquals(before, t.parameters(), "weights restored");
            assertArrayEquals(state[0], t.optimizerState()[0], "momentum buffer restored");

            assertFalse(r.diverged(), "lr up to 0.5 does not blow up this model");
            assertEquals(45, r.steps(), "45 steps over 20 steps per epoch: the sweep crosses epochs");
            Tolerance exact = new Tolerance(0, 1e-14);
            // lr_i = start * (end/start)^(i/(n-1)): first = start, last = end
            for (int i = 0; i < r.steps(); i++) exact.assertClose("lr " + i, 1e-4 * Math.pow(0.5 / 1e-4, i / 44.0), r.lrs()[i]);
            exact.assertClose("last lr", 0.5, r.lrs()[44]);
            // smoothed = bias-corrected EMA of the raw losses (fastai)
            double avg = 0;
            for (int i = 0; i < r.steps(); i++) {
                avg = 0.9 * avg + 0.1 * r.losses()[i];
                exact.assertClose("smoothed " + i, avg / (1 - Math.pow(0.9, i + 1)), r.smoothed()[i]);
            }
            // the first loss is the untrained model's: near log 3 for a 3-class softmax
            assertEquals(Math.log(3), r.losses()[0], 0.2);
            // suggestions over fastai's window [n/10, n-5): recomputed here independently
            int from = 4, to = 40, steep = -1, min = from;
            double g = Double.POSITIVE_INFINITY;
            double[] s = r.smoothed(), l = r.lrs();
            for (int k = from; k < to; k++) {
                if (s[k] < s[min]) min = k;
                if (k + 1 < to) {
                    double d = (s[k + 1] - s[k]) / (Math.log(l[k + 1]) - Math.log(l[k]));
                    if (d < g) {
                        g = d;
                        steep = k;
                    }
                }
            }
            assertEquals(l[steep], r.steepestLr());
            assertEquals(l[min], r.minimumLr());
            assertEquals(l[min] / 10, r.minimumLrOver10());
            assertTrue(g < 0, "the loss falls somewhere in the sweep");
        }
    }

    @Test
    void sweepStopsWhenTheLossDiverges() {
        LrFinder.Sweep sweep = new LrFinder.Sweep(1e-3, 1e6, 100, 0.5, 4);
        try (Backend b = new CpuBackendProvider().create(-1); Trainer t = trainer(b, "sgd:lr=0.01")) {
            float[] before = t.parameters();
            LrFinder.Result r = LrFinder.find(t, DATA, sweep);
            assertTrue(r.diverged());
            assertTrue(r.steps() < 100, "stopped at step " + r.steps());
            int last = r.steps() - 1;
            double best = Double.POSITIVE_INFINITY;
            for (int i = 0; i < last; i++) {
                best = Math.min(best, r.smoothed()[i]);
                assertTrue(r.smoothed()[i] <= 4 * best, "no earlier step crossed the threshold: " + i);
            }
            double s = r.smoothed()[last];
            assertTrue(!Double.isFinite(r.losses()[last]) || s > 4 * Math.min(best, s), "the last step crossed 4x the minimum");
            assertArrayEquals(before, t.parameters(), "a diverged sweep leaves the weights alone");
        }
    }

    @Test
    void lrFindCommandWritesItsPlotAndTable(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("lr");
        JsonNode j = Cli.run("lr-find", "--data", "synthetic", "--layers", "8:relu,3:softmax", "--batch-size", "50", "--steps", "30",
                "--start-lr", "1e-4", "--end-lr", "1", "--backend", "cpu", "--out", out.toString(), "--json").ok().json();
        for (String f : List.of("lr_find.csv", "lr_find.png", "config.json", "provenance.json")) assertTrue(Files.isRegularFile(out.resolve(f)), f);
        List<String[]> rows = Cli.csv(out.resolve("lr_find.csv"));
        assertEquals("step,lr,loss,smoothed_loss", String.join(",", rows.get(0)));
        assertEquals(j.get("steps").asInt() + 1, rows.size());
        assertEquals(1e-4, Double.parseDouble(rows.get(1)[1]), 1e-18);
        double steep = j.get("steepest_lr").asDouble();
        assertTrue(steep >= 1e-4 && steep <= 1, "suggestion inside the sweep: " + steep);
        assertFalse(Cli.json(out.resolve("config.json")).has("epochs"));
        assertTrue(j.get("windowed").asBoolean(), "30 steps: fastai's window applies");
    }

    @Test
    void aSweepTooShortForFastaisWindowSaysItsSuggestionsAreRough(@TempDir Path tmp) {
        Cli.Result r = Cli.run("lr-find", "--data", "synthetic", "--layers", "9:relu,3:softmax", "--batch-size", "10", "--steps", "5",
                "--backend", "cpu", "--out", tmp.resolve("lr").toString()).ok();
        assertTrue(r.err().contains("warning: only 5 steps: too few for fastai's window"), r.err());
    }
}
