package dev.kiln.schedule;

import java.util.Arrays;

/**
 * Piecewise constant at milestones, PyTorch {@code MultiStepLR(milestones, gamma)}: with
 * {@code k(t) = #{m in milestones : m <= t}} (bisect_right, a repeated milestone counts twice),
 * {@code f(t) = gamma^k(t)}, or {@code values[k(t)]} when explicit levels are given (Keras
 * {@code PiecewiseConstantDecay} with PyTorch's boundary). The new value starts <em>at</em> {@code t == m};
 * Keras starts it one step later ({@code m + 1}).
 */
public final class MultiStep implements Schedule {
    private final long[] milestones;
    private final double[] levels;

    private MultiStep(long[] milestones, double[] levels) {
        this.milestones = milestones;
        this.levels = levels;
    }

    /** {@code gamma^k(t)}. */
    public static MultiStep gamma(long[] milestones, double gamma) {
        Checks.positive("multistep: gamma", gamma);
        long[] m = sorted(milestones);
        double[] levels = new double[m.length + 1];
        for (int k = 0; k < levels.length; k++) levels[k] = Math.pow(gamma, k);
        return new MultiStep(m, levels);
    }

    /** {@code values[k(t)]}; {@code values} has one more entry than {@code milestones}. */
    public static MultiStep values(long[] milestones, double[] values) {
        if (values.length != milestones.length + 1)
            throw new IllegalArgumentException("multistep: values needs " + (milestones.length + 1)
                    + " entries (one more than the " + milestones.length + " milestones), got " + values.length);
        for (double v : values) Checks.finite("multistep: values", v);
        return new MultiStep(sorted(milestones), values.clone());
    }

    private static long[] sorted(long[] milestones) {
        if (milestones.length == 0) throw new IllegalArgumentException("multistep: needs at least one milestone");
        for (long m : milestones) if (m < 0) throw new IllegalArgumentException("multistep: milestone " + m + " < 0");
        long[] m = milestones.clone();
        Arrays.sort(m);
        return m;
    }

    /** The sorted milestones, in steps. */
    public long[] milestones() {
        return milestones.clone();
    }

    @Override
    public double at(long step) {
        // bisect_right: the number of milestones <= step
        int lo = 0, hi = milestones.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (milestones[mid] <= step) lo = mid + 1; else hi = mid;
        }
        return levels[lo];
    }
}
