package dev.kiln.schedule;

import java.util.List;
import java.util.Optional;

/**
 * The parsed form of a schedule text, and its canonical printing. Operators, loosest first:
 * {@code |} (pipe into clamp), {@code >} (sequence, with {@code for DURATION} on a piece), {@code *}
 * (product); parentheses group. The printer writes parentheses only where precedence needs them, one
 * space around each operator, and each term's arguments in the family's order.
 */
final class Ast {
    private Ast() {}

    /** A node of the expression. */
    sealed interface Node permits Term, Seq, Prod, Pipe {}

    /** One argument as parsed: its parameter, typed value, and where its value starts in the text. */
    record Arg(Param param, Object value, int pos, String token) {}

    /** A family with its arguments, in the family's canonical order. */
    record Term(Family family, List<Arg> args, int pos) implements Node {
        Optional<Arg> arg(String name) {
            return args.stream().filter(a -> a.param().name().equals(name)).findFirst();
        }
    }

    /** A piece of a sequence and its explicit length ({@code for DURATION}), or null. */
    record Piece(Node node, Duration length, int lengthPos, String lengthToken) {}

    /** Pieces one after another; at least two. */
    record Seq(List<Piece> pieces) implements Node {}

    /** A product of at least two factors. */
    record Prod(List<Node> factors) implements Node {}

    /** {@code inner | clamp:...}. */
    record Pipe(Node inner, Term transform) implements Node {}

    private static final int PIPE = 0, SEQ = 1, PROD = 2, ATOM = 3;

    static String print(Node node) {
        StringBuilder s = new StringBuilder();
        print(node, PIPE, s);
        return s.toString();
    }

    private static int level(Node node) {
        if (node instanceof Pipe) return PIPE;
        if (node instanceof Seq) return SEQ;
        if (node instanceof Prod) return PROD;
        return ATOM;
    }

    private static void print(Node node, int level, StringBuilder s) {
        boolean parens = level(node) < level;
        if (parens) s.append('(');
        if (node instanceof Pipe p) {
            print(p.inner(), PIPE, s);
            s.append(" | ");
            printTerm(p.transform(), s);
        } else if (node instanceof Seq q) {
            for (int i = 0; i < q.pieces().size(); i++) {
                Piece piece = q.pieces().get(i);
                if (i > 0) s.append(" > ");
                print(piece.node(), PROD, s);
                if (piece.length() != null) s.append(" for ").append(piece.length());
            }
        } else if (node instanceof Prod p) {
            for (int i = 0; i < p.factors().size(); i++) {
                if (i > 0) s.append(" * ");
                print(p.factors().get(i), ATOM, s);
            }
        } else {
            printTerm((Term) node, s);
        }
        if (parens) s.append(')');
    }

    private static void printTerm(Term t, StringBuilder s) {
        s.append(t.family().name());
        boolean first = true;
        for (Arg a : t.args()) {
            s.append(first ? ':' : ',');
            first = false;
            Param p = a.param();
            String value = p.format(a.value());
            if (p.name().equals(t.family().positional())) {
                s.append(value);
            } else if (p.kind() == Param.Kind.FLAG && Boolean.TRUE.equals(a.value())) {
                s.append(p.name());
            } else if (p.kind() == Param.Kind.CHOICE && p.bare()) {
                s.append(value);
            } else {
                s.append(p.name()).append('=').append(value);
            }
        }
    }
}
