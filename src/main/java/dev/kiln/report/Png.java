package dev.kiln.report;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Kiln's charts as PNG files, drawn headless with XChart: a common style, series that skip points that
 * are not finite (a diverged loss), several charts stacked into one image, and the atomic write of
 * {@link AtomicFiles}.
 */
public final class Png {
    private Png() {}

    /** Chart width in pixels. */
    public static final int WIDTH = 900;

    /** A line chart with Kiln's style. */
    public static XYChart chart(String title, String xTitle, String yTitle, int height) {
        XYChart c = new XYChartBuilder().width(WIDTH).height(height).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        // below the plot: inside it, the legend covered the curves it names (a constant lr at the top right)
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        c.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        c.getStyler().setPlotGridLinesVisible(true);
        c.getStyler().setXAxisTickMarkSpacingHint(110);   // long step axes otherwise print labels into each other
        // epochs on an axis of steps are fractions (step 16 of 23 an epoch is 0.6956...): two decimals at most
        c.getStyler().setXAxisDecimalPattern("#,##0.##");
        return c;
    }

    /**
     * Adds a line series of the finite points of (x, y); returns null (and adds nothing) when no point is
     * finite. {@code dashed} draws it dashed (validation curves).
     */
    public static XYSeries line(XYChart chart, String name, double[] x, double[] y, boolean dashed) {
        if (x.length != y.length) throw new IllegalArgumentException("series " + name + ": " + x.length + " x values, " + y.length + " y values");
        int n = 0;
        for (int i = 0; i < x.length; i++) if (Double.isFinite(x[i]) && Double.isFinite(y[i])) n++;
        if (n == 0) return null;
        double[] fx = new double[n], fy = new double[n];
        for (int i = 0, k = 0; i < x.length; i++) {
            if (Double.isFinite(x[i]) && Double.isFinite(y[i])) {
                fx[k] = x[i];
                fy[k++] = y[i];
            }
        }
        XYSeries s = chart.addSeries(name, fx, fy);
        s.setMarker(n <= 60 ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
        if (dashed) s.setLineStyle(SeriesLines.DASH_DASH);
        return s;
    }

    /** 0, 1, ..., n-1 as doubles. */
    public static double[] indices(int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) x[i] = i;
        return x;
    }

    /** The most points a per-step series is drawn with. */
    static final int MAX_POINTS = 4000;

    /**
     * At most {@value #MAX_POINTS} points of (x, y): a longer series is cut into MAX_POINTS/2 buckets and
     * each bucket drawn by its minimum and maximum, in x order, which keeps the envelope of fast cycles (a
     * cyclic schedule) that plain subsampling would alias.
     */
    public static double[][] envelope(double[] x, double[] y) {
        int n = x.length;
        if (n <= MAX_POINTS) return new double[][] {x, y};
        int buckets = MAX_POINTS / 2;
        double[] rx = new double[2 * buckets], ry = new double[2 * buckets];
        int k = 0;
        for (int b = 0; b < buckets; b++) {
            int from = (int) ((long) b * n / buckets), to = (int) ((long) (b + 1) * n / buckets);
            int lo = from, hi = from;
            for (int i = from; i < to; i++) {
                if (y[i] < y[lo]) lo = i;
                if (y[i] > y[hi]) hi = i;
            }
            int first = Math.min(lo, hi), second = Math.max(lo, hi);
            rx[k] = x[first];
            ry[k++] = y[first];
            rx[k] = x[second];
            ry[k++] = y[second];
        }
        return new double[][] {rx, ry};
    }

    /** How a chart's y axis is scaled by {@link #axes}. */
    public enum YScale {
        /** Linear over all the finite values. */
        LINEAR,
        /**
         * Linear over the bulk of the values: a few far above the rest (a diverged run's loss, 1e33 beside
         * 0.5) are left above the top, as TensorBoard's "ignore outliers" does, or every other curve is flat.
         */
        TRIM_OUTLIERS,
        /**
         * Logarithmic where every value is positive, they span two decades or more, and a linear axis would draw
         * them on zero: series whose peaks are two decades apart (Adam at 1e-3 beside SGD at 0.1), or most
         * points under 1% of the largest (an exponential decay to 1e-6, a plateau's cuts). A cosine or warmup to
         * near 0 keeps its familiar linear shape, and so does a chart with a second axis (XChart's log scale
         * would take the momentum axis too).
         */
        LOG_IF_WIDE
    }

    /** Values of one axis group: the finite values of the series' y (or x) data. */
    private static double[] values(XYChart c, boolean x, int group) {
        List<Double> v = new ArrayList<>();
        for (XYSeries s : c.getSeriesMap().values()) {
            if (!x && s.getYAxisGroup() != group) continue;
            for (double d : x ? s.getXData() : s.getYData()) if (Double.isFinite(d)) v.add(d);
        }
        double[] out = new double[v.size()];
        for (int i = 0; i < out.length; i++) out[i] = v.get(i);
        java.util.Arrays.sort(out);
        return out;
    }

