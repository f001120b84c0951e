package dev.ferry.server.config;

import java.time.Duration;

/** Validation helpers for the compact constructors of the config records. */
final class Checks {
    private Checks() {
    }

    static int positive(String key, int v) {
        if (v <= 0) {
            throw new ConfigException(key + ": " + v + " (expected: > 0)");
        }
        return v;
    }

    static int atLeast(String key, int v, int min) {
        if (v < min) {
            throw new ConfigException(key + ": " + v + " (expected: >= " + min + ")");
        }
        return v;
    }

    static Duration positive(String key, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new ConfigException(key + ": " + d + " (expected: a positive duration such as 500ms, 10s, 5m)");
        }
        return d;
    }

    static <T> T notNull(String key, T v) {
        if (v == null) {
            throw new ConfigException(key + ": missing");
        }
        return v;
    }
}
