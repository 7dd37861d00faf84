package dev.kiln.report;

import dev.kiln.train.LrFinder;
import java.awt.Color;
import java.nio.file.Path;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The plot of a learning-rate range test: the smoothed loss (and, in grey, the raw losses within its range)
 * against the learning rate on a logarithmic axis, with the two suggested rates marked on the smoothed curve.
 */
public final class LrFindChart {
    private LrFindChart() {}

    /** Writes the plot. */
    public static void write(Path file, String title, LrFinder.Result r) {
        XYChart c = Png.chart(title, "learning rate (log scale)", "loss", 500);
        c.getStyler().setXAxisLogarithmic(true);
        c.getStyler().setXAxisDecimalPattern("0.0E0");
        // the y axis follows the smoothed curve (as fastai plots it); raw losses above it are left out, or the
        // blow-up that ends the sweep would flatten everything before it
        double top = Double.NEGATIVE_INFINITY, bottom = Double.POSITIVE_INFINITY;
        for (double v : r.smoothed()) {
            if (Double.isFinite(v)) {
                top = Math.max(top, v);
                bottom = Math.min(bottom, v);
            }
        }
        double[] raw = r.losses().clone();
        for (double v : raw) if (Double.isFinite(v)) bottom = Math.min(bottom, v);
        if (top > bottom) {
            double pad = 0.05 * (top - bottom);
            c.getStyler().setYAxisMax(top + pad);
            c.getStyler().setYAxisMin(Math.max(0, bottom - pad));
            for (int i = 0; i < raw.length; i++) if (raw[i] > top + pad) raw[i] = Double.NaN;
        }
        XYSeries rawSeries = Png.line(c, "loss", r.lrs(), raw, false);
        if (rawSeries != null) {
            rawSeries.setMarker(SeriesMarkers.NONE);
            rawSeries.setLineColor(new Color(0xBAB0AC));
        }
        XYSeries smooth = Png.line(c, "smoothed loss", r.lrs(), r.smoothed(), false);
        if (smooth != null) smooth.setMarker(SeriesMarkers.NONE);
        mark(c, "valley " + EpochTable.significant(r.valleyLr()), r, r.valleyLr());
        mark(c, "steepest " + EpochTable.significant(r.steepestLr()), r, r.steepestLr());
        mark(c, "minimum/10 " + EpochTable.significant(r.minimumLrOver10()), r, r.minimumLrOver10());
        Png.write(file, c);
    }

    /** A single marked point on the smoothed curve at the recorded rate nearest to {@code lr}. */
    private static void mark(XYChart c, String name, LrFinder.Result r, double lr) {
        // a suggestion outside the sweep (minimum/10 below its start) has no point on the curve: it is not drawn at
        // the nearest end, where it read as a different rate (the value is printed by lr-find)
        if (!Double.isFinite(lr) || r.steps() == 0 || lr < r.lrs()[0] || lr > r.lrs()[r.steps() - 1]) return;
        int best = 0;
        for (int i = 1; i < r.steps(); i++)
            if (Math.abs(Math.log(r.lrs()[i] / lr)) < Math.abs(Math.log(r.lrs()[best] / lr))) best = i;
        XYSeries s = Png.line(c, name, new double[] {r.lrs()[best]}, new double[] {r.smoothed()[best]}, false);
        if (s != null) s.setMarker(SeriesMarkers.DIAMOND);
    }
}
