package dev.kiln.report;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;

/** The axes every Kiln chart gets ({@link Png#axes}): ranges, scales, and XChart's tick pitfalls avoided. */
class PngTest {
    private static double[] steps(int n) { return Png.indices(n); }

    private static XYChart chart(double[]... ys) {
        XYChart c = Png.chart("t", "step", "lr", 400);
        for (int i = 0; i < ys.length; i++) Png.line(c, "s" + i, steps(ys[i].length), ys[i], false);
        return c;
    }

    @Test
    void aLogAxisOnlyWhereALinearOneDrawsTheCurvesOnZero() {
        int n = 200;
        double[] exp = new double[n], cosine = new double[n], adam = new double[n], sgd = new double[n];
        for (int i = 0; i < n; i++) {
            exp[i] = Math.pow(0.9, i);                                     // 1 -> 7e-10: most points under 1% of the top
            cosine[i] = 0.5 * (1 + Math.cos(Math.PI * i / (n - 1))) + 1e-9; // to ~0, but mostly large: its shape stays linear
            adam[i] = 1e-3;
            sgd[i] = 0.1 * (1 - 0.5 * i / n);
        }
        XYChart c1 = chart(exp), c2 = chart(cosine), c3 = chart(adam, sgd);
        Png.axes(c1, Png.YScale.LOG_IF_WIDE);
        Png.axes(c2, Png.YScale.LOG_IF_WIDE);
        Png.axes(c3, Png.YScale.LOG_IF_WIDE);
        assertTrue(c1.getStyler().isYAxisLogarithmic(), "exponential decay");
        assertFalse(c2.getStyler().isYAxisLogarithmic(), "cosine");
        assertTrue(c3.getStyler().isYAxisLogarithmic(), "Adam's 1e-3 beside SGD's 0.1");
        assertEquals(1e-3, c3.getStyler().getYAxisMin(), 0, "whole decades");
        assertEquals(0.1, c3.getStyler().getYAxisMax(), 1e-15);
    }

    @Test
    void aDivergedRunsLossesAreLeftAboveTheTop() {
        XYChart c = chart(new double[] {2.3, 1.5, 0.9, 0.7, 0.6, 0.55}, new double[] {2.2, 5e23, 4e6});
        Png.axes(c, Png.YScale.TRIM_OUTLIERS);
        assertTrue(c.getStyler().getYAxisMax() < 3, "top " + c.getStyler().getYAxisMax());
        double lo = c.getStyler().getYAxisMin();
        assertTrue(lo >= 0 && lo < 0.55, "the bottom under the lowest loss, not below 0: " + lo);
        // a first epoch far above the rest is data, not an outlier
        XYChart steep = chart(new double[] {20, 0.5, 0.4, 0.3, 0.2, 0.15, 0.12, 0.1});
        Png.axes(steep, Png.YScale.TRIM_OUTLIERS);
        assertTrue(steep.getStyler().getYAxisMax() >= 20, "top " + steep.getStyler().getYAxisMax());
    }

    /**
     * One point per axis (a run that diverged after its first epoch) sent XChart 3.8.8 into an endless loop
     * over "equally spaced" tick values: this fails by timing out. (The other symptom of that XChart path, a tick
     * at each value of a learning-rate curve under 1e-3, is not visible through XChart's API; it was checked by
     * looking at the rendered charts.)
     */
    @Test
    void aOnePointChartRendersInsteadOfHanging(@TempDir Path dir) {
        double[] small = new double[900];
        for (int i = 0; i < small.length; i++) small[i] = 1e-3 * 0.5 * (1 + Math.cos(Math.PI * i / 899));
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            XYChart one = chart(new double[] {5e23});
            Png.axes(one, Png.YScale.TRIM_OUTLIERS);
            Png.write(dir.resolve("one.png"), one);
            XYChart lr = chart(small);
            Png.axes(lr, Png.YScale.LOG_IF_WIDE);
            Png.write(dir.resolve("lr.png"), lr);
        });
        assertTrue(Files.exists(dir.resolve("one.png")) && Files.exists(dir.resolve("lr.png")));
        assertEquals("0.#####", Png.pattern(1e-3, 1e-3));
        assertEquals("0.##E0", Png.pattern(1e-5, 1e-5));
        assertEquals("0.##E0", Png.pattern(1e33, 1e33));
        assertEquals("0.##", Png.pattern(2.6, 2.6));
    }
}
