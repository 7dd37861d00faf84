package dev.kiln.cli;

import dev.kiln.report.EpochTable;
import dev.kiln.train.Callback;
import dev.kiln.train.EpochResult;
import dev.kiln.train.History;
import dev.kiln.train.TrainingContext;
import java.io.PrintWriter;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/**
 * What a run shows while it trains. On a terminal ({@code System.console() != null}) a progress bar
 * (me.tongfei.progressbar) that advances every step and shows the last epoch's numbers, then the epoch table;
 * elsewhere (a pipe, a file, CI) plain lines, one per epoch as it ends, that a log keeps readable; with
 * {@code --quiet} or {@code --json}, nothing. The step hook only moves
 * a counter: it never reads the device, so showing progress does not slow training.
 */
final class Progress implements Callback, AutoCloseable {
    /** How progress is shown. */
    enum Mode { SILENT, LINES, BAR }

    /** The mode for a command's output flags and the current terminal. */
    static Mode mode(boolean quiet, boolean json) {
        if (quiet || json) return Mode.SILENT;
        return System.console() != null ? Mode.BAR : Mode.LINES;
    }

    private final Mode mode;
    private final PrintWriter out;
    private final String label;
    private final boolean perEpoch;
    private ProgressBar bar;
    private int epochs;

    /**
     * @param mode     how to show progress
     * @param out      where lines go
     * @param label    the run's label (a compare variant), or null
     * @param perEpoch true: the epoch table, live line by line, or after the bar on a terminal, as {@code kiln train};
     *                 false: no table, as each variant of {@code kiln compare}, which prints one for all at the end
     */
    Progress(Mode mode, PrintWriter out, String label, boolean perEpoch) {
        this.mode = mode;
        this.out = out;
        this.label = label;
        this.perEpoch = perEpoch;
    }

    @Override
    public void onTrainBegin(TrainingContext ctx) {
        epochs = ctx.config().epochs();
        if (mode == Mode.LINES && perEpoch) {
            out.println(EpochTable.header());
            out.flush();
        } else if (mode == Mode.BAR) {
            bar = newBar(label == null ? "train" : label, ctx.plan().totalSteps());
        }
    }

    @Override
    public void onStep(long step, double lr, TrainingContext ctx) {
        if (bar != null) bar.stepTo(step + 1);
    }

    @Override
    public void onEpochEnd(EpochResult r, TrainingContext ctx) {
        if (mode == Mode.LINES && perEpoch) {
            out.println(EpochTable.row(r));
            out.flush();
        } else if (bar != null) {
            bar.setExtraMessage(String.format(Locale.ROOT, "epoch %d/%d %s", r.epoch() + 1, epochs, summary(r, true)));
        }
    }

    @Override
    public void onTrainEnd(History history, TrainingContext ctx) {
        boolean hadBar = bar != null;
        closeBar();
        if (hadBar && perEpoch) {
            // the bar showed the latest epoch; the whole table follows it
            out.println(EpochTable.header());
            for (EpochResult r : history.epochs()) out.println(EpochTable.row(r));
            out.flush();
        }
    }

    @Override
    public void close() {
        closeBar();
    }

    private void closeBar() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }

    private ProgressBar newBar(String task, long max) {
        out.flush();
        return new ProgressBarBuilder().setTaskName(task).setInitialMax(max).setUpdateIntervalMillis(200)
                .setConsumer(new ConsoleProgressBarConsumer(System.out)).clearDisplayOnFinish().build();
    }

    /** Four decimals, or scientific from 1e6 on (a diverged loss of 3.4e29 was 36 digits). */
    static String four(double v) {
        return String.format(Locale.ROOT, Math.abs(v) >= 1e6 ? "%.4e" : "%.4f", v);
    }

    /** The epoch's numbers in one line. */
    static String summary(EpochResult r) {
        return summary(r, false);
    }

    /** The epoch's numbers; {@code compact} for a bar's message, which shares a terminal line with the bar. */
    static String summary(EpochResult r, boolean compact) {
        StringBuilder s = new StringBuilder("loss ").append(four(r.loss()));
        if (!Double.isNaN(r.accuracy())) s.append(String.format(Locale.ROOT, " acc %.4f", r.accuracy()));
        if (r.hasValidation() || !Double.isNaN(r.valAccuracy())) {     // a diverged model's val_loss is NaN, and shown
            if (compact) {
                s.append(" val ").append(four(r.valLoss()));
                if (!Double.isNaN(r.valAccuracy())) s.append(String.format(Locale.ROOT, "/%.4f", r.valAccuracy()));
            } else {
                s.append(" val_loss ").append(four(r.valLoss()));
                if (!Double.isNaN(r.valAccuracy())) s.append(String.format(Locale.ROOT, " val_acc %.4f", r.valAccuracy()));
            }
        }
        return compact ? s.toString() : s.append(" lr ").append(EpochTable.significant(r.lr())).toString();
    }
}
