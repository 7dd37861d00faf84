package dev.kiln.schedule;

import static org.junit.jupiter.api.Assertions.*;

import dev.kiln.cli.ScheduleCommand;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code kiln schedule}: values, CSV, PNG, lint warnings, and one-line errors with exit code 2. */
class ScheduleCommandTest {
    private record Result(int code, String out, String err) {
        List<String> lines() { return out.lines().toList(); }
    }

    private static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cmd = new CommandLine(new ScheduleCommand());
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        int code = cmd.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void seedScheduleTablePerEpoch() {
        Result r = run("step:every=2ep,gamma=0.8", "--epochs", "10", "--steps-per-epoch", "20", "--base-lr", "0.01");
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.lines();
        assertEquals("schedule  step:every=2ep,gamma=0.8", lines.get(0));
        assertEquals("run       10 epochs x 20 steps = 200 steps, base lr 0.01", lines.get(1));
        assertEquals("   epoch       step  lr", lines.get(2));
        String[] expected = {"0.01", "0.01", "0.008", "0.008", "0.0064", "0.0064", "0.00512", "0.00512", "0.004096", "0.004096"};
        for (int e = 0; e < 10; e++)
            assertEquals(String.format("%8d %10d  %s", e, e * 20, expected[e]), lines.get(3 + e));
        assertEquals(13, lines.size());
        assertEquals("", r.err());
    }

    @Test
    void csvPerStepWithMomentum() {
        Result r = run("onecycle", "--epochs", "2", "--dataset-size", "100", "--batch-size", "20", "--per", "step", "--csv");
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.lines();
        assertEquals("step,epoch,lr,momentum", lines.get(0));
        assertEquals(11, lines.size(), "5 steps per epoch (100 rows / 20), 2 epochs, plus the header");
        BoundSchedule b = ScheduleSpec.parse("onecycle").bind(new RunPlan(5, 10));
        for (int s = 0; s < 10; s++) {
            String[] cells = lines.get(1 + s).split(",");
            assertEquals(4, cells.length);
            assertEquals(s, Integer.parseInt(cells[0]));
            assertEquals(s / 5, Integer.parseInt(cells[1]));
            assertEquals(b.factor(s), Double.parseDouble(cells[2]), "full precision in CSV");
            assertEquals(b.momentum(s).orElseThrow(), Double.parseDouble(cells[3]));
        }
    }

    @Test
    void csvPerEpochHasNoMomentumColumnWhenItDoesNotCycle() {
        Result r = run("warmup:1ep > cosine:over=100%", "--epochs", "3", "--steps-per-epoch", "4", "--csv", "--base-lr", "0.1");
        assertEquals(0, r.code(), r.err());
        assertEquals(List.of("step,epoch,lr", "0,0,0.001", "4,1,0.1"), r.lines().subList(0, 3));
        assertEquals(4, r.lines().size());
        // step 8 is step 4 of a 12-step cosine: 0.1 * (1 + cos(pi / 3)) / 2
        assertTrue(r.lines().get(3).startsWith("8,2,"));
        dev.kiln.Tolerance.SCHEDULE.assertClose("step 8", 0.075, Double.parseDouble(r.lines().get(3).substring(4)));
        assertTrue(r.err().contains("warning: cosine:over=100%: its horizon (12 steps) is longer than its 8 steps"), r.err());
    }

    @Test
    void pngIsWritten(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("lr.png");
        Result r = run("(warmup:5% > cosine) * plateau", "--epochs", "4", "--steps-per-epoch", "25", "--png", png.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("wrote " + png), r.out());
        assertTrue(r.err().contains("note: plateau factors react to the loss during training"), r.err());
        BufferedImage image = ImageIO.read(png.toFile());
        assertNotNull(image, "a readable PNG");
        assertEquals(900, image.getWidth());
        assertEquals(500, image.getHeight());
        try (var files = Files.list(dir)) {
            assertEquals(List.of(png), files.toList(), "no temporary file left behind");
        }
    }

    @Test
    void pngOfAPartlyCyclingScheduleOnALongRun(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("long.png");
        Result r = run("constant for 10% > cyclic:min=0.1,up=500", "--epochs", "20", "--steps-per-epoch", "5000",
                "--png", png.toString(), "--csv");
        assertEquals(0, r.code(), r.err());
        assertEquals("step,epoch,lr,momentum", r.lines().get(0));
        assertEquals("0,0,1.0,", r.lines().get(1), "no momentum before the cyclic piece");
        assertNotNull(ImageIO.read(png.toFile()));
    }

