package dev.kiln.schedule;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The schedule families of the text grammar and the {@code clamp} transform. Each definition lists its
 * parameters (in canonical order) and builds the closed-form {@link Schedule} of a term for a run. Horizons
 * ({@code over}) default to the term's span: the whole run, or its piece of a sequence.
 */
final class Families {
    private Families() {}

    private static final Param OVER = Param.duration("over", "the length of the decay; default: to the end of its span");

    static final Family CONSTANT = new Family("constant", "f = value (default 1)",
            List.of(Param.number("value", "the multiplier")), "value", null, null,
            (a, c) -> new Constant(a.number("value", 1)));

    static final Family STEP = new Family("step", "f = gamma^floor(t / every) (PyTorch StepLR)",
            List.of(Param.duration("every", "steps between decays, e.g. every=2ep").mandatory(),
                    Param.number("gamma", Param.POSITIVE, "> 0", "factor per decay, default 0.1")),
            null, null, null,
            (a, c) -> new StepDecay(a.steps("every", 0, 1), a.number("gamma", 0.1)));

    static final Family MULTISTEP = new Family("multistep",
            "f = gamma^(milestones <= t), or values[milestones <= t] (PyTorch MultiStepLR)",
            List.of(Param.durations("at", "the milestones, e.g. at=[30ep,60ep]").mandatory(),
                    Param.number("gamma", Param.POSITIVE, "> 0", "factor per milestone, default 0.1"),
                    Param.numbers("values", "explicit levels, one more than the milestones")),
            null, null,
            t -> {
                if (t.arg("values").isPresent()) {
                    if (t.arg("gamma").isPresent()) throw new IllegalArgumentException("give gamma or values, not both");
                    int m = ((List<?>) t.arg("at").orElseThrow().value()).size();
                    int v = ((double[]) t.arg("values").orElseThrow().value()).length;
                    if (v != m + 1)
                        throw new IllegalArgumentException("values needs " + (m + 1) + " entries (one more than the "
                                + m + " milestones in at=), got " + v);
                }
            },
            (a, c) -> a.has("values") ? MultiStep.values(a.stepsList("at"), a.numbers("values"))
                    : MultiStep.gamma(a.stepsList("at"), a.number("gamma", 0.1)));

    static final Family EXP = new Family("exp",
            "f = gamma^(t / every), floored with staircase (PyTorch ExponentialLR, Keras ExponentialDecay)",
            List.of(Param.number("gamma", Param.POSITIVE, "> 0", "factor per every steps, e.g. gamma=0.999").mandatory(),
                    Param.duration("every", "steps per factor gamma, default 1"),
                    Param.flag("staircase", "decay in whole steps of every")),
            null, null, null,
            (a, c) -> new Exponential(a.number("gamma", 1), a.steps("every", 1, 1), a.flag("staircase")));

    static final Family INVTIME = new Family("invtime",
            "f = 1 / (1 + rate * t / every)^power (Keras InverseTimeDecay)",
            List.of(Param.number("rate", Param.NON_NEGATIVE, ">= 0", "decay rate, e.g. rate=0.5").mandatory(),
                    Param.duration("every", "steps per unit of time, default 1"),
                    Param.number("power", Param.POSITIVE, "> 0", "exponent, default 1"),
                    Param.flag("staircase", "floor t / every")),
            null, null, null,
            (a, c) -> new InverseTime(a.number("rate", 1), a.steps("every", 1, 1), a.number("power", 1), a.flag("staircase")));

    static final Family RSQRT = new Family("rsqrt", "f = 1 / sqrt((t + scale) / scale) (inverse square root)",
            List.of(Param.duration("scale", "the timescale, e.g. scale=1000").mandatory()),
            null, null, null,
            (a, c) -> new InverseSqrt(a.steps("scale", 0, 1)));

    static final Family POLY = new Family("poly",
            "f = (1 - end) (1 - min(t, over) / over)^power + end (PyTorch PolynomialLR, Keras PolynomialDecay)",
            List.of(OVER,
                    Param.number("power", Param.POSITIVE, "> 0", "exponent, default 1"),
                    Param.number("end", "the final multiplier, default 0"),
                    Param.flag("cycle", "restart every over steps (Keras cycle)")),
            null, "over", null,
            (a, c) -> new Polynomial(a.steps("over", c.horizon(), 1), a.number("power", 1), a.number("end", 0), a.flag("cycle")));

    static final Family LINEAR = new Family("linear", "f = from + (to - from) min(t, over) / over (PyTorch LinearLR)",
            List.of(Param.number("from", "the multiplier at step 0, default 1"),
                    Param.number("to", "the multiplier at the end, default 0"),
                    OVER),
            null, "over", null,
            (a, c) -> new Linear(a.number("from", 1), a.number("to", 0), a.steps("over", c.horizon(), 0)));

