package dev.kiln.schedule;

import dev.kiln.schedule.Lexer.Token;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Recursive-descent parser of the schedule grammar:
 * <pre>
 *   spec      := pipe END
 *   pipe      := seq ( '|' transform )*
 *   seq       := piece ( '>' piece )*
 *   piece     := prod ( 'for' DURATION )?          only before a '>'
 *   prod      := atom ( '*' atom )*
 *   atom      := '(' pipe ')' | term
 *   term      := NAME ( ':' arg ( ',' arg )* )?
 *   arg       := KEY '=' value | WORD              a switch, a bare choice, or the positional value
 *   value     := WORD | '[' WORD ( ',' WORD )* ']'
 *   transform := 'clamp' ( ':' arg ( ',' arg )* )?
 * </pre>
 * Names, keys, choices and {@code for} are case-insensitive (the canonical text is lower case). Every error
 * names the token and its column.
 */
final class Parser {
    private final String text;
    private final List<Token> tokens;
    private int i, depth;
    /** Parentheses nest at most this deep: far past any schedule, and short of the parser's and printer's stack. */
    static final int MAX_DEPTH = 100;

    private Parser(String text) {
        this.text = text;
        this.tokens = Lexer.tokens(text);
    }

    static Ast.Node parse(String text) {
        Parser p = new Parser(text);
        if (p.tokens.isEmpty()) throw p.errorAtEnd("the schedule is empty; write e.g. constant or step:every=2ep,gamma=0.8");
        Ast.Node node = p.pipe();
        if (p.i < p.tokens.size()) {
            Token t = p.peek();
            String hint = t.is(")") ? "a ')' without its '('"
                    : t.is(",") ? "unexpected ','; arguments follow a ':', as in cosine:min=0.1,over=30ep"
                    : "unexpected '" + t.text() + "' after a complete schedule; join schedules with '>' (one after"
                            + " another) or '*' (multiply)";
            throw p.error(t, hint);
        }
        return node;
    }

    private Token peek() {
        return i < tokens.size() ? tokens.get(i) : null;
    }

    private boolean at(String s) {
        Token t = peek();
        return t != null && t.is(s);
    }

    private ScheduleSpecException error(Token t, String problem) {
        return new ScheduleSpecException(text, t.pos(), t.text(), problem);
    }

    private ScheduleSpecException errorAtEnd(String problem) {
        return new ScheduleSpecException(text, text.length(), "", problem);
    }

    private Ast.Node pipe() {
        Ast.Node node = seq();
        while (at("|")) {
            i++;
            Token name = peek();
            if (name == null) throw errorAtEnd("expected clamp:min=...,max=... after '|'");
            if (name.symbol() || !name.text().equalsIgnoreCase(Families.CLAMP.name()))
                throw error(name, "expected clamp after '|' (e.g. | clamp:min=0.01), got '" + name.text() + "'");
            i++;
            node = new Ast.Pipe(node, args(Families.CLAMP, name));
        }
        return node;
    }

    private Ast.Node seq() {
        List<Ast.Piece> pieces = new ArrayList<>();
        while (true) {
            Ast.Node node = prod();
            Duration length = null;
            int lengthPos = -1;
            String lengthToken = null;
            Token forToken = null;
            if (peek() != null && !peek().symbol() && peek().text().equalsIgnoreCase("for")) {
                forToken = peek();
                i++;
                Token d = peek();
                if (d == null) throw errorAtEnd("expected a length after 'for' (e.g. for 30ep)");
                if (d.symbol()) throw error(d, "expected a length after 'for' (e.g. for 30ep), got '" + d.text() + "'");
                try {
                    length = Duration.parse(d.text());
                } catch (IllegalArgumentException e) {
                    throw error(d, e.getMessage());
                }
                lengthPos = d.pos();
                lengthToken = d.text();
                i++;
            }
            pieces.add(new Ast.Piece(node, length, lengthPos, lengthToken));
            if (!at(">")) {
                if (forToken != null)
                    throw error(forToken, "'for' sets the length of a piece followed by '>'; the last piece runs to the end of the run");
                break;
            }
            i++;
            if (peek() == null) throw errorAtEnd("expected a schedule after '>'");
        }
        for (int k = 0; k + 1 < pieces.size(); k++) {
            Ast.Piece piece = pieces.get(k);
            if (piece.length() == null && !hasOwnLength(piece.node())) {
                Ast.Term first = Binder.first(piece.node());
                throw new ScheduleSpecException(text, first.pos(), first.family().name(), "piece " + (k + 1)
                        + " of the sequence needs a length to end at: write '... for 30ep >' (only the last piece runs to"
                        + " the end of the run; warmup:LEN and an explicit over= give their own length)");
            }
        }
        return pieces.size() == 1 ? pieces.get(0).node() : new Ast.Seq(List.copyOf(pieces));
    }

    /** Whether a piece ends by itself: a warmup, or a family with an explicit horizon ({@code over=}). */
    static boolean hasOwnLength(Ast.Node node) {
        return node instanceof Ast.Term t && t.family().lengthParam() != null && t.arg(t.family().lengthParam()).isPresent();
    }

