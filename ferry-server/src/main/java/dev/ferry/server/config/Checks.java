package dev.ferry.server.config;

import dev.ferry.protocol.Topics;
import java.time.Duration;

/** Validation helpers for the compact constructors of the config records. */
final class Checks {
    private Checks() {
    }

    static Duration positive(String key, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new ConfigException(key + ": " + d + " (expected: a positive duration such as 500ms, 10s, 5m)");
        }
        return d;
    }

    /** Checks {@code v} against the range declared for {@code key} in {@link FerryKeys#SCHEMA}. */
    static int declared(String key, int v) {
        ConfigKey k = FerryKeys.SCHEMA.find(key).orElseThrow(() -> new IllegalArgumentException("undeclared key " + key));
        k.parse(key, Integer.toString(v));
        return v;
    }

    /** Checks a topic pattern given under {@code key}: present and well-formed ({@link Topics#checkPattern}). */
    static String pattern(String key, String pattern) {
        notNull(key, pattern);
        String why = Topics.checkPattern(pattern);
        if (why != null) {
            throw new ConfigException(key + ": " + why);
        }
        return pattern;
    }

    /** Checks the name of a configured entry ({@code key} is the entry's prefix, such as {@code hooks.rpc.calc}). */
    static String name(String key, String name) {
        if (!name.matches("[A-Za-z0-9_-]{1,64}")) {
            throw new ConfigException(key + ": the name must be 1 to 64 letters, digits, '_' or '-'");
        }
        return name;
    }

    static <T> T notNull(String key, T v) {
        if (v == null) {
            throw new ConfigException(key + ": missing");
        }
        return v;
    }
}
