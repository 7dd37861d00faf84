package dev.kiln.optim;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The text form of optimizers, the same in the CLI, in config files and in checkpoints:
 * {@code name[:key=value,...]}, keys as PyTorch's argument names, flags bare ({@code amsgrad}) or
 * {@code =true/false}, the betas pair as {@code betas=0.9/0.999}; absent keys take PyTorch's defaults.
 * <pre>
 *   sgd:lr=0.01,momentum=0.9,nesterov
 *   adam:lr=1e-3,betas=0.9/0.999,amsgrad
 *   adamw:lr=3e-4,weight_decay=0.05
 * </pre>
 * Each optimizer's {@link Optimizer#spec()} prints the canonical form (lr, then the options that differ from
 * the defaults), which parses back to an equal optimizer.
 */
public final class Optimizers {
    private Optimizers() {}

    private static final Map<String, Function<OptimizerSpec, Optimizer>> PARSERS = new LinkedHashMap<>();

    static {
        PARSERS.put("sgd", Sgd::parse);
        PARSERS.put("adagrad", Adagrad::parse);
        PARSERS.put("adadelta", Adadelta::parse);
        PARSERS.put("rmsprop", RmsProp::parse);
        PARSERS.put("adam", Adam::parse);
        PARSERS.put("adamw", AdamW::parse);
        PARSERS.put("nadam", NAdam::parse);
        PARSERS.put("radam", RAdam::parse);
        PARSERS.put("lion", Lion::parse);
    }

    /** The optimizer names the text form knows, in documentation order. */
    public static List<String> names() { return List.copyOf(PARSERS.keySet()); }

    /**
     * Parses the text form. Throws {@link IllegalArgumentException} with a one-line message that quotes
     * the spec and names the bad token: an unknown optimizer or option, a value that is not a number, a
     * value out of range.
     */
    public static Optimizer parse(String spec) {
        OptimizerSpec s = OptimizerSpec.read(spec);
        Function<OptimizerSpec, Optimizer> parser = PARSERS.get(s.name());
        if (parser == null)
            throw s.error("unknown optimizer '" + s.name() + "' (known: " + String.join(", ", PARSERS.keySet()) + ")");
        return parser.apply(s);
    }

    // ---- helpers shared by the optimizer classes ---------------------------------------------------

    /** Steps count from 1 (PyTorch's {@code state['step']} after its increment). */
    static void checkStep(long t) {
        if (t < 1) throw new IllegalArgumentException("optimizer step must be >= 1 (1 for the first update), got " + t);
    }

    /** Zeroes the hyper slots a rule does not use, so no value of another optimizer lingers there. */
    static void clearFrom(float[] h, int from) {
        Arrays.fill(h, from, h.length, 0f);
    }

    /** A beta must be in [0, 1) (PyTorch's check); -0.0 becomes 0.0. */
    static double beta(String optimizer, String what, double beta) {
        return OptimizerSpec.inRange(optimizer, what, beta, 0, 1, true);
    }

    /** The scheduled beta1 when the schedule gives one (not NaN), else the optimizer's own; checked in [0, 1). */
    static double beta1(double scheduled, double own) {
        if (Double.isNaN(scheduled)) return own;
        if (!(scheduled >= 0 && scheduled < 1))
            throw new IllegalArgumentException("scheduled beta1 must be in [0, 1), got " + scheduled);
        return scheduled;
    }

    /** {@code ,betas=a/b} when either differs from its default, else nothing. */
    static String betas(double beta1, double beta2, double default1, double default2) {
        if (beta1 == default1 && beta2 == default2) return "";
        return ",betas=" + OptimizerSpec.number(beta1) + "/" + OptimizerSpec.number(beta2);
    }
}
