package dev.kiln.schedule;

import java.util.List;
import java.util.Optional;

/**
 * The arguments of one term, read with their defaults and resolved against a run. Errors name the
 * argument's token and column in the original text.
 */
final class Args {
    private final String text;
    private final Ast.Term term;
    private final RunPlan plan;

    Args(String text, Ast.Term term, RunPlan plan) {
        this.text = text;
        this.term = term;
        this.plan = plan;
    }

    boolean has(String name) {
        return term.arg(name).isPresent();
    }

    private Optional<Object> value(String name) {
        return term.arg(name).map(Ast.Arg::value);
    }

    double number(String name, double def) {
        return (Double) value(name).orElse(def);
    }

    long whole(String name, long def) {
        return (Long) value(name).orElse(def);
    }

    String choice(String name, String def) {
        return (String) value(name).orElse(def);
    }

    boolean flag(String name) {
        return (Boolean) value(name).orElse(Boolean.FALSE);
    }

    double[] numbers(String name) {
        return (double[]) value(name).orElseThrow();
    }

    /** The momentum range, {@code {lo, hi}} by default, or two NaNs for {@code none}. */
    double[] momentum(String name, double lo, double hi) {
        Optional<Ast.Arg> a = term.arg(name);
        if (a.isEmpty()) return new double[] {lo, hi};
        double[] v = (double[]) a.get().value();
        return v == null ? new double[] {Double.NaN, Double.NaN} : v.clone();
    }

    /** A duration in steps, {@code def} when absent; at least {@code min} steps. */
    long steps(String name, long def, long min) {
        Optional<Ast.Arg> a = term.arg(name);
        if (a.isEmpty()) return def;
        return resolve(a.get(), (Duration) a.get().value(), min);
    }

    /** A list of durations in steps, each at least 0. */
    long[] stepsList(String name) {
        Ast.Arg a = term.arg(name).orElseThrow();
        List<?> list = (List<?>) a.value();
        long[] out = new long[list.size()];
        for (int k = 0; k < out.length; k++) out[k] = resolve(a, (Duration) list.get(k), 0);
        return out;
    }

    private long resolve(Ast.Arg a, Duration d, long min) {
        long n = d.steps(plan);
        if (n < min)
            throw new ScheduleSpecException(text, a.pos(), a.token(), term.family().name() + ": " + a.param().name() + "="
                    + d + " is " + n + " steps in this run (" + plan.stepsPerEpoch() + " steps per epoch, "
                    + plan.totalSteps() + " in all); it must be at least " + min);
        return n;
    }

    /** An error at argument {@code name} (or at the family name when the argument is absent). */
    ScheduleSpecException error(String name, String problem) {
        Optional<Ast.Arg> a = term.arg(name);
        String where = term.family().name() + ": " + problem;
        return a.map(arg -> new ScheduleSpecException(text, arg.pos(), arg.token(), where))
                .orElseGet(() -> new ScheduleSpecException(text, term.pos(), term.family().name(), where));
    }
}
