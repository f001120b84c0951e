package dev.ferry.server.config;

import java.time.Duration;

/**
 * Resumable sessions and durable subscriptions (docs/protocol.md §4.5).
 *
 * @param ttl how long a session outlives its last connection; within it a client may resume (default 5m)
 * @param secret the HMAC key that signs session tokens; {@code null} or empty: a random key generated at start
 *     (tokens then die with the process; every node of a cluster must be given the same secret)
 * @param cookie name of the cookie the WebSocket upgrade response sets with the session token, and that a
 *     browser's next upgrade presents (default {@code ferry_session}; empty: no cookie)
 */
public record SessionConfig(Duration ttl, String secret, String cookie) {
    /** A secret shorter than this many bytes is refused: HMAC-SHA256 deserves a key of at least 128 bits. */
    public static final int MIN_SECRET_BYTES = 16;

    public static final SessionConfig DEFAULT = new SessionConfig(Duration.ofMinutes(5), null, "ferry_session");

    public SessionConfig {
        Checks.positive("session.ttl", ttl);
        secret = secret == null || secret.isEmpty() ? null : secret;
        if (secret != null && secret.getBytes(java.nio.charset.StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
            throw new ConfigException("session.secret: too short (expected: at least " + MIN_SECRET_BYTES + " bytes)");
        }
        cookie = cookie == null ? "" : cookie;
        if (!cookie.isEmpty() && !cookie.matches("[A-Za-z0-9_\\-]+")) {
            throw new ConfigException("session.cookie: \"" + cookie + "\" (expected: letters, digits, _ and -)");
        }
    }

    @Override
    public String toString() {
        return "SessionConfig[ttl=" + ttl + ", secret=" + (secret == null ? "generated" : "***") + ", cookie=" + cookie + "]";
    }
}
