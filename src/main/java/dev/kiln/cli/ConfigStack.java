package dev.kiln.cli;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A run's settings, layered: a config file ({@code --config}, JSON or YAML), then the flags on the command
 * line, which override the file key by key. Keys are the flag names without the dashes ({@code batch-size},
 * {@code clip-norm}); {@code --[no-]shuffle} is {@code shuffle: false}, {@code --variant} is {@code variants}.
 * Relative paths in a file ({@code data}, {@code test}, {@code init}, {@code out}) are resolved against the
 * file's directory, those on the command line against the working directory.
 *
 * <p>Every value remembers where it came from, so an error can name it: {@code --epochs: must be >= 1, got -3}
 * or {@code run.yaml: epochs: must be >= 1, got -3}. Keys a command does not know are an error naming the key.
 */
final class ConfigStack {
    /** Every key a config file may hold, in the order config.json writes them. */
    static final List<String> ALL_KEYS = List.of("name", "data", "test", "label", "standardize", "validation-split",
            "layers", "loss", "init", "optimizer", "schedule", "clip-norm", "clip-value", "on-divergence", "nan-policy", "epochs", "batch-size", "seed",
            "shuffle", "backend", "device", "out", "variants");

    /** Keys whose values are paths (or data sources). */
    private static final Set<String> PATH_KEYS = Set.of("data", "test", "init", "out");

    // a key given twice is an error, not the last one silently winning
    // and anything after the one mapping (a second JSON object, a second YAML document) is an error, not ignored
    private static final ObjectMapper JSON = new ObjectMapper().enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final ObjectNode values = JsonNodeFactory.instance.objectNode();
    private final Map<String, String> origins = new HashMap<>();
    private final java.util.List<String> files = new java.util.ArrayList<>();
    private final Set<String> known, ignored;
    private final String command;

    /**
     * @param command the subcommand, for messages ("train")
     * @param known   the keys it accepts
     */
    ConfigStack(String command, Set<String> known) {
        this(command, known, Set.of());
    }

    /**
     * @param command the subcommand, for messages ("lr-find")
     * @param known   the keys it accepts
     * @param ignored keys a file may hold that this command passes over (so a training config serves it too)
     */
    ConfigStack(String command, Set<String> known, Set<String> ignored) {
        this.command = command;
        this.known = new LinkedHashSet<>(known);
        this.ignored = Set.copyOf(ignored);
    }

