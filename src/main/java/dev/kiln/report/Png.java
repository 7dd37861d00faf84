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
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
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