    private Ast.Node prod() {
        List<Ast.Node> factors = new ArrayList<>();
        factors.add(atom());
        while (at("*")) {
            i++;
            if (peek() == null) throw errorAtEnd("expected a schedule after '*'");
            factors.add(atom());
        }
        return factors.size() == 1 ? factors.get(0) : new Ast.Prod(List.copyOf(factors));
    }

    private Ast.Node atom() {
        Token t = peek();
        if (t == null) throw errorAtEnd("expected a schedule");
        if (t.is("(")) {
            i++;
            if (++depth > MAX_DEPTH) throw error(t, "parentheses nested more than " + MAX_DEPTH + " deep");
            if (peek() == null) throw errorAtEnd("expected a schedule after '('");
            Ast.Node inner = pipe();
            depth--;
            if (!at(")")) {
                if (peek() == null) throw error(t, "this '(' is never closed");
                throw error(peek(), "expected ')' to close the '(' at column " + (t.pos() + 1) + ", got '" + peek().text() + "'");
            }
            i++;
            return inner;
        }
        if (t.symbol()) throw error(t, "expected a schedule name, got '" + t.text() + "'");
        i++;
        Family family = Families.byName(t.text().toLowerCase(Locale.ROOT));
        if (family == null) throw error(t, Families.unknown(t.text()));
        return args(family, t);
    }

    /** Reads the optional ':' argument list of a term whose name token was {@code name}. */
    private Ast.Term args(Family family, Token name) {
        Map<String, Ast.Arg> given = new HashMap<>();
        if (at(":")) {
            i++;
            arg(family, given);
            while (at(",")) {
                i++;
                arg(family, given);
            }
        }
        List<Ast.Arg> ordered = new ArrayList<>();
        for (Param p : family.params()) {
            if (given.containsKey(p.name())) ordered.add(given.get(p.name()));
            else if (p.required())
                throw error(name, family.name() + " needs " + p.name() + "= (" + p.help() + ")");
        }
        Ast.Term term = new Ast.Term(family, List.copyOf(ordered), name.pos());
        if (family.check() != null) {
            try {
                family.check().check(term);
            } catch (ScheduleSpecException e) {
                throw e;
            } catch (IllegalArgumentException e) {
                throw error(name, family.name() + ": " + e.getMessage());
            }
        }
        return term;
    }

    private void arg(Family family, Map<String, Ast.Arg> given) {
        Token key = peek();
        if (key == null) throw errorAtEnd("expected an argument of " + family.name() + " (it takes " + family.paramNames() + ")");
        if (key.symbol()) throw error(key, "expected an argument of " + family.name() + " (it takes " + family.paramNames() + "), got '" + key.text() + "'");
        i++;
        Param param;
        List<String> items = new ArrayList<>();
        boolean list = false;
        Token valueToken;
        if (at("=")) {
            i++;
            param = family.param(key.text().toLowerCase(Locale.ROOT)).orElseThrow(() -> error(key,
                    family.name() + " has no parameter '" + key.text() + "'; it takes " + family.paramNames()));
            valueToken = peek();
            if (valueToken == null) throw errorAtEnd("expected a value for " + key.text() + "=");
            if (valueToken.is("[")) {
                list = true;
                i++;
                while (true) {
                    Token item = peek();
                    if (item == null) throw error(valueToken, "this '[' is never closed");
                    if (item.symbol()) throw error(item, "expected a value in the list of " + key.text() + ", got '" + item.text() + "'");
                    items.add(item.text());
                    i++;
                    if (at(",")) { i++; continue; }
                    if (at("]")) { i++; break; }
                    if (peek() == null) throw error(valueToken, "this '[' is never closed");
                    throw error(peek(), "expected ',' or ']' in the list of " + key.text() + ", got '" + peek().text() + "'");
                }
            } else if (valueToken.symbol()) {
                throw error(valueToken, "expected a value for " + key.text() + "=, got '" + valueToken.text() + "'");
            } else {
                items.add(valueToken.text());
                i++;
            }
        } else {
            valueToken = key;
            param = bare(family, key, given);
            items.add(param.kind() == Param.Kind.FLAG ? "true" : key.text());
        }
        if (given.containsKey(param.name()))
            throw error(key, family.name() + ": " + param.name() + " is given twice");
        Object value;
        try {
            value = param.read(items, list);
        } catch (IllegalArgumentException e) {
            throw error(valueToken, family.name() + ": " + e.getMessage());
        }
        given.put(param.name(), new Ast.Arg(param, value, valueToken.pos(), valueToken.text()));
    }

    /** The parameter a word without '=' sets: a switch, a bare choice, or else the positional parameter. */
    private Param bare(Family family, Token word, Map<String, Ast.Arg> given) {
        String w = word.text();
        for (Param p : family.params())
            if (p.kind() == Param.Kind.FLAG && p.name().equalsIgnoreCase(w)) return p;
        for (Param p : family.params())
            if (p.kind() == Param.Kind.CHOICE && p.bare() && p.choices().contains(w.toLowerCase(Locale.ROOT))) return p;
        if (family.positional() != null && !given.containsKey(family.positional()))
            return family.param(family.positional()).orElseThrow();
        throw error(word, "unexpected '" + w + "' in " + family.name() + "; write key=value (" + family.name()
                + " takes " + family.paramNames() + ")");
    }
}
