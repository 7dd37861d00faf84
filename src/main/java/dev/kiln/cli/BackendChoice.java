package dev.kiln.cli;

import dev.kiln.backend.Backends;
import picocli.CommandLine.Option;

/** {@code --backend} and {@code --device} for commands that are not training runs (eval, predict, bench). */
final class BackendChoice {
    @Option(names = "--backend", paramLabel = "NAME", order = 10,
            description = "cuda, opencl, cpu or auto (default: KILN_BACKEND, else the best available).")
    String backend;

    @Option(names = "--device", paramLabel = "I", order = 11, description = "Device index within the backend (kiln devices lists them).")
    Integer device;

    /** The backend name to open. */
    String name() { return backend != null ? backend : Backends.defaultName(); }

    /** The device index (-1: the backend's best). */
    int index() {
        if (device == null) return -1;
        if (device < 0) throw CliException.usage("--device: must be >= 0, got " + device);
        return device;
    }
}
