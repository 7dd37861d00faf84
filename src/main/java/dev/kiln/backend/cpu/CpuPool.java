package dev.kiln.backend.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A small fixed pool of daemon threads that runs the chunks [0, chunks) of one {@link Body} at a time, the
 * calling thread taking part. Chunk boundaries are chosen by the caller independently of the thread count,
 * and each chunk writes its own outputs (or its own partial-sum slot, combined afterwards in chunk order), so
 * results never depend on how many threads ran or which thread took which chunk.
 *
 * <p>Nothing is allocated per run: the body is a reusable object whose fields carry the call's arguments,
 * workers are woken with {@link LockSupport#unpark} and claim chunks from one atomic counter. A run with one
 * chunk, or a pool of one thread, runs inline on the caller with no synchronisation at all. Not reentrant:
 * one run at a time, like a device stream.
 */
final class CpuPool implements AutoCloseable {

    /** The work of one run: chunk {@code chunk} of the op, executed by thread {@code worker} (0 = the caller). */
    interface Body {
        void run(int chunk, int worker);
    }

    private final Worker[] workers;
    private final int threads;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger pending = new AtomicInteger();
    private volatile Body body;
    private volatile int chunks;
    private volatile Thread caller;
    private volatile Throwable failure;
    private volatile boolean closed;
    private int generation;

    /** A pool running on {@code threads} threads in all: the caller plus threads - 1 daemon workers. */
    CpuPool(int threads) {
        if (threads < 1) throw new IllegalArgumentException("cpu threads must be >= 1, got " + threads);
        this.threads = threads;
        workers = new Worker[threads - 1];
        for (int w = 0; w < workers.length; w++) {
            workers[w] = new Worker(w + 1);
            workers[w].start();
        }
    }

    /** Threads taking part in a run, the caller included. */
    int threads() { return threads; }

    /**
     * Runs body.run(c, worker) for every c in [0, chunks), spread over the pool, and returns when all are done.
     * An exception thrown by any chunk is rethrown here (the first one seen) after every chunk has finished.
     */
    void run(Body b, int nChunks) {
        if (nChunks <= 0) return;
        if (nChunks == 1 || workers.length == 0) {
            for (int c = 0; c < nChunks; c++) b.run(c, 0);
            return;
        }
        if (closed) throw new IllegalStateException("cpu backend is closed");
        int used = Math.min(workers.length, nChunks - 1);
        body = b;
        chunks = nChunks;
        failure = null;
        caller = Thread.currentThread();
        next.set(0);
        pending.set(used);
        int gen = ++generation;
        // each woken worker acknowledges exactly once (pending), so no worker can still be reading this
        // run's fields when the next run overwrites them
        for (int w = 0; w < used; w++) {
            workers[w].assigned = gen;
            LockSupport.unpark(workers[w]);
        }
        drain(b, nChunks, 0);
        int spins = 0;
        while (pending.get() != 0) {
            if (++spins < 2000) Thread.onSpinWait();
            else LockSupport.park(this);
        }
        body = null;
        Throwable t = failure;
        if (t != null) {
            failure = null;
            if (t instanceof RuntimeException r) throw r;
            if (t instanceof Error e) throw e;
            throw new IllegalStateException(t);
        }
    }

    private void drain(Body b, int n, int worker) {
        int c;
        while ((c = next.getAndIncrement()) < n) {
            try {
                b.run(c, worker);
            } catch (Throwable t) {
                if (failure == null) failure = t;
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Worker w : workers) LockSupport.unpark(w);
    }

    /** How long an idle worker spins for the next run before it parks. */
    static final long SPIN_NANOS = 50_000;

    private final class Worker extends Thread {
        private final int index;
        volatile int assigned;
        private int seen;

        Worker(int index) {
            super("kiln-cpu-" + index);
            this.index = index;
            setDaemon(true);
        }

        /** Spins up to SPIN_NANOS for a new run; true when one was assigned (or the pool closed). */
        private boolean spinUntilAssigned() {
            long end = System.nanoTime() + SPIN_NANOS;
            for (int i = 1; ; i++) {
                if (assigned != seen || closed) return true;
                Thread.onSpinWait();
                if ((i & 63) == 0 && System.nanoTime() > end) return false;
            }
        }

        @Override
        public void run() {
            while (!closed) {
                int gen = assigned;
                if (gen == seen) {
                    // a training step issues its ops back to back: spin a little before parking, so the
                    // next run finds this worker awake instead of paying an unpark (tens of microseconds
                    // on a virtual machine); bounded, so an idle backend costs no CPU
                    if (spinUntilAssigned()) continue;
                    LockSupport.park(this);
                    continue;
                }
                seen = gen;
                drain(body, chunks, index);
                if (pending.decrementAndGet() == 0) LockSupport.unpark(caller);
            }
        }
    }
}