    static final Family COSINE = new Family("cosine",
            "f = min + (1 - min) (1 + cos(pi t / over)) / 2 (PyTorch CosineAnnealingLR; rises again after over unless clamp)",
            List.of(OVER,
                    Param.number("min", "the lowest multiplier (eta_min), default 0"),
                    Param.choice("after", true, "after over: rise (PyTorch) or clamp (Keras, Optax)", "rise", "clamp")),
            null, "over", null,
            (a, c) -> new Cosine(a.steps("over", c.horizon(), 1), a.number("min", 0), a.choice("after", "rise").equals("clamp")));

    static final Family RESTARTS = new Family("restarts",
            "cosine cycles of period, period*mult, ...; peak decay^i (PyTorch CosineAnnealingWarmRestarts, Keras CosineDecayRestarts)",
            List.of(Param.duration("period", "the first cycle, e.g. period=10ep").mandatory(),
                    Param.number("mult", v -> v >= 1, ">= 1", "cycle length growth (T_mult), default 1"),
                    Param.number("decay", Param.POSITIVE, "> 0", "peak factor per restart (m_mul), default 1"),
                    Param.number("min", "the floor (eta_min), default 0")),
            null, null, null,
            (a, c) -> new CosineRestarts(a.steps("period", 0, 1), a.number("mult", 1), a.number("decay", 1), a.number("min", 0)));

    static final Family CYCLIC = new Family("cyclic",
            "triangle waves between min and max (PyTorch CyclicLR); momentum cycles 0.8..0.9 unless momentum=none",
            List.of(Param.number("min", "the multiplier at the foot (base_lr / lr)").mandatory(),
                    Param.number("max", "the multiplier at the peak, default 1"),
                    Param.duration("up", "steps rising, e.g. up=2000").mandatory(),
                    Param.duration("down", "steps falling, default up"),
                    Param.choice("mode", true, "amplitude policy, default triangular", "triangular", "triangular2", "exp_range"),
                    Param.number("gamma", Param.POSITIVE, "> 0", "exp_range factor per step, default 1"),
                    Param.momentum("momentum", "momentum range min..max, default 0.8..0.9, or none")),
            null, null, null,
            (a, c) -> {
                long up = a.steps("up", 0, 1);
                double[] m = a.momentum("momentum", 0.8, 0.9);
                return new Cyclic(a.number("min", 0), a.number("max", 1), up, a.steps("down", up, 1),
                        Cyclic.Mode.valueOf(a.choice("mode", "triangular").toUpperCase(java.util.Locale.ROOT)),
                        a.number("gamma", 1), m[0], m[1]);
            });

    static final Family ONECYCLE = new Family("onecycle",
            "max/div up to max, then down to max/(div*final_div) (PyTorch OneCycleLR); momentum 0.85..0.95 unless momentum=none",
            List.of(OVER,
                    Param.number("max", "the peak multiplier, default 1"),
                    Param.number("pct", v -> v > 0 && v < 1, "in (0, 1)", "fraction rising (pct_start), default 0.3"),
                    Param.number("div", Param.POSITIVE, "> 0", "max / initial (div_factor), default 25"),
                    Param.number("final_div", Param.POSITIVE, "> 0", "initial / final (final_div_factor), default 1e4"),
                    Param.choice("anneal", true, "cos (default) or linear", "cos", "linear"),
                    Param.flag("three_phase", "fall back to initial before the final anneal"),
                    Param.momentum("momentum", "momentum range min..max, default 0.85..0.95, or none")),
            null, "over", null,
            (a, c) -> {
                double[] m = a.momentum("momentum", 0.85, 0.95);
                return new OneCycle(a.steps("over", c.horizon(), 1), a.number("max", 1), a.number("div", 25),
                        a.number("final_div", 1e4), a.number("pct", 0.3), a.choice("anneal", "cos").equals("linear"),
                        a.flag("three_phase"), m[0], m[1]);
            });

    static final Family WARMUP = new Family("warmup",
            "ramp from 'from' (default 0.01) to the next piece's first value over len (linear, as PyTorch LinearLR, or exp)",
            List.of(Param.duration("len", "the length of the ramp, e.g. warmup:5%").mandatory(),
                    Param.choice("shape", true, "linear (default) or exp", "linear", "exp"),
                    Param.number("from", "the multiplier at step 0, default 0.01"),
                    Param.number("to", "the multiplier reached; default the next piece's first value")),
            "len", "len", null,
            (a, c) -> new Warmup(a.steps("len", 0, 0), a.choice("shape", "linear").equals("exp"), a.number("from", 0.01),
                    a.number("to", Double.isNaN(c.follow()) ? 1 : c.follow())));

