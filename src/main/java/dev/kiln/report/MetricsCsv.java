package dev.kiln.report;

import dev.kiln.train.EpochResult;
import dev.kiln.train.TrainingEvent;
import java.util.List;
import java.util.Locale;

/**
 * The CSV files of a run directory:
 * <ul>
 *   <li>{@code metrics.csv}: one row per epoch, {@value #METRICS_HEADER}; {@code step} is the epoch's last
 *       global step (0-based), {@code lr} that step's learning rate; a value that does not apply (no
 *       validation data, accuracy of a regression) is an empty cell, and a value that was measured and came
 *       out NaN (a diverged model's loss) is {@code NaN}: pandas and R read both as NaN, a reader of the file
 *       can tell them apart;
 *       {@code skipped_steps} counts the steps whose update {@code --on-divergence skip} dropped;</li>
 *   <li>{@code lr.csv}: one row per optimizer step, {@value #LR_HEADER};</li>
 *   <li>{@code events.csv}: what the divergence guard did, one row per event, {@value #EVENTS_HEADER}
 *       ({@link #events});</li>
 *   <li>{@code compare.csv}: the metrics of several runs in long format ({@link #combined}).</li>
 * </ul>
 * Numbers are written in Java's shortest round-trip form ({@link Double#toString}), so a reader gets back
 * the very doubles the run computed; seconds have microsecond resolution.
 */
public final class MetricsCsv {
    private MetricsCsv() {}

    /** The header of {@code metrics.csv}. */
    public static final String METRICS_HEADER = "epoch,step,lr,loss,accuracy,val_loss,val_accuracy,seconds,skipped_steps";
    /** The header of {@code lr.csv}. */
    public static final String LR_HEADER = "step,epoch,lr";
    /** The header of {@code events.csv}. */
    public static final String EVENTS_HEADER = "kind,epoch,first_step,last_step,steps,to_step,lr_scale,description";

    /** The text of {@code metrics.csv}. */
    public static String metrics(List<EpochResult> epochs) {
        // a column applies when any epoch has a value in it (validation: in either of its two columns)
        boolean acc = false, val = false, valAcc = false;
        for (EpochResult r : epochs) {
            acc |= !Double.isNaN(r.accuracy());
            valAcc |= !Double.isNaN(r.valAccuracy());
            val |= !Double.isNaN(r.valLoss()) || !Double.isNaN(r.valAccuracy());
        }
        StringBuilder s = new StringBuilder(METRICS_HEADER).append('\n');
        for (EpochResult r : epochs) {
            s.append(r.epoch()).append(',').append(r.lastStep()).append(',').append(num(r.lr())).append(',')
                    .append(measured(r.loss(), true)).append(',').append(measured(r.accuracy(), acc)).append(',')
                    .append(measured(r.valLoss(), val)).append(',').append(measured(r.valAccuracy(), valAcc)).append(',')
                    .append(String.format(Locale.ROOT, "%.6f", r.seconds())).append(',')
                    .append(r.skippedSteps()).append('\n');
        }
        return s.toString();
    }

    /**
     * Several runs' metrics in one table (long format, one row per run and epoch: {@code variant,} then the
     * columns of {@code metrics.csv}), as {@code kiln compare} writes {@code compare.csv}.
     */
    public static String combined(List<String> names, List<List<EpochResult>> runs) {
        if (names.size() != runs.size()) throw new IllegalArgumentException(names.size() + " names for " + runs.size() + " runs");
        StringBuilder s = new StringBuilder("variant,").append(METRICS_HEADER).append('\n');
        for (int v = 0; v < names.size(); v++) {
            String[] lines = metrics(runs.get(v)).split("\n");
            for (int i = 1; i < lines.length; i++) s.append(names.get(v)).append(',').append(lines[i]).append('\n');
        }
        return s.toString();
    }

    /** The text of {@code lr.csv}: the learning rate of every step, with the epoch it belongs to. */
    public static String learningRates(double[] lr, long stepsPerEpoch) {
        if (stepsPerEpoch < 1) throw new IllegalArgumentException("steps per epoch must be >= 1, got " + stepsPerEpoch);
        StringBuilder s = new StringBuilder(LR_HEADER).append('\n');
        for (int i = 0; i < lr.length; i++) s.append(i).append(',').append(i / stepsPerEpoch).append(',').append(num(lr[i])).append('\n');
        return s.toString();
    }

    /**
     * The text of {@code events.csv}: each {@link TrainingEvent} (SKIP, ROLLBACK, STOP) with the epoch it was
     * detected in, the window of global steps checked, how many of them were non-finite, the step a rollback
     * went back to (empty otherwise), the learning-rate multiplier in force after it, and its one-line
     * description (quoted: it holds commas).
     */
    public static String events(List<TrainingEvent> events) {
        StringBuilder s = new StringBuilder(EVENTS_HEADER).append('\n');
        for (TrainingEvent e : events) {
            s.append(e.kind().name()).append(',').append(e.epoch()).append(',').append(e.firstStep()).append(',')
                    .append(e.lastStep()).append(',').append(e.steps()).append(',')
                    .append(e.toStep() < 0 ? "" : Long.toString(e.toStep())).append(',').append(num(e.lrScale())).append(',')
                    .append('"').append(e.describe().replace("\"", "\"\"")).append('"').append('\n');
        }
        return s.toString();
    }

    /** A metric's cell: NaN written as {@code NaN} where the column applies to the run, else empty. */
    static String measured(double v, boolean applies) {
        return Double.isNaN(v) && applies ? "NaN" : num(v);
    }

    /** A cell: the shortest round-trip decimal, or empty for NaN. */
    public static String num(double v) {
        return Double.isNaN(v) ? "" : Double.toString(v);
    }
}
