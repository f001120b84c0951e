package dev.ferry.redis;

import dev.ferry.server.config.ConfigException;
import dev.ferry.server.config.ConfigSchema;
import dev.ferry.server.config.Settings;
import java.time.Duration;
import java.util.Map;

/**
 * The Redis engine's section of the configuration ({@code redis.*}, docs/redis.md), declared in {@link #SCHEMA}
 * and read through the same typed {@link Settings} as the server's own keys.
 *
 * @param uri the Redis URI, as Lettuce reads it; a Redis Cluster is named by {@code redis-cluster://} (or
 *     {@code rediss-cluster://}) followed by seed nodes {@code host:port,...}
 * @param prefix prefix of every Redis key and channel Ferry uses, so several clusters can share one Redis;
 *     letters, digits, {@code _ - . :} only
 * @param timeout how long a Redis command may take before the operation fails; also how long the liveness probe
 *     waits for an answer before the node reports not ready
 */
public record RedisConfig(String uri, String prefix, Duration timeout) {
    public static final String SECTION = "redis";

    /** The section's keys, declared once: docs/configuration.md's {@code redis} table is generated from them. */
    public static final ConfigSchema SCHEMA = ConfigSchema.builder()
            .table("redis")
            .string("redis.uri", "redis://127.0.0.1:6379", null,
                    "with `engine: redis`, the Redis server, as a Lettuce URI (`redis://[:password@]host:port[/db]`, `rediss://` for TLS; `redis-sentinel://...` as Lettuce reads it), or a Redis Cluster: `redis-cluster://host1:7000,host2:7000` (`rediss-cluster://` for TLS) lists seed nodes (docs/redis.md)")
            .string("redis.prefix", "ferry", null,
                    "prefix of every Redis key and channel Ferry uses, so that several clusters can share one Redis; 1 to 64 letters, digits, `_`, `-`, `.`, `:`")
            .duration("redis.timeout", "5s", null,
                    "how long a Redis command may take; past it the `sub` or `history` that needed it fails with `unavailable`, and a `pub` with `outcome_unknown` (it may have been published; docs/protocol.md, \"pub\"). Also bounds the liveness probe: a `PING` sent every second (every `redis.timeout` when shorter) that goes unanswered this long makes the node not ready (`/readyz` 503) and refuse commands that need Redis, unsent, with `unavailable`, until a `PING` is answered (docs/redis.md, \"Redis outages\")")
            .build();

    /** Every key at its default: the Redis on 127.0.0.1:6379, prefix {@code ferry}, 5 s. */
    public static final RedisConfig DEFAULT = parse(new Settings(SCHEMA, Map.of()));

    public RedisConfig {
        if (uri == null || !uri.matches(
                "(redis|rediss|redis-sentinel|rediss-sentinel|redis-socket|redis-cluster|rediss-cluster)://.+")) {
            throw new ConfigException("redis.uri: " + uri + " (expected: a Redis URI such as redis://host:6379, "
                    + "rediss://..., redis-sentinel://..., or redis-cluster://host1:7000,host2:7000 for a Redis Cluster)");
        }
        if (prefix == null || !prefix.matches("[A-Za-z0-9_.:-]{1,64}")) {
            throw new ConfigException("redis.prefix: \"" + prefix
                    + "\" (expected: 1 to 64 letters, digits, '_', '-', '.' or ':')");
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new ConfigException("redis.timeout: " + timeout + " (expected: > 0)");
        }
    }

    /** Reads the section's keys, declared in {@link #SCHEMA}; the exception names the bad key. */
    public static RedisConfig parse(Settings settings) {
        return new RedisConfig(settings.string("redis.uri").trim(), settings.string("redis.prefix").trim(),
                settings.duration("redis.timeout"));
    }

    public RedisConfig withUri(String u) {
        return new RedisConfig(u, prefix, timeout);
    }

    public RedisConfig withPrefix(String p) {
        return new RedisConfig(uri, p, timeout);
    }

    public RedisConfig withTimeout(Duration t) {
        return new RedisConfig(uri, prefix, t);
    }
}