    /** The chart keeps the envelope of fast cycles and skips steps without a value. */
    @Test
    void chartSamplingKeepsTheEnvelope() {
        long n = 1_000_003;
        double[][] xy = dev.kiln.report.ScheduleChart.sample(n, s -> s, s -> s < 10 ? Double.NaN : (s % 7 == 0 ? -1 : s % 7));
        assertTrue(xy[0].length <= 4000, "at most 4000 points");
        assertEquals(xy[0].length, xy[1].length);
        assertEquals(-1, java.util.Arrays.stream(xy[1]).min().orElseThrow());
        assertEquals(6, java.util.Arrays.stream(xy[1]).max().orElseThrow());
        assertTrue(xy[0][0] >= 10, "NaN steps are left out");
        for (int i = 1; i < xy[0].length; i++) assertTrue(xy[0][i] > xy[0][i - 1], "x increases");
        double[][] small = dev.kiln.report.ScheduleChart.sample(5, s -> 2 * s, s -> s * s);
        assertArrayEquals(new double[] {0, 2, 4, 6, 8}, small[0]);
        assertArrayEquals(new double[] {0, 1, 4, 9, 16}, small[1]);
    }

    @Test
    void badSpecIsOneLineWithExitTwoAndNoFile(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("lr.png");
        Result r = run("step:every=2ep,gama=0.8", "--epochs", "10", "--steps-per-epoch", "20", "--png", png.toString());
        assertEquals(2, r.code());
        assertEquals("kiln schedule: schedule error at column 16 ('gama'): step has no parameter 'gama'; it takes every, gamma",
                r.err().strip());
        assertEquals("", r.out());
        assertFalse(Files.exists(png));
        try (var files = Files.list(dir)) {
            assertEquals(0, files.count());
        }
    }

    @Test
    void specThatDoesNotFitTheRunIsExitTwo() {
        Result r = run("step:every=0.1%", "--epochs", "1", "--steps-per-epoch", "10");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("kiln schedule: schedule error at column 12 ('0.1%')"), r.err());
    }

    @Test
    void badOptionsAreExitTwo(@TempDir Path dir) {
        assertEquals(2, run("cosine").code(), "no run length");
        assertEquals(2, run("cosine", "--epochs", "3").code(), "no steps per epoch");
        assertEquals(2, run("cosine", "--epochs", "3", "--steps-per-epoch", "0").code());
        assertEquals(2, run("cosine", "--epochs", "3", "--steps-per-epoch", "4", "--dataset-size", "9", "--batch-size", "3").code());
        assertEquals(2, run("cosine", "--epochs", "3", "--steps-per-epoch", "4", "--per", "batch").code());
        assertEquals(2, run("cosine", "--epochs", "3", "--steps-per-epoch", "4", "--base-lr", "-1").code());
        assertEquals(2, run("cosine", "--epochs", "3", "--steps-per-epoch", "4", "--png", dir.resolve("no/such/dir/x.png").toString()).code());
        Result toDir = run("cosine", "--epochs", "3", "--steps-per-epoch", "4", "--png", dir.toString());
        assertEquals(2, toDir.code(), "a directory is refused before the table, not after it (exit 1)");
        assertEquals("", toDir.out());
        assertEquals(2, run("--epochs", "3").code(), "no spec");
        Result huge = run("cosine", "--epochs", "9999999999", "--steps-per-epoch", "9999999999");
        assertEquals(2, huge.code());
        assertEquals("kiln schedule: --epochs 9999999999 x --steps-per-epoch 9999999999 is more than 9223372036854775807 steps", huge.err().strip());
        Result rows = run("cosine", "--epochs", "2147483647", "--dataset-size", "9223372036854775807", "--batch-size", "1");
        assertEquals(2, rows.code());
        assertTrue(rows.err().strip().startsWith("kiln schedule: 2147483647 epochs of 9223372036854775807 steps is more than"), rows.err());
        assertEquals(2, run("cosine", "--epochs", "4294967296", "--dataset-size", "10", "--batch-size", "1").code());
        Result r = run("cosine", "--epochs", "x");
        assertEquals(2, r.code());
    }

    @Test
    void lintWarningsAreShown() {
        Result r = run("warmup:10ep > cosine", "--epochs", "5", "--steps-per-epoch", "10");
        assertEquals(0, r.code());
        assertTrue(r.err().contains("warning: warmup:10ep: the warmup (100 steps from step 0) is not over when the run ends (50 steps)"), r.err());
    }

    @Test
    void listAndHelp() {
        Result list = run("--list");
        assertEquals(0, list.code());
        for (Family f : Families.all()) assertTrue(list.out().contains("  " + f.name() + " "), f.name());
        Result help = run("--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("kiln schedule 'step:every=2ep,gamma=0.8' --epochs 10"), help.out());
        assertTrue(help.out().contains("30% (of the run)"), help.out());
        assertEquals("", help.err(), "no picocli format warnings");
    }
}
