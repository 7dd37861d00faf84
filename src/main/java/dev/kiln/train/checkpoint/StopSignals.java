package dev.kiln.train.checkpoint;

import dev.kiln.train.Trainer;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Turns SIGINT (Ctrl-C) and SIGTERM ({@code kill}, a batch scheduler's preemption) into
 * {@link Trainer#requestStop}: the trainer finishes the step in progress, writes a checkpoint there and
 * returns, and the caller prints {@link dev.kiln.train.Interruption#message()} and exits with 130 or 143.
 * A second signal while that is under way exits at once (128 + the signal number), without a checkpoint.
 * Closing restores the handlers that were there before.
 *
 * <p>Uses {@code sun.misc.Signal} (module jdk.unsupported, present in every OpenJDK), the only way in Java
 * to keep the JVM alive after SIGTERM; where it cannot be installed (another platform), the JVM's own
 * handling stays and nothing else changes.
 */
public final class StopSignals implements AutoCloseable {
    private final List<Signal> signals = new ArrayList<>();
    private final List<SignalHandler> previous = new ArrayList<>();
    private volatile boolean requested;
    private volatile String caughtName;
    private volatile int caughtNumber;

    private StopSignals() {}

    /**
     * Installs the handlers for {@code trainer}; {@code err} gets one line when a second signal forces the exit.
     */
    public static StopSignals install(Trainer trainer, PrintStream err) {
        StopSignals s = new StopSignals();
        for (String name : new String[] {"INT", "TERM"}) {
            try {
                Signal sig = new Signal(name);
                SignalHandler old = Signal.handle(sig, caught -> s.handle(trainer, caught, err));
                s.signals.add(sig);
                // the JDK can answer null for the previous handler (seen under the OpenCL backend, PoCL: kiln compare
                // failed restoring it in 5 runs of 8); the default is then what to put back
                s.previous.add(old != null ? old : SignalHandler.SIG_DFL);
            } catch (IllegalArgumentException | UnsupportedOperationException | NullPointerException e) {
                // no such signal here, or the JVM reserves it (-Xrs): keep the default behaviour
            }
        }
        return s;
    }

    private void handle(Trainer trainer, Signal caught, PrintStream err) {
        int code = 128 + caught.getNumber();
        if (requested) {
            if (err != null) {
                err.println("kiln: second SIG" + caught.getName() + ": exiting now without a checkpoint");
                err.flush();
            }
            System.exit(code);     // runs shutdown hooks (a run directory's cleanup), as the JVM's own handler would
        }
        caughtName = caught.getName();
        caughtNumber = caught.getNumber();
        requested = true;
        trainer.requestStop(caught.getName());
    }

    /** Whether a signal has arrived. */
    public boolean requested() { return requested; }

    /** The first signal's name ("INT", "TERM"), or null when none has arrived. */
    public String caught() { return caughtName; }

    /** The exit code for the first signal, 128 + its number (130 for SIGINT, 143 for SIGTERM); 0 when none arrived. */
    public int exitCode() { return requested ? 128 + caughtNumber : 0; }

    @Override
    public void close() {
        for (int i = 0; i < signals.size(); i++) {
            try {
                Signal.handle(signals.get(i), previous.get(i));
            } catch (IllegalArgumentException | NullPointerException ignored) {
                // the signal's handling is left as it is: a failed restore must not fail a finished run
            }
        }
        signals.clear();
        previous.clear();
    }
}