    static final Family WSD = new Family("wsd",
            "warmup-stable-decay: min -> 1 over warmup, 1, then a cooldown to min over decay (HF get_wsd_schedule)",
            List.of(Param.duration("warmup", "warmup length, default 0"),
                    Param.duration("decay", "cooldown length, default the last 20% of over"),
                    OVER,
                    Param.choice("shape", true, "cooldown curve: cosine (default), linear or 1-sqrt", "cosine", "linear", "1-sqrt"),
                    Param.choice("warmup_shape", false, "warmup curve: linear (default), cosine or 1-sqrt", "linear", "cosine", "1-sqrt"),
                    Param.number("min", "the multiplier at both ends (min_lr_ratio), default 0")),
            null, "over", null,
            (a, c) -> {
                long over = a.steps("over", c.horizon(), 1);
                long warmup = a.steps("warmup", 0, 0);
                long decay = a.steps("decay", Math.round(0.2 * over), 0);
                return new Wsd(warmup, Math.max(0, over - warmup - decay), decay, shape(a.choice("warmup_shape", "linear")),
                        shape(a.choice("shape", "cosine")), a.number("min", 0));
            });

    static final Family PLATEAU = new Family("plateau",
            "loss-based factor: times 'factor' after patience+1 evaluations without improvement (PyTorch ReduceLROnPlateau)",
            List.of(Param.choice("mode", false, "min (a loss, default) or max (an accuracy)", "min", "max"),
                    Param.number("factor", v -> v > 0 && v < 1, "in (0, 1)", "factor per reduction, default 0.1"),
                    Param.whole("patience", "bad evaluations tolerated, default 10"),
                    Param.number("threshold", Param.NON_NEGATIVE, ">= 0", "least improvement, default 1e-4"),
                    Param.choice("threshold_mode", false, "rel (default) or abs", "rel", "abs"),
                    Param.whole("cooldown", "evaluations to wait after a reduction, default 0"),
                    Param.number("min", Param.NON_NEGATIVE, ">= 0", "the lowest factor (min_lr / lr), default 0"),
                    Param.number("eps", Param.NON_NEGATIVE, ">= 0", "least reduction applied, default 1e-8")),
            null, null, null,
            (a, c) -> new PlateauController(new PlateauController.Config(
                    a.choice("mode", "min").equals("max") ? PlateauController.Mode.MAX : PlateauController.Mode.MIN,
                    a.number("factor", 0.1), a.whole("patience", 10), a.number("threshold", 1e-4),
                    a.choice("threshold_mode", "rel").equals("abs") ? PlateauController.ThresholdMode.ABS : PlateauController.ThresholdMode.REL,
                    a.whole("cooldown", 0), a.number("min", 0), a.number("eps", 1e-8))));

    /** The transform after '|': bounds the value; built by the binder around its input. */
    static final Family CLAMP = new Family("clamp", "f = min(max, max(min, g))",
            List.of(Param.number("min", "the floor"), Param.number("max", "the ceiling")),
            null, null,
            t -> {
                var min = t.arg("min");
                var max = t.arg("max");
                if (min.isEmpty() && max.isEmpty()) throw new IllegalArgumentException("give min=, max= or both");
                if (min.isPresent() && max.isPresent() && (Double) min.get().value() > (Double) max.get().value())
                    throw new IllegalArgumentException("min must not exceed max");
            },
            null);

    private static final Map<String, Family> BY_NAME = new LinkedHashMap<>();

    static {
        for (Family f : List.of(CONSTANT, STEP, MULTISTEP, EXP, INVTIME, RSQRT, POLY, LINEAR, COSINE, RESTARTS, CYCLIC,
                ONECYCLE, WARMUP, WSD, PLATEAU))
            BY_NAME.put(f.name(), f);
    }

    /** The schedule families (not the clamp transform), in documentation order. */
    static List<Family> all() {
        return List.copyOf(BY_NAME.values());
    }

    /** The family called {@code name}, or null. */
    static Family byName(String name) {
        return BY_NAME.get(name);
    }

    private static Wsd.Shape shape(String s) {
        return switch (s) {
            case "linear" -> Wsd.Shape.LINEAR;
            case "cosine" -> Wsd.Shape.COSINE;
            default -> Wsd.Shape.ONE_MINUS_SQRT;
        };
    }

    /** The message for an unknown family name, with the nearest known name. */
    static String unknown(String name) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String known : BY_NAME.keySet()) {
            int d = distance(name.toLowerCase(java.util.Locale.ROOT), known);
            if (d < bestDistance) { bestDistance = d; best = known; }
        }
        String hint = bestDistance <= 2 ? "did you mean " + best + "? " : "";
        if (name.equals(CLAMP.name())) hint = "clamp follows '|', e.g. cosine | clamp:min=0.01; ";
        return "unknown schedule '" + name + "'; " + hint + "known: " + String.join(", ", BY_NAME.keySet());
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1], cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++)
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            int[] t = prev; prev = cur; cur = t;
        }
        return prev[b.length()];
    }
}
