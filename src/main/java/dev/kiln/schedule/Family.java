package dev.kiln.schedule;

import java.util.List;
import java.util.Optional;

/**
 * A schedule family of the text grammar: its name, its parameters, and how a parsed term becomes a
 * {@link Schedule} for a run.
 *
 * @param name        the word before the colon
 * @param summary     one line: the formula and the library it follows
 * @param params      the parameters, in canonical order
 * @param positional  the parameter that may be written without its key, first ({@code warmup:5%}), or null
 * @param lengthParam the parameter whose explicit value is the piece's length in a sequence, or null
 * @param check       checks across parameters at parse time (throws IllegalArgumentException), or null
 * @param builder     makes the schedule for a run
 */
record Family(String name, String summary, List<Param> params, String positional, String lengthParam,
              Check check, Builder builder) {

    /** Makes the schedule of a term for a run. */
    @FunctionalInterface
    interface Builder {
        Schedule build(Args args, Binder.Ctx ctx);
    }

    /** A check across the parameters of one term. */
    @FunctionalInterface
    interface Check {
        void check(Ast.Term term);
    }

    Optional<Param> param(String key) {
        return params.stream().filter(p -> p.name().equals(key)).findFirst();
    }

    /** The parameter names, comma separated, for messages. */
    String paramNames() {
        return String.join(", ", params.stream().map(Param::name).toList());
    }
}
