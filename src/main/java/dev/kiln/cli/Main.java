package dev.kiln.cli;

import dev.kiln.Kiln;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IModelTransformer;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code kiln} command: {@code train | compare | eval | predict | schedule | lr-find | bench | devices}.
 *
 * <p>Exit codes: {@value #OK} success; {@value #USAGE} bad usage or bad input (an unknown flag, a value out of
 * range, a missing or malformed file), reported as one line on stderr that names the flag, file, line or
 * value, e.g. {@code kiln: --epochs: must be >= 1, got -3}; {@value #FAILURE} a failure while running (a
 * backend that cannot start, a run that diverged, a disk that is full). No stack trace is printed unless
 * {@code KILN_DEBUG=1}.
 *
 * <p>Embedding: {@code new CommandLine(new Main()).execute(args)} behaves exactly as the command line does
 * (the exception handlers are installed while picocli builds the command, see {@link Setup}).
 */
@Command(name = "kiln", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        modelTransformer = Main.Setup.class, sortOptions = false,
        subcommands = {TrainCommand.class, CompareCommand.class, EvalCommand.class, PredictCommand.class,
            ScheduleCommand.class, LrFindCommand.class, BenchCommand.class, DevicesCommand.class,
            CommandLine.HelpCommand.class},
        description = {"Train dense neural networks with learning-rate annealing,",
            "on CUDA, OpenCL or the CPU.", ""},
        footer = {"",
            "Exit codes: 0 ok; 2 bad usage or input (one line naming the flag, file or",
            "value); 1 failure while running.",
            "Backend: --backend, else KILN_BACKEND, else the best available.",
            "",
            "Examples:",
            "  kiln compare             (the seed experiment: constant vs step-decay lr)",
            "  kiln train --data digits --standardize --layers 64:relu,10:softmax \\",
            "      --validation-split 0.2 --epochs 8 --out runs/digits",
            "  kiln eval --model runs/digits --data digits",
            "  kiln schedule 'warmup:5%% > cosine' --epochs 90 --steps-per-epoch 400",
            "  kiln devices"})
public final class Main implements Callable<Integer> {
    /** Success. */
    public static final int OK = 0;
    /** A failure while running. */
    public static final int FAILURE = 1;
    /** Bad usage or bad input. */
    public static final int USAGE = 2;

    @Spec
    CommandSpec spec;

    /** {@code kiln} alone: the usage, on stderr, as bad usage. */
    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        spec.commandLine().usage(err);
        err.flush();
        return USAGE;
    }

    /** Runs {@code kiln} and exits with its code. */
    public static void main(String[] args) {
        // charts render with AWT; there is no display to talk to
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
        HeapTuning.apply();
        System.exit(new CommandLine(new Main()).execute(args));
    }

    /** {@code kiln --version}. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"kiln " + Kiln.version(),
                "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name", "?") + "), "
                        + System.getProperty("os.name") + " " + System.getProperty("os.arch")};
        }
    }

    /**
     * Installs the one-line error handlers on the command line being built. picocli calls a model transformer
     * from the {@code CommandLine} constructor, after the subcommands are added, so
     * {@code new CommandLine(new Main())} gets the handlers without a factory method.
     */
    static final class Setup implements IModelTransformer {
        @Override
        public CommandSpec transform(CommandSpec commandSpec) {
            CommandLine cl = commandSpec.commandLine();
            if (cl != null) {
                cl.setParameterExceptionHandler(Setup::badUsage);
                // the last of a repeated flag wins (as in most Unix tools), so aliases and scripts can override
                cl.setOverwrittenOptionsAllowed(true);
                // help fits the terminal when picocli can measure it, else 100 columns (option texts hold long tokens)
                cl.setUsageHelpWidth(100);
                cl.setUsageHelpAutoWidth(true);
                // every subcommand's --version (mixinStandardHelpOptions) prints Kiln's version
                for (CommandLine sub : cl.getSubcommands().values()) sub.getCommandSpec().versionProvider(new Version());
                cl.setExecutionExceptionHandler((e, cmd, parsed) -> Failures.report(e, cmd.getErr()));
            }
            return commandSpec;
        }

        /** One line: the problem, and picocli's suggestions for a mistyped option. */
        private static int badUsage(ParameterException ex, String[] args) {
            CommandLine cmd = ex.getCommandLine();
            PrintWriter err = cmd.getErr();
            String line = "kiln: " + Failures.oneLine(ex.getMessage());
            if (ex instanceof UnmatchedArgumentException u) {
                List<String> s = u.getSuggestions();
                if (!s.isEmpty()) line += " (did you mean " + String.join(" or ", s.subList(0, Math.min(3, s.size()))) + "?)";
            }
            err.println(line + " (see 'kiln " + subcommandPath(cmd) + "--help')");
            err.flush();
            return USAGE;
        }

        private static String subcommandPath(CommandLine cmd) {
            StringBuilder s = new StringBuilder();
            for (CommandLine c = cmd; c != null && c.getParent() != null; c = c.getParent()) s.insert(0, c.getCommandName() + " ");
            return s.toString();
        }
    }
}
