package dev.kiln.schedule;

import java.util.ArrayList;
import java.util.List;

/**
 * Checks a schedule against a run before training, for the mistakes users report most (see
 * research/features.md section 4): horizons that do not match the run, warmups that never end, milestones
 * that never come, a first step at lr 0, and a learning rate that reaches 0 long before the end. Each warning
 * is one line naming the term.
 */
final class Lint {
    /** Evaluate every step up to this many; sample beyond. */
    private static final long MAX_SCAN = 2_000_000;

    private Lint() {}

    static List<String> check(String source, Ast.Node ast, RunPlan plan) {
        Binder b = new Binder(source, plan);
        Schedule root = b.bindRoot(ast);
        long total = plan.totalSteps();
        List<String> out = new ArrayList<>();
        if (total == 0) {
            out.add("the run has no steps");
            return out;
        }
        for (Binder.Placed p : b.placed) term(p, plan, out);
        for (Binder.LatePiece l : b.late)
            out.add("piece " + (l.index() + 1) + " (" + Ast.print(l.first()) + ") starts at step " + l.start()
                    + ", at or after the end of the run (" + total + " steps): it never runs");
        values(root, plan, out);
        return out;
    }

    private static String where(long step, RunPlan plan) {
        return "step " + step + " (epoch " + Numbers.format(Math.floor(step * 100.0 / plan.stepsPerEpoch()) / 100) + ")";
    }

    /** A value to four significant digits, without trailing zeros. */
    private static String f(double v) {
        if (v == 0 || !Double.isFinite(v)) return v == 0 ? "0" : Double.toString(v);
        return Numbers.format(new java.math.BigDecimal(v).round(new java.math.MathContext(4)).doubleValue());
    }

    private static void term(Binder.Placed p, RunPlan plan, List<String> out) {
        String name = Ast.print(p.term());
        long total = plan.totalSteps();
        long span = p.span();
        Schedule s = p.schedule();
        if (s instanceof Warmup w && w.over() == 0) {
            out.add(name + ": the warmup is 0 steps long in this run (" + plan.stepsPerEpoch() + " steps an epoch, " + total
                    + " in all): there is no warmup; give it in steps or make the run longer");
        } else if (s instanceof Warmup w && w.over() > 0 && p.start() + w.over() >= total) {
            out.add(name + ": the warmup (" + w.over() + " steps from step " + p.start() + ") is not over when the run ends ("
                    + total + " steps): the learning rate never reaches its target");
        } else if (s instanceof Wsd w && span > 0 && w.warmup() + w.decay() > span) {
            out.add(name + ": warmup + decay (" + (w.warmup() + w.decay()) + " steps) are longer than its " + span
                    + " steps: there is no stable phase and the cooldown is cut short");
        } else if (s instanceof Cosine c && span > 0 && c.over() != span) {
            // the climb starts after step `over` (where the cosine is at min): only a piece with a step past it climbs
            if (span - 1 > c.over() && !c.clamp())
                out.add(name + ": its horizon (" + c.over() + " steps) is shorter than its " + span + " steps: from "
                        + where(p.start() + c.over(), plan) + " the learning rate climbs back up (to " + f(c.at(span - 1))
                        + "x at its end); make over match the run, or add clamp");
            else if (span < c.over())
                out.add(name + ": its horizon (" + c.over() + " steps) is longer than its " + span + " steps: it stops at "
                        + f(c.at(span - 1)) + "x and never reaches min=" + f(c.min()));
        } else if (s instanceof OneCycle o && span > 0 && o.over() != span) {
            if (span > o.over())
                out.add(name + ": the cycle (" + o.over() + " steps) is shorter than its " + span + " steps: the last "
                        + (span - o.over()) + " steps stay at the final " + f(o.at(o.over())) + "x");
            else
                out.add(name + ": the cycle (" + o.over() + " steps) is longer than its " + span + " steps: the run ends at "
                        + f(o.at(span - 1)) + "x, before the cycle's anneal completes");
        } else if (s instanceof Polynomial q && !q.cycle() && span > 0 && q.over() > span) {
            out.add(name + ": its horizon (" + q.over() + " steps) is longer than its " + span + " steps: it ends at "
                    + f(q.at(span - 1)) + "x, not at end=" + f(q.end()));
        } else if (s instanceof Linear l && span > 0 && l.over() > span) {
            out.add(name + ": its horizon (" + l.over() + " steps) is longer than its " + span + " steps: it ends at "
                    + f(l.at(span - 1)) + "x, not at to=" + f(l.to()));
        } else if (s instanceof MultiStep m && span > 0) {
            for (long milestone : m.milestones())
                if (milestone >= span)
                    out.add(name + ": the milestone at " + where(p.start() + milestone, plan) + " is at or after the end of "
                            + (p.start() + span >= total ? "the run (" + total + " steps)" : "its piece") + ": it never applies");
        } else if (s instanceof StepDecay d && span > 0 && d.every() >= span) {
            out.add(name + ": every=" + d.every() + " steps is not shorter than its " + span + " steps: the rate never decays");
        }
    }

    private static void values(Schedule root, RunPlan plan, List<String> out) {
        long total = plan.totalSteps();
        long stride = Math.max(1, (total + MAX_SCAN - 1) / MAX_SCAN);
        double first = root.at(0);
        if (first == 0) out.add("the first step trains at lr 0 (a warmup from=0?): that step changes nothing");
        long lastNonZero = -1;
        long firstNegative = -1, firstNotFinite = -1;
        for (long s = 0; s < total; s += stride) {
            double v = root.at(s);
            if (v != 0) lastNonZero = s;
            if (v < 0 && firstNegative < 0) firstNegative = s;
            if (!Double.isFinite(v) && firstNotFinite < 0) firstNotFinite = s;
        }
        if (firstNotFinite >= 0)
            out.add("the multiplier is " + root.at(firstNotFinite) + " at " + where(firstNotFinite, plan)
                    + ": training stops there (a learning rate must be finite)");
        if (root.at(total - 1) != 0) lastNonZero = total - 1;
        if (firstNegative >= 0)
            out.add("the multiplier is negative at " + where(firstNegative, plan) + ": the optimizer would climb the loss");
        if (lastNonZero < 0) {
            out.add("the learning rate is 0 for the whole run");
            return;
        }
        long zeroFrom = lastNonZero + 1;
        long tail = total - zeroFrom;
        if (tail > 0 && tail >= total / 20.0)      // 5% of the run or more, a single step included
            out.add("the learning rate reaches 0 at " + where(zeroFrom, plan) + " and stays 0 for the last " + tail
                    + " steps (" + Math.round(100.0 * tail / total) + "% of the run): they train nothing");
    }
}
