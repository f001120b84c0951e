package dev.ferry.server.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The declaration of one configuration key: its name, type, default, range and the line that documents it. The
 * loader, validation, the list of known keys, {@code ferry serve --help}, {@code ferry config keys} and the tables
 * of docs/configuration.md all read these declarations (see {@link ConfigSchema}).
 *
 * <p>A name may hold the word {@code <name>}, which stands for a name the user chooses
 * ({@code presence.rules.<name>.pattern} declares {@code presence.rules.rooms.pattern}).
 *
 * @param name         the key, e.g. {@code websocket.max-message-bytes}
 * @param type         how its text is read
 * @param defaultValue the default as it would be written in configuration ({@code 1MiB}, {@code 25s}), or null
 *                     when the key has none or its default is computed elsewhere
 * @param shownDefault what the documentation shows as the default when it is not {@code defaultValue} itself
 *                     (Markdown, e.g. {@code none (TLS off)}); null shows {@code defaultValue}, or {@code none}
 * @param choices      the accepted words of a {@link Type#CHOICE} key, lower-case; empty for other types
 * @param min          the smallest accepted number of an {@link Type#INTEGER} or {@link Type#SIZE} key, or null
 * @param max          the largest accepted number, or null
 * @param table        which table of docs/configuration.md lists the key
 * @param doc          the meaning, one line of Markdown
 */
public record ConfigKey(String name, Type type, String defaultValue, String shownDefault, List<String> choices,
                        Long min, Long max, String table, String doc) {
    /** The word of a key name that stands for a user-chosen name. */
    public static final String NAME = "<name>";

    /** How a key's text is read. */
    public enum Type {
        STRING("text"),
        INTEGER("integer"),
        /** Bytes: a bare number, or with {@code B}, {@code KiB}, {@code MiB} or {@code GiB}. */
        SIZE("size"),
        /** {@code 250ms}, {@code 10s}, {@code 5m}, {@code 1h}; a bare number is milliseconds. */
        DURATION("duration"),
        BOOLEAN("boolean"),
        /** Comma-separated in variables and settings, a sequence in YAML. */
        LIST("list"),
        /** One of the declared {@link ConfigKey#choices()}, case-insensitive. */
        CHOICE("choice"),
        PATH("path");

        private final String word;

        Type(String word) {
            this.word = word;
        }

        /** The word {@code ferry config keys} shows for the type. */
        public String word() {
            return word;
        }
    }

    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KiB|MiB|GiB)?");
    private static final Pattern KEY = Pattern.compile("[a-z][a-z0-9-]*(\\.([a-z][a-z0-9-]*|<name>))*");

    public ConfigKey {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(doc, "doc");
        if (!KEY.matcher(name).matches()) {
            throw new IllegalArgumentException("key name: " + name);
        }
        choices = List.copyOf(choices);
        if ((type == Type.CHOICE) == choices.isEmpty()) {
            throw new IllegalArgumentException(name + ": choices are for CHOICE keys, which need some");
        }
    }

    /** Whether the name holds {@code <name>}. */
    public boolean named() {
        return name.contains(NAME);
    }

    /** Whether {@code key} is this key, a {@code <name>} word standing for any name without a dot. */
    public boolean matches(String key) {
        if (!named()) {
            return name.equals(key);
        }
        return namePattern().matcher(key).matches();
    }

    /** A pattern for the key, its {@code <name>} words as groups. */
    Pattern namePattern() {
        return Pattern.compile(Pattern.quote(name).replace(NAME, "\\E([^.]+)\\Q"));
    }

    /** The default as the documentation shows it, in Markdown. */
    public String documentedDefault() {
        if (shownDefault != null) {
            return shownDefault;
        }
        return defaultValue == null ? "none" : "`" + defaultValue + "`";
    }

    /**
     * Reads {@code text} given for {@code key} (this key, or a name it matches): a {@link String} (trimmed for
     * {@link Type#CHOICE}, lower-cased), {@link Integer}, {@link Duration}, {@link Boolean}, {@code List<String>}
     * or {@link Path}. Throws a {@link ConfigException} naming {@code key} and what was expected.
     */
    public Object parse(String key, String text) {
        return switch (type) {
            case STRING -> text;
            case INTEGER -> inRange(key, integer(key, text));
            case SIZE -> inRange(key, size(key, text));
            case DURATION -> Durations.parse(key, text);
            case BOOLEAN -> bool(key, text);
            case LIST -> list(text);
            case CHOICE -> choice(key, text);
            case PATH -> text.isBlank() ? null : Path.of(text.trim());
        };
    }

    private int inRange(String key, int v) {
        if (min != null && max != null && (v < min || v > max)) {
            throw new ConfigException(key + ": " + v + " (expected: " + min + ".." + max + ")");
        }
        if (min != null && v < min) {
            throw new ConfigException(key + ": " + v + (min == 1 ? " (expected: > 0)" : " (expected: >= " + min + ")"));
        }
        if (max != null && v > max) {
            throw new ConfigException(key + ": " + v + " (expected: <= " + max + ")");
        }
        return v;
    }

    private static int integer(String key, String v) {
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(key + ": \"" + v + "\" (expected: an integer)");
        }
    }

    private static int size(String key, String v) {
        Matcher m = SIZE.matcher(v.trim());
        if (!m.matches()) {
            throw new ConfigException(key + ": \"" + v + "\" (expected: a size in bytes such as 1048576, 512KiB, 1MiB)");
        }
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw new ConfigException(key + ": \"" + v + "\" (expected: at most 2GiB - 1)");
        }
        long bytes = switch (m.group(2) == null ? "B" : m.group(2)) {
            case "KiB" -> n << 10;
            case "MiB" -> n << 20;
            case "GiB" -> n << 30;
            default -> n;
        };
        if (n > Integer.MAX_VALUE || bytes > Integer.MAX_VALUE) {
            throw new ConfigException(key + ": \"" + v + "\" (expected: at most 2GiB - 1)");
        }
        return (int) bytes;
    }

    private static boolean bool(String key, String v) {
        return switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw new ConfigException(key + ": \"" + v + "\" (expected: true or false)");
        };
    }

    private static List<String> list(String v) {
        List<String> out = new ArrayList<>();
        for (String s : v.split(",")) {
            if (!s.isBlank()) {
                out.add(s.trim());
            }
        }
        return List.copyOf(out);
    }

    private String choice(String key, String v) {
        String word = v.trim().toLowerCase(Locale.ROOT);
        if (!choices.contains(word)) {
            String expected = choices.size() == 2 ? choices.get(0) + " or " + choices.get(1)
                    : String.join(", ", choices.subList(0, choices.size() - 1)) + " or " + choices.get(choices.size() - 1);
            throw new ConfigException(key + ": \"" + v + "\" (expected: " + expected + ")");
        }
        return word;
    }
}
