package dev.kiln.train;

import dev.kiln.data.Dataset;
import dev.kiln.schedule.BoundSchedule;
import dev.kiln.schedule.RunPlan;
import java.util.Arrays;

/**
 * The learning-rate range test (Smith 2017, "Cyclical Learning Rates for Training Neural Networks", sec. 3.3;
 * fastai's {@code lr_find}): train from the current weights for a few steps while the learning rate grows
 * exponentially, watch the smoothed loss, and suggest a rate from where it falls fastest.
 *
 * <p>Step i of n (0-based) runs at {@code lr_i = start * (end / start)^(i / (n - 1))}, so the first step uses
 * {@code start} and the last {@code end} (pytorch-lr-finder's ExponentialLR). The loss of step i is the
 * batch's mean loss before the update (what the forward pass saw), smoothed as fastai does:
 * <pre>
 *   avg_i = beta avg_{i-1} + (1 - beta) loss_i,   avg_{-1} = 0
 *   smooth_i = avg_i / (1 - beta^(i+1))            (bias correction, as Adam's)
 * </pre>
 * The sweep stops early when a loss is not finite or {@code smooth_i > divergence * min_{j<=i} smooth_j}
 * (fastai: 4). Suggestions, from the smoothed losses with fastai's trim (the first n/10 and the last 5
 * points dropped when enough remain):
 * <ul>
 *   <li>steepest: {@code lr_k} with {@code k = argmin (smooth_{k+1} - smooth_k) / (ln lr_{k+1} - ln lr_k)}, the
 *       steepest descent of the loss against log lr (fastai's {@code steep});</li>
 *   <li>minimum / 10: the rate of the lowest smoothed loss divided by 10 (fastai's {@code minimum});</li>
 *   <li>valley: fastai's default suggestion since 2.4 ({@code valley}, by ESRI): the longest run of points each
 *       lower than some point before it (a longest decreasing subsequence), and the rate half way into its
 *       second third: {@code idx = start + floor(len / 3) + floor(len / 6)}.</li>
 * </ul>
 *
 * <p>The sweep runs on a scratch {@link Trainer} on the same backend that starts from a copy of the given
 * trainer's weights, with fresh optimizer state, the given trainer's optimizer, batch size, seed, shuffling
 * and clipping; afterwards the given trainer is exactly as it was: its weights and optimizer state are read
 * before the sweep and put back after it (fastai saves and reloads the model the same way), so a sweep that
 * diverges cannot leak into the run that follows.
 */
public final class LrFinder {
    private LrFinder() {}

    /**
     * How to sweep.
     *
     * @param startLr    the first learning rate (> 0)
     * @param endLr      the last learning rate (> startLr)
     * @param steps      number of steps (>= 2)
     * @param beta       smoothing of the loss's moving average, in [0, 1) (fastai: 0.98)
     * @param divergence stop when the smoothed loss exceeds this multiple of its minimum (> 1; fastai: 4)
     */
    public record Sweep(double startLr, double endLr, int steps, double beta, double divergence) {
        /**
         * Checks the sweep: {@code 0 < startLr < endLr}, both finite, {@code steps >= 2}, beta in [0, 1), divergence >
         * 1.
         */
        public Sweep {
            if (!(startLr > 0) || Double.isInfinite(startLr)) throw new IllegalArgumentException("start lr must be > 0, got " + startLr);
            if (!(endLr > startLr) || Double.isInfinite(endLr))
                throw new IllegalArgumentException("end lr must be finite and > start lr " + startLr + ", got " + endLr);
            if (steps < 2) throw new IllegalArgumentException("steps must be >= 2, got " + steps);
            if (!(beta >= 0 && beta < 1)) throw new IllegalArgumentException("smoothing beta must be in [0, 1), got " + beta);
            if (!(divergence > 1)) throw new IllegalArgumentException("divergence factor must be > 1, got " + divergence);
        }

        /** fastai's defaults: 1e-7 to 10 over 100 steps, beta 0.98, stop at 4x the minimum. */
        public static Sweep defaults() { return new Sweep(1e-7, 10, 100, 0.98, 4); }

        /** The learning rate of step i: {@code start * (end / start)^(i / (steps - 1))}. */
        public double lr(long i) {
            return startLr * Math.pow(endLr / startLr, (double) i / (steps - 1));
        }
    }

    /**
     * What the sweep saw.
     *
     * @param lrs          the learning rate of each step run
     * @param losses       each step's batch loss (before its update)
     * @param smoothed     the bias-corrected moving average of the losses
     * @param diverged     whether the sweep stopped because the loss blew up
     * @param steepestLr   the rate of steepest descent of the smoothed loss (NaN with fewer than 2 finite points)
     * @param minimumLr    the rate of the lowest smoothed loss
     * @param minimumLrOver10 {@code minimumLr / 10}
     * @param windowed     whether the suggestions come from fastai's window (the first n/10 and the last 5 points
     *                     left out); false when the sweep was too short for it and every point was used
     * @param valleyLr     fastai's {@code valley} suggestion (NaN with no finite point)
     */
    public record Result(double[] lrs, double[] losses, double[] smoothed, boolean diverged,
                         double steepestLr, double minimumLr, double minimumLrOver10, boolean windowed, double valleyLr) {
        /** Steps run. */
        public int steps() { return lrs.length; }
    }

