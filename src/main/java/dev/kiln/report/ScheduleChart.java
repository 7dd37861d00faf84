package dev.kiln.report;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.function.LongToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Draws a learning-rate schedule (and the momentum, when the schedule cycles it, on a second axis) as a PNG
 * with XChart, headless. The file is written to a temporary file beside the target and renamed, so a reader
 * never sees half a PNG and a failure leaves no file behind. Long runs are reduced to the minimum and
 * maximum of each of {@value #MAX_POINTS}/2 buckets ({@link #sample}), which keeps the envelope of fast cycles.
 */
public final class ScheduleChart {
    /** The most points drawn per series. */
    static final int MAX_POINTS = 4000;

    private ScheduleChart() {}

    /**
     * Writes the chart.
     *
     * @param file     the PNG to write (replaced if it exists)
     * @param title    the chart title, e.g. the schedule text
     * @param xTitle   the x axis title ("epoch" or "step")
     * @param x        the x values, increasing
     * @param lr       the learning rate at each x
     * @param momentum the momentum at each x, or null when it does not cycle
     * @throws IOException when the file cannot be written; no file is left behind
     */
    public static void write(Path file, String title, String xTitle, double[] x, double[] lr, double[] momentum)
            throws IOException {
        if (x.length != lr.length || (momentum != null && momentum.length != x.length))
            throw new IllegalArgumentException("chart: " + x.length + " x values but " + lr.length + " learning rates"
                    + (momentum == null ? "" : " and " + momentum.length + " momenta"));
        write(file, title, xTitle, reduce(x, lr), momentum == null ? null : reduce(x, momentum));
    }

    /**
     * Writes the chart of curves already sampled with {@link #sample}.
     *
     * @param lr       {@code {xs, learning rates}}
     * @param momentum {@code {xs, momenta}}, or null when the momentum does not cycle
     * @throws IOException when the file cannot be written; no file is left behind
     */
    public static void write(Path file, String title, String xTitle, double[][] lr, double[][] momentum) throws IOException {
        if (lr[0].length == 0) throw new IllegalArgumentException("chart: nothing to draw (the run has no steps)");
        XYChart chart = Png.chart(title, xTitle, "learning rate", 500);
        XYSeries s = chart.addSeries("learning rate", lr[0], lr[1]);
        s.setMarker(lr[0].length <= 60 ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);   // a 1-step run is one point
        if (momentum != null && momentum[0].length > 0) {
            XYSeries ms = chart.addSeries("momentum", momentum[0], momentum[1]);
            ms.setMarker(SeriesMarkers.NONE);
            ms.setYAxisGroup(1);
            chart.setYAxisGroupTitle(1, "momentum");
            chart.getStyler().setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
        } else {
            chart.getStyler().setLegendVisible(false);
        }
        Png.axes(chart, Png.YScale.LOG_IF_WIDE);
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        if (dir != null && !Files.isDirectory(dir)) throw new IOException("no such directory: " + dir);
        // a new file beside the target (same file system, so the rename is atomic), with the usual permissions
        Path tmp = target.resolveSibling("." + target.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** At most MAX_POINTS points: the minimum and the maximum of each bucket, in x order. */
    static double[][] reduce(double[] x, double[] y) {
        return sample(x.length, i -> x[(int) i], i -> y[(int) i]);
    }

    /**
     * Samples a curve of {@code n} points for drawing: all of them when there are at most {@value #MAX_POINTS},
     * else the minimum and the maximum of each of {@value #MAX_POINTS}/2 equal buckets, in x order, so fast
     * cycles keep their envelope. Points whose y is NaN (e.g. steps where the momentum does not cycle) are
     * left out. Nothing of size {@code n} is allocated: a run of 10^8 steps is read once, point by point.
     *
     * @return {@code {xs, ys}}
     */
    public static double[][] sample(long n, LongToDoubleFunction x, LongToDoubleFunction y) {
        int buckets = n <= MAX_POINTS ? (int) n : MAX_POINTS / 2;
        double[] rx = new double[n <= MAX_POINTS ? (int) n : 2 * buckets];
        double[] ry = new double[rx.length];
        int k = 0;
        for (int b = 0; b < buckets; b++) {
            long from = n <= MAX_POINTS ? b : b * n / buckets;
            long to = n <= MAX_POINTS ? b + 1 : (b + 1) * n / buckets;
            long lo = -1, hi = -1;
            double vlo = Double.NaN, vhi = Double.NaN;
            for (long i = from; i < to; i++) {
                double v = y.applyAsDouble(i);
                if (Double.isNaN(v)) continue;
                if (lo < 0 || v < vlo) { lo = i; vlo = v; }
                if (hi < 0 || v > vhi) { hi = i; vhi = v; }
            }
            if (lo < 0) continue;
            long first = Math.min(lo, hi), second = Math.max(lo, hi);
            rx[k] = x.applyAsDouble(first); ry[k++] = first == lo ? vlo : vhi;
            if (second != first) { rx[k] = x.applyAsDouble(second); ry[k++] = second == lo ? vlo : vhi; }
        }
        return new double[][] {Arrays.copyOf(rx, k), Arrays.copyOf(ry, k)};
    }
}
