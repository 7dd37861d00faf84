package dev.kiln.backend.cuda;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Finding and running the command-line tools the GPU-less kernel checks use (nvcc, ptxas, g++). */
final class Tools {
    private Tools() {}

    /** The repository root: surefire's basedir, else the working directory. */
    static Path root() {
        return Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
    }

    /** The executable named {@code name} on PATH, if any. */
    static Optional<Path> onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) return Optional.empty();
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) continue;
            Path p = Path.of(dir, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) return Optional.of(p);
        }
        return Optional.empty();
    }

    /** Exit status and combined output of a finished command. */
    record Result(int status, String output) {}

    /** Runs a command in the repository root, failing the test if it outlasts {@code seconds}. */
    static Result run(List<String> command, int seconds) throws IOException, InterruptedException {
        Path log = Files.createTempFile("kiln-tool", ".log");
        try {
            Process p = new ProcessBuilder(command).directory(root().toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish in " + seconds + " s");
            }
            return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
