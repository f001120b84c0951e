package dev.ferry.server.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A typed reader of configuration values: the text given for each key, read by the key's {@link ConfigKey}
 * declaration (type, range) and falling back to its declared default. The server's loader and every extension
 * read their sections through it, so a size, a duration or a boolean is parsed, and its error worded, in one place.
 *
 * <p>Asking for a key the schema does not declare, or with a type other than the declared one, is a programming
 * error ({@link IllegalArgumentException}); a malformed or out-of-range value is a {@link ConfigException}
 * naming the key.
 */
public final class Settings {
    private final ConfigSchema schema;
    private final Map<String, String> values;

    /** {@code values}: the text given per full key name (e.g. {@code presence.rules.rooms.pattern}). */
    public Settings(ConfigSchema schema, Map<String, String> values) {
        this.schema = schema;
        this.values = new LinkedHashMap<>(values);
    }

    public ConfigSchema schema() {
        return schema;
    }

    /** Whether a value was given for {@code key}. */
    public boolean isSet(String key) {
        return values.containsKey(key);
    }

    /** The text given for {@code key}, or null. */
    public String raw(String key) {
        return values.get(key);
    }

    /** The text given for every key, by full name. */
    public Map<String, String> values() {
        return Map.copyOf(values);
    }

    /**
     * The user-chosen names of the entries under {@code prefix} ({@code presence.rules.} gives {@code rooms} for
     * {@code presence.rules.rooms.pattern}), in name order.
     */
    public TreeSet<String> names(String prefix) {
        TreeSet<String> names = new TreeSet<>();
        for (String key : values.keySet()) {
            if (key.startsWith(prefix) && schema.isKnown(key)) {
                int dot = key.indexOf('.', prefix.length());
                names.add(dot < 0 ? key.substring(prefix.length()) : key.substring(prefix.length(), dot));
            }
        }
        return names;
    }

    private Object read(String key, ConfigKey.Type type, Object fallback, boolean useFallback) {
        ConfigKey k = schema.find(key).orElseThrow(() -> new IllegalArgumentException("undeclared key " + key));
        if (k.type() != type) {
            throw new IllegalArgumentException(key + " is declared " + k.type() + ", read as " + type);
        }
        String v = values.get(key);
        if (v != null) {
            return k.parse(key, v);
        }
        if (useFallback) {
            return fallback;
        }
        return k.defaultValue() == null ? null : k.parse(key, k.defaultValue());
    }

    /** The text of a {@link ConfigKey.Type#STRING} key, or its default (null when it has none). */
    public String string(String key) {
        return (String) read(key, ConfigKey.Type.STRING, null, false);
    }

    public int integer(String key) {
        return (Integer) required(key, read(key, ConfigKey.Type.INTEGER, null, false));
    }

    /** The value of an integer key, or {@code def} when none was given (for defaults taken from another key). */
    public int integer(String key, int def) {
        return (Integer) read(key, ConfigKey.Type.INTEGER, def, true);
    }

    public int size(String key) {
        return (Integer) required(key, read(key, ConfigKey.Type.SIZE, null, false));
    }

    public int size(String key, int def) {
        return (Integer) read(key, ConfigKey.Type.SIZE, def, true);
    }

    /** A duration, or its default (null when it has none). */
    public Duration duration(String key) {
        return (Duration) read(key, ConfigKey.Type.DURATION, null, false);
    }

    public Duration duration(String key, Duration def) {
        return (Duration) read(key, ConfigKey.Type.DURATION, def, true);
    }

    public boolean bool(String key) {
        return (Boolean) required(key, read(key, ConfigKey.Type.BOOLEAN, null, false));
    }

    public boolean bool(String key, boolean def) {
        return (Boolean) read(key, ConfigKey.Type.BOOLEAN, def, true);
    }

    /** A list, or its default (empty when it has none). */
    @SuppressWarnings("unchecked")
    public List<String> list(String key) {
        Object v = read(key, ConfigKey.Type.LIST, null, false);
        return v == null ? List.of() : (List<String>) v;
    }

    /** The lower-cased word of a {@link ConfigKey.Type#CHOICE} key, or its default (null when it has none). */
    public String choice(String key) {
        return (String) read(key, ConfigKey.Type.CHOICE, null, false);
    }

    /** A path, or null when none was given (or it is blank). */
    public Path path(String key) {
        return (Path) read(key, ConfigKey.Type.PATH, null, false);
    }

    private static Object required(String key, Object v) {
        if (v == null) {
            throw new IllegalArgumentException(key + " has no declared default: pass one");
        }
        return v;
    }
}
