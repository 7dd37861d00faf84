package dev.kiln.schedule;

import java.util.List;

/**
 * A learning-rate schedule written in Kiln's schedule grammar: the same text on the command line, in config
 * files and in checkpoints. {@link #parse} reads it, {@link #toString()} gives the canonical text (which parses
 * back to an equal spec), {@link #bind} resolves it against a run, and {@link #lint} warns about likely
 * mistakes for that run.
 *
 * <pre>
 *   constant                                  the optimizer's learning rate throughout
 *   step:every=2ep,gamma=0.8                  lr * 0.8^floor(epoch / 2)
 *   warmup:5% > cosine:min=0.01               5% linear warmup, then cosine to 1% over the rest
 *   (warmup:500 > cosine) * plateau:patience=3  and cut by 10x after 4 flat evaluations
 *   onecycle:max=1,pct=0.25 | clamp:min=1e-4
 * </pre>
 * The grammar and every family are documented in {@code docs/schedules.md}.
 */
public final class ScheduleSpec {
    private final String source;
    private final Ast.Node ast;
    private final String canonical;

    private ScheduleSpec(String source, Ast.Node ast) {
        this.source = source;
        this.ast = ast;
        this.canonical = Ast.print(ast);
    }

    /**
     * Reads a schedule text.
     *
     * @throws ScheduleSpecException naming the offending token and its column
     */
    public static ScheduleSpec parse(String text) {
        if (text == null) throw new ScheduleSpecException("", 0, "", "no schedule given");
        return new ScheduleSpec(text, Parser.parse(text));
    }

    /** {@code constant}: the optimizer's learning rate at every step. */
    public static ScheduleSpec constant() {
        return parse("constant");
    }

    /**
     * Binds the schedule to a run: durations become steps, horizons default to the run (or the piece), and
     * plateau controllers start fresh.
     *
     * @throws ScheduleSpecException when a value does not fit the run (e.g. {@code every=0.1%} is 0 steps)
     */
    public BoundExpression bind(RunPlan plan) {
        Binder b = new Binder(source, plan);
        Schedule root = b.bindRoot(ast);
        return new BoundExpression(canonical, root, b.controllers);
    }

    /**
     * Warnings about this schedule on this run: a warmup longer than the run, a cosine or one-cycle horizon
     * that does not match its span (and climbs back up), milestones past the end, a first step at lr 0, a
     * learning rate that reaches 0 long before the end, pieces that start after the run ends.
     *
     * @throws ScheduleSpecException when the schedule cannot be bound to the run at all
     */
    public List<String> lint(RunPlan plan) {
        return Lint.check(source, ast, plan);
    }

    /** Whether the schedule has a loss-based controller (needs metrics during training). */
    public boolean observesMetric() {
        return hasController(ast);
    }

    private static boolean hasController(Ast.Node n) {
        if (n instanceof Ast.Term t) return t.family() == Families.PLATEAU;
        if (n instanceof Ast.Prod p) return p.factors().stream().anyMatch(ScheduleSpec::hasController);
        if (n instanceof Ast.Pipe p) return hasController(p.inner());
        return ((Ast.Seq) n).pieces().stream().anyMatch(piece -> hasController(piece.node()));
    }

    /**
     * A number as the grammar writes it (its canonical text): plain from 1e-4 to 1e7 ({@code 0.004096}, {@code 250}),
     * lower-case scientific outside ({@code 6.089296976e-6}, {@code 1e8}); the shortest decimal that reads back as
     * {@code x}.
     */
    public static String number(double x) { return Numbers.format(x); }

    /**
     * One line per family for help screens: its name, its parameters ({@code *} marks the required ones) and
     * its formula, e.g. {@code step  every*, gamma  f = gamma^floor(t / every) (PyTorch StepLR)}.
     */
    public static List<String> families() {
        List<String> out = new java.util.ArrayList<>();
        List<Family> all = new java.util.ArrayList<>(Families.all());
        all.add(Families.CLAMP);
        for (Family f : all) {
            String params = String.join(", ", f.params().stream().map(p -> p.name() + (p.required() ? "*" : "")).toList());
            String name = f == Families.CLAMP ? "| clamp" : f.name();
            out.add(String.format("%-9s %-58s %s", name, params, f.summary()));
        }
        return out;
    }

    /** The canonical text. */
    @Override
    public String toString() {
        return canonical;
    }

    /** Specs are equal when their canonical texts are. */
    @Override
    public boolean equals(Object o) {
        return o instanceof ScheduleSpec s && s.canonical.equals(canonical);
    }

    @Override
    public int hashCode() {
        return canonical.hashCode();
    }
}