    /**
     * Fixes a chart's axes to the range of its data, after its series are added, with round ticks on both.
     *
     * <p>Why the guard series: XChart 3.8.8 puts the ticks of an axis at the data's own values when it
     * judges them equally spaced, which it decides with an absolute tolerance of 1e-4
     * ({@code AxisTickCalculator_.areValuesEquallySpaced}): every curve of learning rates below 1e-3 passes,
     * and so do steps at x = s / stepsPerEpoch, and the axes came out with 25 labels such as .000009938403622
     * or steps of 0.24 epochs. An invisible two-point series far outside the fixed ranges breaks the equal
     * spacing, so XChart takes its ordinary 1-2-5 ticks; being outside the ranges, it is never drawn.
     */
    public static void axes(XYChart c, YScale scale) {
        double[] xs = values(c, true, 0), ys = values(c, false, 0);
        if (xs.length == 0 || ys.length == 0) return;
        double x0 = xs[0], x1 = xs[xs.length - 1];
        if (x1 == x0) {     // one point (a run of one epoch, or diverged after its first): a unit around it
            x0 -= 0.5;
            x1 += 0.5;
        }
        c.getStyler().setXAxisMin(x0);
        c.getStyler().setXAxisMax(x1);
        double y0 = ys[0], y1 = ys[ys.length - 1];
        if (scale == YScale.LOG_IF_WIDE && y0 > 0 && y1 / y0 >= 100 && !hasSecondAxis(c) && (peaksApart(c) || mostlySmall(ys, y1))) {
            c.getStyler().setYAxisLogarithmic(true);
            c.getStyler().setYAxisDecimalPattern("0.#E0");
            // whole decades, at most eight of them (XChart labels every decade, so 49 decades were a barcode); a
            // rate under 1e-8 of the largest trains nothing, and is left below the axis
            double top = Math.ceil(Math.log10(y1));
            c.getStyler().setYAxisMin(Math.pow(10, Math.max(Math.floor(Math.log10(y0)), top - 8)));
            c.getStyler().setYAxisMax(Math.pow(10, top));
        } else {
            if (scale == YScale.TRIM_OUTLIERS && ys.length >= 4) {
                // far above the bulk: a thousand times the spread of its lower three quarters (a diverged run's
                // 4e6 and 5e23 beside 0.5 to 2.3), not a first epoch's loss of 20 beside 0.1 to 0.5
                double q = ys[(int) Math.floor(0.75 * (ys.length - 1))];
                double limit = q + 1000 * (q - y0);
                if (y1 > limit && q > y0) {
                    int k = ys.length - 1;
                    while (k > 0 && ys[k] > limit) k--;
                    y1 = ys[k];
                }
            }
            if (y1 == y0) {     // a flat curve: a band around it
                double pad = y0 == 0 ? 1 : Math.abs(y0) * 0.1;
                y0 -= pad;
                y1 += pad;
            }
            double pad = 0.04 * (y1 - y0);
            double lo = ys[0] >= 0 && y0 - pad < 0 ? 0 : y0 - pad, hi = y1 + pad;
            c.getStyler().setYAxisMin(lo);
            c.getStyler().setYAxisMax(hi);
            c.getStyler().setYAxisDecimalPattern(pattern(hi - lo, Math.max(Math.abs(lo), Math.abs(hi))));
        }
        double far = 1e300;
        boolean logY = c.getStyler().isYAxisLogarithmic();
        // unequal steps from the data to the guard's points whatever the data (-far, data, far/3)
        XYSeries guard = c.addSeries("\u200b", new double[] {-far, far / 3}, new double[] {logY ? 1 / far : -far, far / 3});
        guard.setShowInLegend(false);
        guard.setMarker(SeriesMarkers.NONE);
        guard.setLineColor(new Color(0, 0, 0, 0));
    }

    private static boolean hasSecondAxis(XYChart c) {
        for (XYSeries s : c.getSeriesMap().values()) if (s.getYAxisGroup() != 0) return true;
        return false;
    }

    /** Whether the series' largest values are two decades apart or more. */
    private static boolean peaksApart(XYChart c) {
        double lo = Double.POSITIVE_INFINITY, hi = 0;
        for (XYSeries s : c.getSeriesMap().values()) {
            double peak = Double.NEGATIVE_INFINITY;
            for (double d : s.getYData()) if (Double.isFinite(d)) peak = Math.max(peak, d);
            if (peak > 0) {
                lo = Math.min(lo, peak);
                hi = Math.max(hi, peak);
            }
        }
        return hi / lo >= 100;
    }

    /** Whether more than half of the sorted values lie under 1% of the largest. */
    private static boolean mostlySmall(double[] sorted, double largest) {
        return sorted[sorted.length / 2] < largest / 100;
    }

    /** A decimal pattern for ticks over a span: enough decimals for about six 1-2-5 steps, plain or scientific. */
    static String pattern(double span, double magnitude) {
        if (magnitude >= 1e6 || magnitude < 1e-3) return "0.##E0";
        double step = span / 6;
        int decimals = Math.max(0, (int) Math.ceil(-Math.log10(step)) + 1);
        return decimals == 0 ? "#,##0" : "0." + "#".repeat(Math.min(decimals, 8));
    }

    /** Writes one chart. */
    public static void write(Path file, XYChart chart) {
        write(file, List.of(chart));
    }

    /** Writes charts stacked top to bottom into one image. */
    public static void write(Path file, List<XYChart> charts) {
        List<BufferedImage> parts = new ArrayList<>();
        int height = 0;
        for (XYChart c : charts) {
            BufferedImage img = BitmapEncoder.getBufferedImage(c);
            parts.add(img);
            height += img.getHeight();
        }
        BufferedImage all = new BufferedImage(WIDTH, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = all.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, height);
            int y = 0;
            for (BufferedImage img : parts) {
                g.drawImage(img, 0, y, null);
                y += img.getHeight();
            }
        } finally {
            g.dispose();
        }
        AtomicFiles.write(file, out -> {
            if (!ImageIO.write(all, "png", out)) throw new IOException("no PNG writer in this JVM");
        });
    }
}
