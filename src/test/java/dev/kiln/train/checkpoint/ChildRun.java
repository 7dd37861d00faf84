package dev.kiln.train.checkpoint;

import dev.kiln.backend.Backend;
import dev.kiln.backend.Backends;
import dev.kiln.data.Dataset;
import dev.kiln.nn.Weights;
import dev.kiln.train.Interval;
import dev.kiln.train.Trainer;
import java.nio.file.Path;

/**
 * The child JVM of the kill-and-resume tests: trains {@link Runs}' run with checkpoints, sleeping after each
 * step, with SIGINT/SIGTERM handled as {@code kiln train} does (checkpoint, one line, exit 130/143).
 *
 * <p>Arguments: BACKEND CHECKPOINT_DIR EVERY SLEEP_MS MODEL_OUT.
 */
public final class ChildRun {
    private ChildRun() {}

    public static void main(String[] args) {
        String backend = args[0];
        Path dir = Path.of(args[1]);
        Interval every = Interval.parse(args[2]);
        long sleep = Long.parseLong(args[3]);
        Path out = Path.of(args[4]);
        Dataset.Split d = Runs.data();
        Checkpointing ck = new Checkpointing().every(every).directory(dir);
        int code = 0;
        try (Backend b = Backends.open(backend, -1, System.err);
             Trainer t = new Trainer(b, Runs.MODEL, Runs.config().callback(Runs.sleeping(sleep)).build())) {
            ck.attach(t);
            ck.fit(t, d.train(), d.test(), System.err);
            if (t.interruption().isPresent()) {
                System.err.println(t.interruption().get().message());
                code = t.interruption().get().exitCode();
            } else {
                Weights.save(Runs.MODEL, t.parameters(), out);
            }
        }
        System.err.flush();
        System.exit(code);
    }
}
