package dev.kiln.train;

import dev.kiln.backend.Activation;
import dev.kiln.backend.Backend;
import dev.kiln.data.Dataset;
import dev.kiln.data.Synthetic;
import dev.kiln.nn.Loss;
import dev.kiln.nn.Model;
import dev.kiln.optim.Sgd;
import dev.kiln.schedule.BoundSchedule;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Kiln's training benchmark, the same three workloads as {@code shared/bench/torch_bench.py}: ReLU MLPs
 * with a softmax cross-entropy output, SGD with momentum 0.9 at lr 0.01 with a step decay
 * {@code 0.5^floor(step / (10 * stepsPerEpoch))} evaluated every step, on synthetic standard-normal
 * features with uniform random labels, each epoch a fresh seeded permutation, the last partial batch kept.
 * Untimed warm-up epochs come first (JIT, caches), then whole epochs are timed, each ending in a device
 * sync (the epoch's stats read-back). The training loop is {@link Trainer#fit} itself.
 *
 * <p>Reported: samples/s, ms per step, GFLOP/s counted as 6 P B per step (forward 2PB, backward 4PB;
 * P = parameters, B = rows), and peak memory: the JVM heap's peak and the process's resident-set
 * high-water mark (VmHWM of /proc/self/status, reset at the start when the kernel allows).
 */
public final class Bench {
    private Bench() {}

    /**
     * A workload: layer widths (input first), batch size and training rows.
     *
     * @param name   the name {@code kiln bench} uses
     * @param widths input width, hidden widths, output width
     * @param batch  rows per step
     * @param rows   training rows
     */
    public record Workload(String name, int[] widths, int batch, int rows) {
        /** Checks that there are at least two widths (input and output) and that {@code 1 <= batch <= rows}. */
        public Workload {
            if (widths.length < 2) throw new IllegalArgumentException("workload " + name + ": needs an input and an output width");
            if (batch < 1 || rows < batch) throw new IllegalArgumentException("workload " + name + ": batch " + batch + " and rows " + rows);
        }

        /** The model: ReLU hidden layers, softmax output, softmax cross-entropy. */
        public Model model() {
            Model.Builder b = Model.builder().input(widths[0]);
            for (int i = 1; i < widths.length - 1; i++) b.dense(widths[i], Activation.RELU);
            return b.dense(widths[widths.length - 1], Activation.SOFTMAX).loss(Loss.SOFTMAX_CROSS_ENTROPY).build();
        }

        /** The same network on another number of rows (for quick runs). */
        public Workload withRows(int newRows) { return new Workload(name, widths, batch, newRows); }

        /** e.g. {@code 784-512-512-10}. */
        public String shape() {
            StringBuilder s = new StringBuilder();
            for (int i = 0; i < widths.length; i++) s.append(i == 0 ? "" : "-").append(widths[i]);
            return s.toString();
        }
    }

    /** The article's network: 3-9-9-9-3, batch 50, 1000 rows. */
    public static final Workload SEED = new Workload("seed", new int[] {3, 9, 9, 9, 3}, 50, 1000);
    /** An MNIST-sized MLP: 784-512-512-10, batch 128, 60000 rows. */
    public static final Workload MNIST_MLP = new Workload("mnist-mlp", new int[] {784, 512, 512, 10}, 128, 60000);
    /** A GEMM-bound network: 1024-4096-4096-1024, batch 512, 16384 rows. */
    public static final Workload WIDE = new Workload("wide", new int[] {1024, 4096, 4096, 1024}, 512, 16384);

    /** The three standard workloads. */
    public static List<Workload> workloads() { return List.of(SEED, MNIST_MLP, WIDE); }

    /** A standard workload by name (seed, mnist-mlp, wide). */
    public static Workload workload(String name) {
        for (Workload w : workloads()) if (w.name().equals(name.trim().toLowerCase(Locale.ROOT))) return w;
        throw new IllegalArgumentException("unknown workload '" + name + "' (known: seed, mnist-mlp, wide)");
    }

    /**
     * The measurement of one run.
     *
     * @param workload          the workload's name
     * @param shape             its layer widths
     * @param backend           the backend's name
     * @param device            the backend's device
     * @param batch             rows per step
     * @param rows              training rows
     * @param parameters        P
     * @param warmupEpochs      untimed epochs
     * @param timedEpochs       timed epochs
     * @param timedSteps        steps in the timed epochs
     * @param seconds           wall time of the timed epochs
     * @param samplesPerSecond  rows trained per second
     * @param msPerStep         milliseconds per step
     * @param gflops            6 P samples/s / 1e9
     * @param peakHeapBytes     sum of the heap pools' peak usage during the run
     * @param peakRssBytes      VmHWM of the process (-1 where /proc is absent)
     * @param finalLoss         the last timed epoch's training loss (a sanity value: about log(classes))
     */
    public record Result(String workload, String shape, String backend, String device, int batch, int rows, long parameters,
                         int warmupEpochs, int timedEpochs, long timedSteps, double seconds, double samplesPerSecond,
                         double msPerStep, double gflops, long peakHeapBytes, long peakRssBytes, double finalLoss) {
        /** One line for people. */
        public String summary() {
            return String.format(Locale.ROOT, "%s (%s, batch %d) on %s: %.0f samples/s, %.3f ms/step, %.2f GFLOP/s, peak heap %d MiB, peak RSS %s",
                    workload, shape, batch, backend, samplesPerSecond, msPerStep, gflops, peakHeapBytes >> 20,
                    peakRssBytes < 0 ? "n/a" : (peakRssBytes >> 20) + " MiB");
        }
    }

    /** Runs {@code w} on {@code backend}: {@code warmupEpochs} untimed, then {@code timedEpochs} timed. */
    public static Result run(Backend backend, Workload w, int warmupEpochs, int timedEpochs, long seed) {
        if (warmupEpochs < 0 || timedEpochs < 1)
            throw new IllegalArgumentException("bench: need warm-up epochs >= 0 and timed epochs >= 1, got " + warmupEpochs + ", " + timedEpochs);
        resetPeaks();
        Model model = w.model();
        Dataset data = Synthetic.randomClassification(w.rows(), w.widths()[0], w.widths()[w.widths().length - 1], seed);
        long stepsPerEpoch = (w.rows() + w.batch() - 1) / w.batch();
        double decayEvery = 10.0 * stepsPerEpoch;
        List<EpochResult> timed = new ArrayList<>();
        Callback timer = new Callback() {
            @Override public void onEpochEnd(EpochResult r, TrainingContext ctx) {
                if (r.epoch() >= warmupEpochs) timed.add(r);
            }
        };
        TrainConfig config = TrainConfig.builder().epochs(warmupEpochs + timedEpochs).batchSize(w.batch()).seed(seed)
                .optimizer(Sgd.momentum(0.01, 0.9))
                .schedule(BoundSchedule.of("step-decay 0.5 every 10 epochs", s -> Math.pow(0.5, Math.floor(s / decayEvery))))
                .guard(NonFiniteGuard.OFF).callback(timer).build();
        try (Trainer t = new Trainer(backend, model, config)) {
            t.fit(data);
        }
        double seconds = 0;
        for (EpochResult r : timed) seconds += r.seconds();
        long steps = stepsPerEpoch * timedEpochs;
        double samples = (double) w.rows() * timedEpochs;
        double sps = samples / seconds;
        long p = model.parameterCount();
        return new Result(w.name(), w.shape(), backend.name(), backend.device(), w.batch(), w.rows(), p, warmupEpochs, timedEpochs,
                steps, seconds, sps, seconds * 1000 / steps, 6.0 * p * sps / 1e9, peakHeap(), peakRss(),
                timed.get(timed.size() - 1).loss());
    }

    private static void resetPeaks() {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) pool.resetPeakUsage();
        try {
            // "5" resets the resident-set high-water mark (proc(5), /proc/[pid]/clear_refs, Linux >= 4.0)
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException | UnsupportedOperationException | SecurityException ignored) {
            // not Linux, or not permitted: VmHWM then covers the whole process
        }
    }

    private static long peakHeap() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans())
            if (pool.getType() == MemoryType.HEAP) sum += pool.getPeakUsage().getUsed();
        return sum;
    }

    /** VmHWM of /proc/self/status in bytes, or -1 when it cannot be read. */
    static long peakRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.US_ASCII)) {
                if (line.startsWith("VmHWM:")) {
                    String[] f = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(f[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // no /proc (not Linux): reported as n/a
        }
        return -1;
    }
}
