package dev.kiln.schedule;

import java.util.List;
import java.util.OptionalDouble;

/**
 * Pieces one after another, each on its own clock (Optax {@code join_schedules}, PyTorch
 * {@code SequentialLR}): piece {@code i} is active for {@code starts[i] <= t < starts[i+1]} and sees
 * {@code t - starts[i]}. The piece is found by binary search, so every step costs the same.
 */
public final class Sequence implements Schedule, MomentumSource {
    private final Schedule[] pieces;
    private final long[] starts;

    /**
     * @param pieces the schedules, in order
     * @param starts the first step of each piece: {@code starts[0] == 0}, non-decreasing
     */
    public Sequence(List<? extends Schedule> pieces, long[] starts) {
        if (pieces.isEmpty()) throw new IllegalArgumentException("sequence: no pieces");
        if (starts.length != pieces.size())
            throw new IllegalArgumentException("sequence: " + pieces.size() + " pieces but " + starts.length + " starts");
        if (starts[0] != 0) throw new IllegalArgumentException("sequence: the first piece must start at 0, got " + starts[0]);
        for (int i = 1; i < starts.length; i++)
            if (starts[i] < starts[i - 1])
                throw new IllegalArgumentException("sequence: starts must not decrease, got " + starts[i - 1] + " then " + starts[i]);
        this.pieces = pieces.toArray(new Schedule[0]);
        this.starts = starts.clone();
    }

    /** The index of the piece active at {@code step}: the last {@code i} with {@code starts[i] <= step}. */
    public int pieceAt(long step) {
        int lo = 0, hi = starts.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (starts[mid] <= step) lo = mid; else hi = mid - 1;
        }
        return lo;
    }

    @Override
    public double at(long step) {
        int i = pieceAt(step);
        return pieces[i].at(step - starts[i]);
    }

    @Override
    public OptionalDouble momentum(long step) {
        int i = pieceAt(step);
        return MomentumSource.of(pieces[i], step - starts[i]);
    }
}
