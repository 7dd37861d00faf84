package dev.kiln.schedule;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns a parsed expression into a closed-form {@link Schedule} for one run: resolves every duration to
 * steps, gives each term its span (the steps it is active: the whole run, or its piece of a sequence), makes
 * each warmup end at the first value of the piece after it, and collects the plateau controllers in text
 * order. It also records where each term sits, for {@link Lint}.
 */
final class Binder {
    /**
     * Where a term is bound.
     *
     * @param plan   the run
     * @param start  the absolute step at which the term's clock reads 0
     * @param span   the steps it is active (its piece's length; the rest of the run for a last piece)
     * @param follow the first value of the piece after it, or NaN when nothing follows
     */
    record Ctx(RunPlan plan, long start, long span, double follow) {
        /** The default horizon of a decaying family: the span, at least one step. */
        long horizon() {
            return Math.max(1, span);
        }
    }

    /** A bound term and where it sits. */
    record Placed(Ast.Term term, long start, long span, Schedule schedule) {}

    /** A piece of a sequence that starts at or after the end of the run. */
    record LatePiece(Ast.Term first, int index, long start) {}

    private final String text;
    private final RunPlan plan;
    final List<PlateauController> controllers = new ArrayList<>();
    final List<Placed> placed = new ArrayList<>();
    final List<LatePiece> late = new ArrayList<>();

    Binder(String text, RunPlan plan) {
        this.text = text;
        this.plan = plan;
    }

    /** Binds a whole expression to the run. */
    Schedule bindRoot(Ast.Node node) {
        return bind(node, new Ctx(plan, 0, plan.totalSteps(), Double.NaN));
    }

    private Binder child() {
        return new Binder(text, plan);
    }

    private void absorb(Binder c) {
        controllers.addAll(c.controllers);
        placed.addAll(c.placed);
        late.addAll(c.late);
    }

    Schedule bind(Ast.Node node, Ctx ctx) {
        if (node instanceof Ast.Term t) return term(t, ctx);
        if (node instanceof Ast.Prod p) {
            List<Schedule> factors = new ArrayList<>();
            for (Ast.Node f : p.factors()) factors.add(bind(f, ctx));
            return new Product(factors);
        }
        if (node instanceof Ast.Pipe p) {
            Schedule inner = bind(p.inner(), ctx);
            Args a = new Args(text, p.transform(), plan);
            return new Clamp(inner, a.number("min", Double.NEGATIVE_INFINITY), a.number("max", Double.POSITIVE_INFINITY));
        }
        return seq((Ast.Seq) node, ctx);
    }

    private Schedule seq(Ast.Seq q, Ctx ctx) {
        int n = q.pieces().size();
        long[] starts = new long[n];
        for (int i = 0; i + 1 < n; i++) starts[i + 1] = starts[i] + length(q.pieces().get(i), plan);
        // bind from the last piece back, so each warmup knows the first value of the piece after it;
        // each piece collects its controllers apart, then they are joined in text order
        Schedule[] pieces = new Schedule[n];
        Binder[] parts = new Binder[n];
        double follow = ctx.follow();
        for (int i = n - 1; i >= 0; i--) {
            long span = i + 1 < n ? starts[i + 1] - starts[i] : Math.max(0, ctx.span() - starts[i]);
            parts[i] = child();
            pieces[i] = parts[i].bind(q.pieces().get(i).node(), new Ctx(plan, ctx.start() + starts[i], span, follow));
            follow = pieces[i].at(0);
            if (i > 0 && ctx.start() + starts[i] >= plan.totalSteps() && plan.totalSteps() > 0)
                parts[i].late.add(new LatePiece(first(q.pieces().get(i).node()), i, ctx.start() + starts[i]));
        }
        for (Binder part : parts) absorb(part);
        return new Sequence(List.of(pieces), starts);
    }

    /** The steps of a piece that is followed by another: its 'for', else its family's own length. */
    private static long length(Ast.Piece piece, RunPlan plan) {
        if (piece.length() != null) return piece.length().steps(plan);
        // the parser has checked that a piece without 'for' has its own length
        Ast.Term t = (Ast.Term) piece.node();
        return ((Duration) t.arg(t.family().lengthParam()).orElseThrow().value()).steps(plan);
    }

    /** The leftmost term of a node, for error positions. */
    static Ast.Term first(Ast.Node node) {
        if (node instanceof Ast.Term t) return t;
        if (node instanceof Ast.Prod p) return first(p.factors().get(0));
        if (node instanceof Ast.Pipe p) return first(p.inner());
        return first(((Ast.Seq) node).pieces().get(0).node());
    }

    private Schedule term(Ast.Term t, Ctx ctx) {
        Schedule s;
        try {
            s = t.family().builder().build(new Args(text, t, plan), ctx);
        } catch (ScheduleSpecException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new ScheduleSpecException(text, t.pos(), t.family().name(), e.getMessage());
        }
        if (s instanceof PlateauController c) controllers.add(c);
        placed.add(new Placed(t, ctx.start(), ctx.span(), s));
        return s;
    }
}
