package dev.kiln.report;

import dev.kiln.train.EpochResult;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.List;
import java.util.Locale;

/**
 * The terminal tables of training runs: one line per epoch for {@code kiln train}, and for
 * {@code kiln compare} one line per epoch with every variant's loss, accuracy, validation loss and
 * accuracy and learning rate side by side. Values that do not apply print as {@code -}.
 */
public final class EpochTable {
    private EpochTable() {}

    private static final String COLUMNS = "%9s %8s %9s %8s %11s";

    /** The header of {@link #row}. */
    public static String header() {
        return String.format(Locale.ROOT, "%5s %7s  " + COLUMNS + " %9s", "epoch", "step", "loss", "acc", "val_loss", "val_acc", "lr", "seconds");
    }

    /** One epoch of one run. */
    public static String row(EpochResult r) {
        return String.format(Locale.ROOT, "%5d %7d  %s %9.3f", r.epoch(), r.lastStep(), cells(r), r.seconds());
    }

    /**
     * The side-by-side table of several runs: a line of run names, a line of column names, then one line per
     * epoch (runs that stopped early leave their cells empty).
     */
    public static String compare(List<String> names, List<List<EpochResult>> runs) {
        if (names.size() != runs.size()) throw new IllegalArgumentException(names.size() + " names for " + runs.size() + " runs");
        int width = String.format(Locale.ROOT, COLUMNS, "", "", "", "", "").length();
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%5s", ""));
        StringBuilder cols = new StringBuilder(String.format(Locale.ROOT, "%5s", "epoch"));
        int epochs = 0;
        for (int v = 0; v < names.size(); v++) {
            String name = names.get(v);
            if (name.length() > width) name = name.substring(0, width - 1) + "~";
            s.append(" | ").append(String.format(Locale.ROOT, "%-" + width + "s", name));
            cols.append(" | ").append(String.format(Locale.ROOT, COLUMNS, "loss", "acc", "val_loss", "val_acc", "lr"));
            epochs = Math.max(epochs, runs.get(v).size());
        }
        s.setLength(s.toString().stripTrailing().length());
        s.append('\n').append(cols).append('\n');
        for (int e = 0; e < epochs; e++) {
            s.append(String.format(Locale.ROOT, "%5d", e));
            for (List<EpochResult> run : runs)
                s.append(" | ").append(e < run.size() ? cells(run.get(e)) : String.format(Locale.ROOT, "%" + width + "s", ""));
            s.append('\n');
        }
        return s.toString();
    }

    private static String cells(EpochResult r) {
        // "-" where a value does not apply; a measured NaN (a diverged model's loss, its val_loss beside a val_acc) says NaN
        String loss = Double.isNaN(r.loss()) ? "NaN" : fixed(r.loss(), 5);
        String valLoss = Double.isNaN(r.valLoss()) && !Double.isNaN(r.valAccuracy()) ? "NaN" : fixed(r.valLoss(), 5);
        return String.format(Locale.ROOT, COLUMNS, loss, fixed(r.accuracy(), 4), valLoss, fixed(r.valAccuracy(), 4), significant(r.lr()));
    }

    static String fixed(double v, int decimals) {
        if (Double.isNaN(v)) return "-";
        // within the column's width (decimals + 4: 9 for a loss): fewer decimals for a regression loss of 1005.71833,
        // scientific for a diverging 5.36e31 (38 characters in fixed notation pushed the row out of its columns)
        int width = decimals + 4;
        for (int d = decimals; d >= 0; d--) {
            String s = String.format(Locale.ROOT, "%." + d + "f", v);
            if (s.length() <= width) return s;
        }
        return String.format(Locale.ROOT, "%.3e", v);
    }

    /** Up to 6 significant digits without trailing zeros: 0.01, 0.004096, 1e-07. */
    public static String significant(double v) {
        if (Double.isNaN(v)) return "-";
        if (v == 0 || Double.isInfinite(v)) return v == 0 ? "0" : Double.toString(v);
        BigDecimal d = new BigDecimal(v).round(new MathContext(6)).stripTrailingZeros();
        double a = Math.abs(v);
        return a >= 1e-4 && a < 1e6 ? d.toPlainString() : String.format(Locale.ROOT, "%.6g", v).replaceAll("\\.?0+e", "e");
    }
}
