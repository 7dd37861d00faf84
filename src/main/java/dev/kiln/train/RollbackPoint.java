package dev.kiln.train;

import dev.kiln.backend.Backend;
import dev.kiln.backend.DeviceBuffer;
import dev.kiln.backend.Stats;
import java.util.Map;

/**
 * The last good state for {@link NonFiniteGuard#ROLLBACK}: device-side copies ({@link Backend#copy}, no host
 * transfer) of the parameters, the optimizer state and the stats accumulators, and the host counters that
 * go with them. Allocated once, on the first snapshot, and overwritten by each later one.
 */
final class RollbackPoint implements AutoCloseable {
    private final Backend b;
    private final DeviceBuffer param, stats;
    private final DeviceBuffer[] state;
    private final long n;

    long step, dropoutCounter, skipped;
    int epoch, stepInEpoch, epochsRecorded;
    Map<String, Object> schedule;
    double muProduct;

    RollbackPoint(Backend b, DeviceNetwork net) {
        this.b = b;
        this.n = net.params;
        DeviceBuffer p = b.alloc(n), s = null;
        DeviceBuffer[] st = new DeviceBuffer[net.state.length];
        try {
            s = b.alloc(Stats.SIZE);
            for (int i = 0; i < st.length; i++) st[i] = b.alloc(n);
        } catch (RuntimeException e) {
            p.close();
            if (s != null) s.close();
            for (DeviceBuffer d : st) if (d != null) d.close();
            throw e;
        }
        param = p;
        stats = s;
        state = st;
    }

    /** Copies the network's parameters, optimizer state and accumulators into the snapshot. */
    void take(DeviceNetwork net) {
        b.copy(net.param, 0, param, 0, n);
        for (int i = 0; i < state.length; i++) b.copy(net.state[i], 0, state[i], 0, n);
        b.copy(net.stats, 0, stats, 0, Stats.SIZE);
    }

    /** Copies them back. */
    void restore(DeviceNetwork net) {
        b.copy(param, 0, net.param, 0, n);
        for (int i = 0; i < state.length; i++) b.copy(state[i], 0, net.state[i], 0, n);
        b.copy(stats, 0, net.stats, 0, Stats.SIZE);
    }

    @Override
    public void close() {
        param.close();
        stats.close();
        for (DeviceBuffer d : state) d.close();
    }
}
