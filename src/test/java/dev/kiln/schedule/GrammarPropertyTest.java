package dev.kiln.schedule;

import static org.junit.jupiter.api.Assertions.*;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Round trip over generated schedule texts: for any valid text, parse -> print gives a canonical text that
 * parses and prints to itself, binds to the same values at every step, and survives changes of spacing.
 */
class GrammarPropertyTest {
    private static final RunPlan PLAN = new RunPlan(7, 140);

    @Property(tries = 200)
    void parsePrintParseIsStable(@ForAll("specs") String text) {
        ScheduleSpec spec = ScheduleSpec.parse(text);
        String canonical = spec.toString();
        ScheduleSpec again = ScheduleSpec.parse(canonical);
        assertEquals(canonical, again.toString(), "from " + text);
        String tight = canonical.replace(" > ", ">").replace(" * ", "*").replace(" | ", "|");
        assertEquals(canonical, ScheduleSpec.parse(tight).toString(), "from " + tight);
        String loose = canonical.replace(":", " : ").replace(",", " , ").replace("=", " = ").replace("(", " ( ");
        assertEquals(canonical, ScheduleSpec.parse(loose).toString(), "from " + loose);
        BoundSchedule a = spec.bind(PLAN), b = again.bind(PLAN);
        for (long t = 0; t < PLAN.totalSteps() + 20; t++) {
            double fa = a.factor(t);
            assertTrue(Double.isFinite(fa), text + " at step " + t + " = " + fa);
            assertEquals(fa, b.factor(t), text + " at step " + t);
            assertEquals(a.momentum(t), b.momentum(t), text + " momentum at step " + t);
        }
    }

    // ---- generators: every family, every kind of value, nested combinators ----

    private static Arbitrary<String> number(double lo, double hi) {
        return Arbitraries.oneOf(
                Arbitraries.doubles().between(lo, hi).map(d -> Double.toString(d)),
                Arbitraries.doubles().between(lo, hi).ofScale(2).map(d -> String.format(java.util.Locale.ROOT, "%.2f", d)),
                Arbitraries.doubles().between(lo, hi).ofScale(3).map(d -> String.format(java.util.Locale.ROOT, "%.3e", d)));
    }

    private static Arbitrary<String> duration() {
        return Arbitraries.oneOf(
                Arbitraries.integers().between(1, 60).map(Object::toString),
                Arbitraries.integers().between(1, 8).map(n -> n + "ep"),
                Arbitraries.of("0.5ep", "1.5ep", "2.25ep"),
                Arbitraries.integers().between(1, 70).map(n -> n + "%"),
                Arbitraries.of("2.5%", "12.5%"));
    }

    private static Arbitrary<String> kv(String key, Arbitrary<String> value) {
        return value.map(v -> key + "=" + v);
    }

    /** Some of the given optional arguments, in random order, after {@code head}. */
    @SafeVarargs
    private static Arbitrary<String> term(String name, String head, Arbitrary<String>... optional) {
        java.util.List<Arbitrary<String>> maybe = new java.util.ArrayList<>();
        for (Arbitrary<String> o : optional) maybe.add(Arbitraries.oneOf(Arbitraries.just(""), o));
        return Combinators.combine(maybe).as(parts -> parts).flatMap(parts ->
                Arbitraries.shuffle(parts.stream().filter(p -> !p.isEmpty()).toList()).map(list -> {
                    java.util.List<String> all = new java.util.ArrayList<>();
                    if (!head.isEmpty()) all.add(head);
                    all.addAll(list);
                    return all.isEmpty() ? name : name + ":" + String.join(",", all);
                }));
    }

