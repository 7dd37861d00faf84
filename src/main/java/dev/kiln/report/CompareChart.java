package dev.kiln.report;

import dev.kiln.train.History;
import java.awt.Color;
import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The chart of {@code kiln compare}: one image with two panels sharing the epoch axis, every variant's
 * training loss (solid) and validation loss (dashed, same colour) per epoch on top, and every variant's
 * learning rate at each step below (step s at x = s / steps per epoch, so epoch e spans [e, e + 1)).
 */
public final class CompareChart {
    private CompareChart() {}

    /**
     * Colours that stay apart on white, one per variant: Tableau 10, then the darker half of Tableau 20's
     * pairs, so that 20 variants get 20 colours (an 11th took the first's blue before).
     */
    private static final Color[] PALETTE = {
        new Color(0x4E79A7), new Color(0xF28E2B), new Color(0xE15759), new Color(0x76B7B2), new Color(0x59A14F),
        new Color(0xEDC948), new Color(0xB07AA1), new Color(0xFF9DA7), new Color(0x9C755F), new Color(0xBAB0AC),
        new Color(0x1F77B4), new Color(0xFF7F0E), new Color(0x2CA02C), new Color(0xD62728), new Color(0x9467BD),
        new Color(0x8C564B), new Color(0xE377C2), new Color(0x7F7F7F), new Color(0xBCBD22), new Color(0x17BECF)};

    /**
     * One variant's curves.
     *
     * @param name          the variant's name (legend)
     * @param history       its history (epoch losses and the lr of every step)
     * @param stepsPerEpoch steps per epoch of its run
     */
    public record Variant(String name, History history, long stepsPerEpoch) {}

    /** Writes the chart. */
    public static void write(Path file, String title, List<Variant> variants) {
        if (variants.isEmpty()) throw new IllegalArgumentException("compare chart: no variants");
        // one legend entry per variant (validation is the dashed line of its colour); beyond eight the legends go
        // to the right, one entry a line, and the panels grow to hold them (a row of 25 ran off the image)
        int n = variants.size();
        boolean many = n > 8;
        XYChart loss = Png.chart(title, "epoch", "loss (solid: training, dashed: validation)", many ? Math.max(480, 22 * n + 140) : 480);
        XYChart lr = Png.chart("learning rate", "epoch", "learning rate", many ? Math.max(360, 22 * n + 120) : 360);
        if (many) {
            for (XYChart c : List.of(loss, lr)) {
                c.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideE);
                c.getStyler().setLegendLayout(org.knowm.xchart.style.Styler.LegendLayout.Vertical);
            }
        }
        List<String> noFinite = new java.util.ArrayList<>();
        for (int i = 0; i < variants.size(); i++) {
            Variant v = variants.get(i);
            Color colour = PALETTE[i % PALETTE.length];
            History h = v.history();
            double[] x = Png.indices(h.epochs().size());
            // a diverged run's points stop (NaN) or leave the top of the trimmed axis: the legend says why
            boolean diverged = false;
            for (double l : h.column("loss")) diverged |= !Double.isFinite(l);
            XYSeries trainLine = paint(Png.line(loss, v.name() + (diverged ? " (diverged)" : ""), x, h.column("loss"), false), colour);
            XYSeries valLine = paint(Png.line(loss, v.name() + " val_loss", x, h.column("val_loss"), true), colour);
            if (valLine != null && trainLine != null) valLine.setShowInLegend(false);
            if (trainLine == null && valLine == null) noFinite.add(v.name());
            double[] rates = h.stepLearningRates();
            double[][] r = Png.envelope(RunCharts.stepsInEpochs(rates.length, v.stepsPerEpoch()), rates);
            XYSeries s = paint(Png.line(lr, v.name(), r[0], r[1], false), colour);
            if (s != null) s.setMarker(SeriesMarkers.NONE);
        }
        if (!noFinite.isEmpty()) loss.setTitle(title + " (no finite loss: " + String.join(", ", noFinite) + ")");
        Png.axes(loss, Png.YScale.TRIM_OUTLIERS);
        Png.axes(lr, Png.YScale.LOG_IF_WIDE);
        Png.write(file, List.of(loss, lr));
    }

    /** XChart picks colours when it draws; fixing one per variant makes its curves read as one run. */
    private static XYSeries paint(XYSeries s, Color c) {
        if (s != null) {
            s.setLineColor(c);
            s.setMarkerColor(c);
        }
        return s;
    }
}
