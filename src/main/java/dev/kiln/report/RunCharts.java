package dev.kiln.report;

import dev.kiln.train.History;
import java.nio.file.Path;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;

/**
 * The charts of one training run: {@code loss.png} (training and validation loss per epoch),
 * {@code accuracy.png} (the same for accuracy; classification only) and {@code lr.png} (the learning
 * rate of every optimizer step).
 */
public final class RunCharts {
    private RunCharts() {}

    /** Writes the loss chart; the validation curve is dashed and appears only when validation ran. */
    public static void loss(Path file, String title, History h) {
        XYChart c = Png.chart(title, "epoch", "loss", 450);
        double[] x = Png.indices(h.epochs().size());
        XYSeries train = Png.line(c, "loss", x, h.column("loss"), false);
        XYSeries val = Png.line(c, "val_loss", x, h.column("val_loss"), true);
        // an empty plot says why: every loss was NaN or infinite
        if (train == null && val == null) c.setTitle(title + " (no finite loss in any epoch: the run diverged)");
        Png.axes(c, Png.YScale.TRIM_OUTLIERS);
        Png.write(file, c);
    }

    /** Whether the run has any accuracy to draw (false for regression). */
    public static boolean hasAccuracy(History h) {
        for (double a : h.column("accuracy")) if (!Double.isNaN(a)) return true;
        return false;
    }

    /** Writes the accuracy chart. */
    public static void accuracy(Path file, String title, History h) {
        XYChart c = Png.chart(title, "epoch", "accuracy", 450);
        double[] x = Png.indices(h.epochs().size());
        Png.line(c, "accuracy", x, h.column("accuracy"), false);
        Png.line(c, "val_accuracy", x, h.column("val_accuracy"), true);
        Png.axes(c, Png.YScale.LINEAR);
        Png.write(file, c);
    }

    /** Writes the learning rate of every step. */
    public static void learningRate(Path file, String title, double[] lrPerStep) {
        XYChart c = Png.chart(title, "step", "learning rate", 400);
        c.getStyler().setLegendVisible(false);
        double[][] r = Png.envelope(Png.indices(lrPerStep.length), lrPerStep);
        Png.line(c, "lr", r[0], r[1], false);
        Png.axes(c, Png.YScale.LOG_IF_WIDE);
        Png.write(file, c);
    }

    /** The x positions, in epochs, of steps 0 .. n-1 of a run with {@code stepsPerEpoch} steps per epoch. */
    public static double[] stepsInEpochs(int n, long stepsPerEpoch) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) x[i] = (double) i / stepsPerEpoch;
        return x;
    }
}