    /**
     * fastai's {@code valley} over the window [from, to) of the smoothed losses (its finite prefix), as
     * fastai 2.7 writes it, quirks included: {@code max_start} may come out at -1 and Python's lrs[-1] is then
     * the window's last rate.
     */
    static double valley(double[] lrs, double[] losses, int from, int to) {
        int n = 0;
        while (from + n < to && Double.isFinite(losses[from + n])) n++;
        if (n == 0) return Double.NaN;
        int[] lds = new int[n];
        java.util.Arrays.fill(lds, 1);
        int maxStart = 0, maxEnd = 0;
        for (int i = 1; i < n; i++) {
            for (int j = 0; j < i; j++) {
                if (losses[from + i] < losses[from + j] && lds[i] < lds[j] + 1) lds[i] = lds[j] + 1;
                if (lds[maxEnd] < lds[i]) {
                    maxEnd = i;
                    maxStart = maxEnd - lds[maxEnd];
                }
            }
        }
        double sections = (maxEnd - maxStart) / 3.0;
        int idx = maxStart + (int) sections + (int) (sections / 2);
        if (idx < 0) idx += n;
        return lrs[from + idx];
    }

    /**
     * Runs the sweep on {@code train} from {@code trainer}'s current weights and leaves {@code trainer} as it
     * was (weights and optimizer state restored).
     */
    public static Result find(Trainer trainer, Dataset train, Sweep sweep) {
        float[] weights = trainer.parameters();
        float[][] state = trainer.optimizerState();
        try {
            return sweep(trainer, weights, train, sweep);
        } finally {
            trainer.setParameters(weights);
            trainer.setOptimizerState(state);
        }
    }

    private static Result sweep(Trainer trainer, float[] weights, Dataset train, Sweep sweep) {
        TrainConfig base = trainer.config();
        RunPlan plan = RunPlan.of(train.rows(), base.batchSize(), 1);
        int epochs = (int) ((sweep.steps() + plan.stepsPerEpoch() - 1) / plan.stepsPerEpoch());
        double baseLr = base.optimizer().lr();
        Recorder rec = new Recorder(sweep);
        // lr = optimizer.lr() * factor(step): the factor carries the sweep
        BoundSchedule exp = BoundSchedule.of("lr range test " + sweep.startLr() + " .. " + sweep.endLr(),
                step -> sweep.lr(step) / baseLr);
        TrainConfig cfg = TrainConfig.builder().epochs(epochs).batchSize(base.batchSize()).seed(base.seed())
                .shuffle(base.shuffle()).optimizer(base.optimizer()).schedule(exp)
                .clipNorm(base.clipNorm()).clipValue(base.clipValue())
                .guard(NonFiniteGuard.SKIP)      // a NaN step ends the sweep through the recorder, not an exception
                .evalBatchSize(base.evalBatchSize()).callback(rec).build();
        try (Trainer scratch = new Trainer(trainer.backend(), trainer.model(), cfg)) {
            scratch.setParameters(weights);
            scratch.fit(train);
        }
        return rec.result();
    }

    /** Records every step's loss (one small read-back per step) and stops the sweep. */
    private static final class Recorder implements Callback {
        final Sweep sweep;
        final double[] lrs, losses, smoothed;
        int n;
        double avg, best = Double.POSITIVE_INFINITY;
        boolean diverged;

        Recorder(Sweep sweep) {
            this.sweep = sweep;
            lrs = new double[sweep.steps()];
            losses = new double[sweep.steps()];
            smoothed = new double[sweep.steps()];
        }

        @Override public int logEvery() { return 1; }

        @Override
        public void onLog(StepLog log, TrainingContext ctx) {
            if (n >= lrs.length) return;
            int i = n++;
            double loss = log.loss();
            lrs[i] = log.lr();
            losses[i] = loss;
            avg = sweep.beta() * avg + (1 - sweep.beta()) * loss;
            smoothed[i] = avg / (1 - Math.pow(sweep.beta(), i + 1));
            if (smoothed[i] < best) best = smoothed[i];
            if (!Double.isFinite(loss) || smoothed[i] > sweep.divergence() * best) {
                diverged = true;
                ctx.stop("lr range test: the loss diverged at lr " + lrs[i]);
            } else if (n == lrs.length) {
                ctx.stop("lr range test: done");
            }
        }

        Result result() {
            double[] l = Arrays.copyOf(lrs, n), raw = Arrays.copyOf(losses, n), s = Arrays.copyOf(smoothed, n);
            int from = 0, to = n;
            // fastai suggests from recorder values [num_it // 10 : -5]; keep the whole range when that leaves < 2
            if (sweep.steps() / 10 + 5 + 2 <= n) {
                from = sweep.steps() / 10;
                to = n - 5;
            }
            double steepest = Double.NaN, bestGrad = Double.POSITIVE_INFINITY;
            int minAt = -1;
            for (int k = from; k < to; k++) {
                if (Double.isFinite(s[k]) && (minAt < 0 || s[k] < s[minAt])) minAt = k;
                if (k + 1 < to && Double.isFinite(s[k]) && Double.isFinite(s[k + 1])) {
                    double g = (s[k + 1] - s[k]) / (Math.log(l[k + 1]) - Math.log(l[k]));
                    if (g < bestGrad) {
                        bestGrad = g;
                        steepest = l[k];
                    }
                }
            }
            double min = minAt < 0 ? Double.NaN : l[minAt];
            return new Result(l, raw, s, diverged, steepest, min, min / 10, from > 0 || to < n, valley(l, s, from, to));
        }
    }
}
