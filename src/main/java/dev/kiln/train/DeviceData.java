package dev.kiln.train;

import dev.kiln.backend.Backend;
import dev.kiln.backend.DeviceBuffer;
import dev.kiln.backend.HostSharing;
import dev.kiln.data.Dataset;

/**
 * A data set uploaded to the device once: features [rows, cols] and targets, either float rows [rows,
 * targetCols] or, for a set of integer labels, one int per row ({@link #labels}) that
 * {@link Backend#gatherOneHot} expands batch by batch (64 MiB less for the wide benchmark's 1,024 classes).
 * A two-class set for a one-unit model holds one float per row, the probability of class 1 ({@link Targets}).
 */
final class DeviceData implements AutoCloseable {
    final DeviceBuffer x, y;
    /** For integer labels: the row numbers 0..rows-1, so evaluation can expand consecutive rows; else null. */
    final DeviceBuffer iota;
    final int rows, cols, targetCols;
    final boolean classification, labels;
    final String name;

    /** Uploads {@code d} for a model with {@code outputs} units. */
    DeviceData(Backend b, Dataset d, int outputs) {
        rows = d.rows();
        cols = d.cols();
        boolean binary = Targets.binary(d, outputs);
        targetCols = binary ? 1 : d.targetCols();
        classification = d.isClassification();
        name = d.name();
        int[] l = binary ? null : d.integerLabels();
        labels = l != null;
        // Ops only read the data (gather, gatherOneHot), so a backend whose device memory is the heap shares
        // the arrays instead of holding a second copy of the data set.
        HostSharing share = b instanceof HostSharing h && d.features().length == rows * cols ? h : null;
        java.util.List<DeviceBuffer> made = new java.util.ArrayList<>(3);
        try {
            x = made(made, share != null ? share.shareReadOnly(d.features()) : b.alloc((long) rows * cols));
            if (share == null) b.upload(d.features(), 0, x, 0, rows * cols);
            if (labels) {
                y = made(made, share != null ? share.shareReadOnly(l) : b.allocInt(rows));
                if (share == null) b.uploadInt(l, 0, y, 0, rows);
                int[] seq = new int[rows];
                for (int r = 0; r < rows; r++) seq[r] = r;
                iota = made(made, b.allocInt(rows));
                b.uploadInt(seq, 0, iota, 0, rows);
            } else {
                float[] t = binary ? Targets.binaryColumn(d) : d.targets();
                y = made(made, share != null ? share.shareReadOnly(t) : b.alloc((long) rows * targetCols));
                if (share == null) b.upload(t, 0, y, 0, rows * targetCols);
                iota = null;
            }
        } catch (RuntimeException e) {
            for (DeviceBuffer m : made) m.close();
            throw e;
        }
    }

    private static DeviceBuffer made(java.util.List<DeviceBuffer> made, DeviceBuffer buf) {
        made.add(buf);
        return buf;
    }

    /** Targets of rows {@code idx[idxOff .. idxOff + n)} into {@code dst} ([n, targetCols] floats). */
    void gatherTargets(Backend b, DeviceBuffer idx, int idxOff, int n, DeviceBuffer dst) {
        if (labels) b.gatherOneHot(y, idx, idxOff, n, targetCols, dst);
        else b.gather(y, targetCols, idx, idxOff, n, dst);
    }

    /** Targets of the consecutive rows [from, from + n) into {@code dst}. */
    void copyTargets(Backend b, int from, int n, DeviceBuffer dst) {
        if (labels) b.gatherOneHot(y, iota, from, n, targetCols, dst);
        else b.copy(y, (long) from * targetCols, dst, 0, (long) n * targetCols);
    }

    @Override
    public void close() {
        x.close();
        y.close();
        if (iota != null) iota.close();
    }
}
