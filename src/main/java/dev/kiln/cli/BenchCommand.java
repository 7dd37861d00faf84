package dev.kiln.cli;

import dev.kiln.backend.Backend;
import dev.kiln.report.Json;
import dev.kiln.train.Bench;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code kiln bench}: training speed on the standard workloads of {@link Bench} (seed 3-9-9-9-3, mnist-mlp
 * 784-512-512-10, wide 1024-4096-4096-1024): samples per second, milliseconds per step, GFLOP/s (6 P B per
 * step) and peak memory, after untimed warm-up epochs.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measure training speed: samples/s, ms per step, GFLOP/s, peak memory.", ""},
        footer = {"",
            "Workloads (ReLU MLPs, softmax cross-entropy, SGD momentum 0.9, random data):",
            "  seed       3-9-9-9-3,           batch 50,  1000 rows",
            "  mnist-mlp  784-512-512-10,      batch 128, 60000 rows",
            "  wide       1024-4096-4096-1024, batch 512, 16384 rows",
            "",
            "Examples:",
            "  kiln bench --workload seed",
            "  kiln bench --workload all --backend cuda --json > bench.json",
            "  kiln bench --workload mnist-mlp --backend cpu --rows 6000 --epochs 2"})
final class BenchCommand extends KilnCommand {
    @Option(names = "--workload", paramLabel = "NAME", defaultValue = "seed", order = 1,
            description = "seed, mnist-mlp, wide or all (default: ${DEFAULT-VALUE}).")
    String workload;

    @Option(names = "--warmup", paramLabel = "N", order = 2,
            description = "Untimed epochs first (default: 500 when an epoch is under a GFLOP of work, as seed, so the JIT has compiled the step; 1 for the others).")
    Integer warmup;

    @Option(names = "--epochs", paramLabel = "N", order = 3,
            description = "Timed epochs (default: 500 when an epoch is under a GFLOP of work, as seed; 1 for the others, as the PyTorch side).")
    Integer epochs;

    @Option(names = "--rows", paramLabel = "N", order = 4, description = "Training rows instead of the workload's (a quicker run).")
    Integer rows;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", order = 5, description = "Seeds the data and weights (default: ${DEFAULT-VALUE}).")
    long seed;

    @Mixin BackendChoice backendChoice;

    @Option(names = "--json", order = 20, description = "Print the results as JSON.")
    boolean json;

    @Override
    protected int run() {
        if (warmup != null && warmup < 0) throw CliException.usage("--warmup: must be >= 0, got " + warmup);
        if (epochs != null && epochs < 1) throw CliException.usage("--epochs: must be >= 1, got " + epochs);
        List<Bench.Workload> ws = new ArrayList<>();
        if (workload.strip().equalsIgnoreCase("all")) ws.addAll(Bench.workloads());
        else {
            try {
                ws.add(Bench.workload(workload));
            } catch (IllegalArgumentException e) {
                throw CliException.usage("--workload", e);
            }
        }
        if (rows != null) {
            List<Bench.Workload> resized = new ArrayList<>();
            for (Bench.Workload w : ws) {
                try {
                    resized.add(w.withRows(rows));
                } catch (IllegalArgumentException e) {
                    throw CliException.usage("--rows: " + rows + " rows is fewer than the batch of " + w.batch() + " (" + w.name() + ")");
                }
            }
            ws = resized;
        }
        List<Bench.Result> results = new ArrayList<>();
        try (Backend backend = openBackend(backendChoice.name(), backendChoice.index(), "--backend", json)) {
            if (!json) {
                out().println("kiln bench on " + backend.name() + " (" + backend.device() + ")");
                out().println(String.format(Locale.ROOT, "%-10s %-20s %6s %12s %10s %10s %10s %10s", "workload", "shape", "batch",
                        "samples/s", "ms/step", "GFLOP/s", "heap MiB", "RSS MiB"));
                out().flush();
            }
            for (Bench.Workload w : ws) {
                // A 20-step seed epoch is over long before the JIT has compiled the step (it needs about a second:
                // 20 warm-up and 200 timed epochs measured 594,000-761,000 samples/s, 500 + 500 measured
                // 1,250,000-1,410,000): warm up for 500 epochs, then time 500 as the PyTorch side does; the
                // bigger workloads one epoch after one warm-up.
                long params = 0;
                for (int i = 1; i < w.widths().length; i++) params += (long) w.widths()[i - 1] * w.widths()[i] + w.widths()[i];
                boolean tiny = 6.0 * params * w.rows() < 1e9;     // an epoch of under a GFLOP: seed, not wide

                int warm = warmup != null ? warmup : tiny ? 500 : 1;
                int timedEpochs = epochs != null ? epochs : tiny ? 500 : 1;
                Bench.Result r = Bench.run(backend, w, warm, timedEpochs, seed);
                results.add(r);
                if (!json) {
                    out().println(String.format(Locale.ROOT, "%-10s %-20s %6d %12.0f %10.3f %10.2f %10d %10s", r.workload(), r.shape(),
                            r.batch(), r.samplesPerSecond(), r.msPerStep(), r.gflops(), r.peakHeapBytes() >> 20,
                            r.peakRssBytes() < 0 ? "n/a" : Long.toString(r.peakRssBytes() >> 20)));
                    out().flush();
                }
            }
        }
        if (json) out().print(Json.text(results));
        return Main.OK;
    }
}
