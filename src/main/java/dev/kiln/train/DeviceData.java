package dev.kiln.train;

import dev.kiln.backend.Backend;
import dev.kiln.backend.DeviceBuffer;
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
        DeviceBuffer fx = b.alloc((long) rows * cols);
        try {
            y = b.alloc((long) rows * targetCols);
        } catch (RuntimeException e) {
            fx.close();
            throw e;
        }
        x = fx;
        b.upload(d.features(), 0, x, 0, rows * cols);
        b.upload(d.targets(), 0, y, 0, rows * targetCols);
    }

    @Override
    public void close() {
        x.close();
        y.close();
    }
}
