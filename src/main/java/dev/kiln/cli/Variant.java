package dev.kiln.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.regex.Pattern;

/**
 * One contestant of {@code kiln compare}: a name, a schedule text and an optimizer text (either may be
 * null: the compare run's {@code schedule} / {@code optimizer} then applies). On the command line
 * {@code --variant NAME=SCHEDULE[;OPTIMIZER]} (the name ends at the first '=', the optimizer starts after
 * the first ';', which neither grammar uses); in a config file {@code {name: ..., schedule: ..., optimizer: ...}}.
 *
 * @param name      letters, digits, '.', '_' and '-' (it names the variant's directory)
 * @param schedule  the schedule text, or null
 * @param optimizer the optimizer text, or null
 */
record Variant(String name, String schedule, String optimizer) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]*");

    /** Files of a compare run directory that a variant's directory must not take the name of. */
    private static final java.util.Set<String> RESERVED = java.util.Set.of("config.json", "provenance.json", "compare.csv",
            "compare.png", "init.safetensors");

    Variant {
        if (name == null || name.isEmpty()) throw new IllegalArgumentException("a variant has no name");
        if (!NAME.matcher(name).matches())
            throw new IllegalArgumentException("variant name '" + name + "' must be letters, digits, '.', '_' or '-' (not starting with '.' or '-')");
        if (RESERVED.contains(name))
            throw new IllegalArgumentException("variant name '" + name + "' is the name of one of compare's own files (" + String.join(", ",
                    new java.util.TreeSet<>(RESERVED)) + ")");
    }

    /** Parses {@code NAME=SCHEDULE[;OPTIMIZER]}; errors name the text. */
    static Variant parse(String text) {
        int eq = text.indexOf('=');
        if (eq < 0)
            throw CliException.usage("--variant '" + text + "': expected NAME=SCHEDULE[;OPTIMIZER], e.g. step='step:every=2ep,gamma=0.8'");
        String name = text.substring(0, eq).strip();
        String rest = text.substring(eq + 1);
        int semi = rest.indexOf(';');
        String schedule = (semi < 0 ? rest : rest.substring(0, semi)).strip();
        String optimizer = semi < 0 ? null : rest.substring(semi + 1).strip();
        try {
            return new Variant(name, schedule.isEmpty() ? null : schedule, optimizer == null || optimizer.isEmpty() ? null : optimizer);
        } catch (IllegalArgumentException e) {
            throw CliException.usage("--variant '" + text + "': " + e.getMessage());
        }
    }

    /** Reads {@code {name, schedule, optimizer}}; {@code origin} names it in errors. */
    static Variant fromJson(JsonNode n, String origin) {
        if (n == null || !n.isObject()) throw CliException.usage(origin + ": expected {name, schedule, optimizer}");
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!k.equals("name") && !k.equals("schedule") && !k.equals("optimizer"))
                throw CliException.usage(origin + ": unknown key '" + k + "' (known: name, schedule, optimizer)");
        }
        try {
            return new Variant(text(n, "name", origin), text(n, "schedule", origin), text(n, "optimizer", origin));
        } catch (IllegalArgumentException e) {
            throw CliException.usage(origin + ": " + e.getMessage());
        }
    }

    private static String text(JsonNode n, String key, String origin) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) return null;
        if (!v.isTextual()) throw CliException.usage(origin + ": " + key + ": expected text, got " + ConfigStack.kind(v));
        return v.asText();
    }

    /** The config-file form. */
    ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("name", name);
        if (schedule != null) o.put("schedule", schedule);
        if (optimizer != null) o.put("optimizer", optimizer);
        return o;
    }
}