    private static Arbitrary<String> term() {
        Arbitrary<String> frac = number(0.01, 0.99);
        Arbitrary<String> positive = number(0.05, 3);
        return Arbitraries.oneOf(
                term("constant", "", number(0, 2)),
                duration().flatMap(d -> term("step", "every=" + d, kv("gamma", frac))),
                Arbitraries.integers().between(0, 120).list().ofMinSize(1).ofMaxSize(4).map(l -> "multistep:at=["
                        + String.join(",", l.stream().map(Object::toString).toList()) + "],gamma=0.5"),
                Arbitraries.integers().between(0, 120).list().ofMinSize(1).ofMaxSize(3).map(l -> "multistep:at=["
                        + String.join(",", l.stream().map(i -> i + "").toList()) + "],values=["
                        + String.join(",", java.util.Collections.nCopies(l.size() + 1, "0.5")) + "]"),
                frac.flatMap(g -> term("exp", "gamma=" + g, kv("every", duration()), Arbitraries.of("staircase", "staircase=false"))),
                positive.flatMap(r -> term("invtime", "rate=" + r, kv("every", duration()), kv("power", positive), Arbitraries.just("staircase"))),
                duration().map(d -> "rsqrt:scale=" + d),
                term("poly", "", kv("over", duration()), kv("power", positive), kv("end", frac), Arbitraries.just("cycle")),
                term("linear", "", kv("from", number(0, 2)), kv("to", number(0, 2)), kv("over", duration())),
                term("cosine", "", kv("over", duration()), kv("min", frac), Arbitraries.of("clamp", "rise", "after=clamp")),
                duration().flatMap(d -> term("restarts", "period=" + d, kv("mult", number(1, 3)), kv("decay", frac), kv("min", frac))),
                Combinators.combine(frac, duration()).as((m, d) -> "min=" + m + ",up=" + d).flatMap(h -> term("cyclic", h,
                        kv("max", number(1, 2)), kv("down", duration()), Arbitraries.of("triangular", "triangular2", "exp_range", "mode=exp_range"),
                        kv("gamma", number(0.9, 1)), Arbitraries.of("momentum=none", "momentum=0.8..0.95", "momentum=0.9..0.85"))),
                term("onecycle", "", kv("over", duration()), kv("max", number(0.5, 2)), kv("pct", number(0.1, 0.9)),
                        kv("div", number(2, 50)), kv("final_div", number(10, 1e5)), Arbitraries.of("cos", "linear", "anneal=linear"),
                        Arbitraries.just("three_phase"), Arbitraries.of("momentum=none", "momentum=0.8..0.9")),
                term("wsd", "", kv("warmup", Arbitraries.of("0", "5", "10%")), kv("decay", Arbitraries.of("4", "1ep", "20%")),
                        Arbitraries.of("linear", "cosine", "1-sqrt", "shape=1-sqrt"), kv("warmup_shape", Arbitraries.of("linear", "cosine", "1-sqrt")),
                        kv("min", frac)),
                term("plateau", "", kv("mode", Arbitraries.of("min", "max")), kv("factor", frac), kv("patience", Arbitraries.of("0", "3", "10")),
                        kv("threshold", number(0, 0.1)), kv("threshold_mode", Arbitraries.of("rel", "abs")), kv("cooldown", Arbitraries.of("0", "2")),
                        kv("min", frac), kv("eps", Arbitraries.of("0", "1e-8"))));
    }

    private static Arbitrary<String> warmup() {
        return duration().flatMap(d -> term("warmup", d, Arbitraries.just("linear"), kv("from", number(0.01, 0.5)), kv("to", number(0.5, 2))));
    }

    /** A piece followed by another: a warmup, an explicit horizon, or 'for'. */
    private static Arbitrary<String> piece(int depth) {
        return Arbitraries.oneOf(
                warmup(),
                duration().map(d -> "cosine:over=" + d),
                duration().map(d -> "onecycle:over=" + d + ",momentum=none"),
                Combinators.combine(expr(depth - 1), duration()).as((e, d) -> "(" + e + ") for " + d),
                Combinators.combine(term(), duration()).as((e, d) -> e + " for " + d));
    }

    private static Arbitrary<String> expr(int depth) {
        if (depth <= 0) return term();
        return Arbitraries.oneOf(
                term(),
                Combinators.combine(piece(depth), expr(depth - 1)).as((a, b) -> a + " > (" + b + ")"),
                Combinators.combine(piece(depth), piece(depth), term()).as((a, b, c) -> a + " > " + b + " > " + c),
                Combinators.combine(expr(depth - 1), expr(depth - 1)).as((a, b) -> "(" + a + ") * (" + b + ")"),
                Combinators.combine(expr(depth - 1), number(0, 0.2), number(0.5, 2)).as((a, lo, hi) -> "(" + a + ") | clamp:min=" + lo + ",max=" + hi),
                expr(depth - 1).map(a -> "(" + a + ") | clamp:max=1.5"));
    }

    @Provide
    Arbitrary<String> specs() {
        return expr(2);
    }
}
