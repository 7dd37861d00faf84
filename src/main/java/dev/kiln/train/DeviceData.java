package dev.kiln.train;

import dev.kiln.backend.Backend;
import dev.kiln.backend.DeviceBuffer;
import dev.kiln.backend.HostSharing;
import dev.kiln.data.Dataset;

/** A data set uploaded to the device once: features [rows, cols] and targets [rows, targetCols]. */
final class DeviceData implements AutoCloseable {
    final DeviceBuffer x, y;
    final int rows, cols, targetCols;
    final boolean classification;
    final String name;

    DeviceData(Backend b, Dataset d) {
        rows = d.rows();
        cols = d.cols();
        targetCols = d.targetCols();
        classification = d.isClassification();
        name = d.name();
        // Ops only read the data (gather), so a backend whose device memory is the heap shares the arrays
        // instead of holding a second copy of the data set.
        boolean share = b instanceof HostSharing && d.features().length == rows * cols && d.targets().length == rows * targetCols;
        DeviceBuffer fx = share ? ((HostSharing) b).shareReadOnly(d.features()) : b.alloc((long) rows * cols);
        try {
            y = share ? ((HostSharing) b).shareReadOnly(d.targets()) : b.alloc((long) rows * targetCols);
        } catch (RuntimeException e) {
            fx.close();
            throw e;
        }
        x = fx;
        if (!share) {
            b.upload(d.features(), 0, x, 0, rows * cols);
            b.upload(d.targets(), 0, y, 0, rows * targetCols);
        }
    }

    @Override
    public void close() {
        x.close();
        y.close();
    }
}
