package dev.ferry.server.config;

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

    static <T> T notNull(String key, T v) {
        if (v == null) {
            throw new ConfigException(key + ": missing");
        }
        return v;
    }
}
