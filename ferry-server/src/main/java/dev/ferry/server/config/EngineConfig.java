package dev.ferry.server.config;

import java.time.Duration;
import java.util.List;

/**
 * Which engine carries publications, history and calls (docs/redis.md).
 *
 * @param engine {@code memory} (one node; default) or {@code redis} (several nodes sharing one Redis; needs the
 *     ferry-redis module on the class path)
 * @param redisUri the Redis URI, as Lettuce reads it (default {@code redis://127.0.0.1:6379}); a Redis Cluster is
 *     named by {@code redis-cluster://} (or {@code rediss-cluster://}) followed by seed nodes {@code host:port,...}
 * @param redisPrefix prefix of every Redis key and channel Ferry uses, so several clusters can share one Redis
 *     (default {@code ferry}); letters, digits, {@code _ - . :} only
 * @param redisTimeout how long a Redis command may take before the operation fails (default 5s); also how long
 *     the Redis engine's liveness probe waits for an answer before the node reports not ready
 * @param dedupWindow how long a publication id is remembered, so that a retry of the publication within it is
 *     recognised and not published again ({@code publish.dedup-window}, default 2m)
 * @param dedupMaxIds the most publication ids one node remembers with the memory engine (about 250 bytes each); a
 *     publication with a new id beyond it is refused with {@code too_many_pub_ids} ({@code publish.dedup-max-ids},
 *     default 100000)
 */
public record EngineConfig(String engine, String redisUri, String redisPrefix, Duration redisTimeout,
                           Duration dedupWindow, int dedupMaxIds) {
    public static final List<String> ENGINES = List.of("memory", "redis");
    public static final EngineConfig DEFAULT = new EngineConfig("memory", "redis://127.0.0.1:6379", "ferry",
            Duration.ofSeconds(5), Duration.ofMinutes(2), 100_000);

    /** An engine configuration with the default publication id window and cap. */
    public EngineConfig(String engine, String redisUri, String redisPrefix, Duration redisTimeout) {
        this(engine, redisUri, redisPrefix, redisTimeout, DEFAULT.dedupWindow, DEFAULT.dedupMaxIds);
    }

    public EngineConfig {
        Checks.notNull("engine", engine);
        if (!ENGINES.contains(engine)) {
            throw new ConfigException("engine: " + engine + " (expected: one of " + String.join(", ", ENGINES) + ")");
        }
        Checks.notNull("redis.uri", redisUri);
        if (!redisUri.matches("(redis|rediss|redis-sentinel|rediss-sentinel|redis-socket|redis-cluster|rediss-cluster)://.+")) {
            throw new ConfigException("redis.uri: " + redisUri + " (expected: a Redis URI such as redis://host:6379, "
                    + "rediss://..., redis-sentinel://..., or redis-cluster://host1:7000,host2:7000 for a Redis Cluster)");
        }
        Checks.notNull("redis.prefix", redisPrefix);
        if (!redisPrefix.matches("[A-Za-z0-9_.:-]{1,64}")) {
            throw new ConfigException("redis.prefix: \"" + redisPrefix
                    + "\" (expected: 1 to 64 letters, digits, '_', '-', '.' or ':')");
        }
        Checks.positive("redis.timeout", redisTimeout);
        Checks.positive("publish.dedup-window", dedupWindow);
        Checks.declared("publish.dedup-max-ids", dedupMaxIds);
    }

    public EngineConfig withEngine(String e) {
        return new EngineConfig(e, redisUri, redisPrefix, redisTimeout, dedupWindow, dedupMaxIds);
    }

    public EngineConfig withRedis(String uri, String prefix) {
        return new EngineConfig(engine, uri, prefix, redisTimeout, dedupWindow, dedupMaxIds);
    }

    public EngineConfig withRedisTimeout(Duration timeout) {
        return new EngineConfig(engine, redisUri, redisPrefix, timeout, dedupWindow, dedupMaxIds);
    }

    public EngineConfig withDedup(Duration window, int maxIds) {
        return new EngineConfig(engine, redisUri, redisPrefix, redisTimeout, window, maxIds);
    }
}