    /** Adds a config file's values (they replace earlier values of the same keys). */
    void addFile(Path file) {
        String name = file.toString();
        files.add(name);
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw CliException.usage("--config: " + name + ": no such file");
        } catch (IOException e) {
            throw CliException.usage("--config: " + name + ": cannot read: " + e.getMessage());
        }
        String lower = name.toLowerCase(Locale.ROOT);
        ObjectMapper m = lower.endsWith(".json") ? JSON : YAML;
        JsonNode root;
        try {
            root = m.readTree(text);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " line " + at.getLineNr() + ", column " + at.getColumnNr() + ":";
            String msg = e.getOriginalMessage() != null && e.getOriginalMessage().startsWith("Trailing token")
                    ? "more after the settings (a second JSON object or YAML document); a config file is one mapping of keys to values"
                    : Failures.oneLine(e.getOriginalMessage());
            throw CliException.usage(name + ":" + where + " " + msg);
        }
        if (root == null || root.isMissingNode() || root.isNull()) return;   // an empty file sets nothing
        if (!root.isObject()) throw CliException.usage(name + ": expected a mapping of keys to values, got " + kind(root));
        Path base = file.toAbsolutePath().getParent();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            if (ignored.contains(key)) continue;
            if (!known.contains(key)) {
                String hint = ALL_KEYS.contains(key) ? " (kiln " + command + " does not take it)" : " (known: " + String.join(", ", known) + ")";
                throw CliException.usage(name + ": unknown key '" + key + "'" + hint);
            }
            JsonNode v = e.getValue();
            if (v.isNull()) continue;
            if (PATH_KEYS.contains(key)) {
                if (!v.isTextual()) throw CliException.usage(name + ": " + key + ": expected a path, got " + kind(v));
                v = JsonNodeFactory.instance.textNode(key.equals("data") || key.equals("test")
                        ? DataSource.resolve(v.asText(), base) : base.resolve(v.asText()).normalize().toString());
            }
            values.set(key, v);
            origins.put(key, name + ": " + key);
        }
    }

    /** Sets a key from a flag when the flag was given ({@code value} not null). */
    void flag(String key, String flag, Object value) {
        if (value == null) return;
        if (!known.contains(key)) throw new IllegalStateException("kiln " + command + " has no key " + key);
        JsonNode v = JSON.valueToTree(value);
        if (PATH_KEYS.contains(key)) {
            Path cwd = Path.of("").toAbsolutePath();
            v = JsonNodeFactory.instance.textNode(key.equals("data") || key.equals("test")
                    ? DataSource.resolve(value.toString(), cwd) : cwd.resolve(value.toString()).normalize().toString());
        }
        values.set(key, v);
        origins.put(key, flag);
    }

    /** Sets the variants from {@code --variant} flags when any were given. */
    void variantFlags(List<Variant> variants) {
        if (variants == null || variants.isEmpty()) return;
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        for (Variant v : variants) a.add(v.toJson());
        values.set("variants", a);
        origins.put("variants", "--variant");
    }

    /** Whether the command takes this key at all. */
    boolean known(String key) { return known.contains(key); }

    /** Whether a value was given (in a file or a flag). */
    boolean has(String key) { return values.has(key); }

    /** Where a key's value came from: {@code --epochs}, {@code run.yaml: epochs}, or {@code key} for a default. */
    String origin(String key) { return origins.getOrDefault(key, key); }

    /**
     * Where a missing required setting was looked for, for its message: "" without config files, else
     * " (neither a flag nor a key of race.yaml)" (an empty config file said only "--layers is required").
     */
    String lookedIn(String key) {
        return files.isEmpty() ? "" : " (neither a flag nor a key '" + key + "' of " + String.join(", ", files) + ")";
    }

    /** A bad-value error naming the value's origin. */
    CliException bad(String key, String problem) {
        return CliException.usage(origin(key) + ": " + problem);
    }

    String string(String key, String def) {
        JsonNode v = values.get(key);
        if (v == null) return def;
        if (!v.isValueNode() || v.isBinary()) throw bad(key, "expected a text value, got " + kind(v));
        return v.asText();
    }

    Integer integer(String key, Integer def) {
        JsonNode v = values.get(key);
        if (v == null) return def;
        if (!v.isIntegralNumber() || !v.canConvertToInt()) throw bad(key, "expected an integer, got " + kind(v));
        return v.intValue();
    }

    Long whole(String key, Long def) {
        JsonNode v = values.get(key);
        if (v == null) return def;
        if (!v.isIntegralNumber() || !v.canConvertToLong()) throw bad(key, "expected an integer, got " + kind(v));
        return v.longValue();
    }

    Double number(String key, Double def) {
        JsonNode v = values.get(key);
        if (v == null) return def;
        if (!v.isNumber()) throw bad(key, "expected a number, got " + kind(v));
        return v.doubleValue();
    }

    Boolean bool(String key, Boolean def) {
        JsonNode v = values.get(key);
        if (v == null) return def;
        if (!v.isBoolean()) throw bad(key, "expected true or false, got " + kind(v));
        return v.booleanValue();
    }

    /** The variants (compare), or null when none were given. */
    List<Variant> variants() {
        JsonNode v = values.get("variants");
        if (v == null) return null;
        if (!v.isArray()) throw bad("variants", "expected a list of {name, schedule, optimizer}, got " + kind(v));
        List<Variant> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) out.add(Variant.fromJson(v.get(i), origin("variants") + "[" + i + "]"));
        return out;
    }

    /** How a JSON value reads in a message: {@code "ten"}, {@code -3}, {@code a list}. */
    static String kind(JsonNode v) {
        if (v.isTextual()) return "'" + v.asText() + "'";
        if (v.isArray()) return "a list";
        if (v.isObject()) return "a mapping";
        return v.toString();
    }
}
