package dev.ferry.redis;

import dev.ferry.server.FerryServer;
import dev.ferry.server.config.EngineConfig;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.config.HistoryConfig;
import dev.ferry.server.config.SessionConfig;
import dev.ferry.server.testing.Requirements;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ferry nodes in this JVM sharing the Redis on 127.0.0.1:6379 under a key prefix unique to this run; removes
 * every key under it when closed.
 */
final class RedisCluster implements AutoCloseable {
    static final String URI = "redis://127.0.0.1:6379";
    /** Every node of a cluster signs session tokens with the same secret. */
    static final String SECRET = "cluster-test-session-secret";

    final String prefix = "ferrytest-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1);
    final List<FerryServer> nodes = new ArrayList<>();
    private final FerryConfig config;
    /** The Redis section every node of this cluster starts with. */
    private final RedisConfig redisConfig;
    private final RedisClient admin;
    final StatefulRedisConnection<String, String> redis;

    RedisCluster(HistoryConfig history, String redisUri) {
        Requirements.require(redisAvailable(), "a Redis server on 127.0.0.1:6379");
        config = FerryConfig.DEFAULT.withHistory(history)
                .withEngine(EngineConfig.DEFAULT.withEngine("redis"))
                .withSession(new SessionConfig(Duration.ofMinutes(5), SECRET, "ferry_session"));
        redisConfig = RedisConfig.DEFAULT.withUri(redisUri).withPrefix(prefix);
        admin = RedisClient.create(URI);
        redis = admin.connect();
    }

    RedisCluster() {
        this(new HistoryConfig(10_000, Duration.ofMinutes(5), 10_000, List.of("ticks.#")), URI);
    }

    /** Starts one more node; returns it. */
    FerryServer start() {
        return start(config);
    }

    FerryServer start(FerryConfig c) {
        return start(c, redisConfig);
    }

    /** Starts one more node of {@code c} on the Redis of {@code r}; returns it. */
    FerryServer start(FerryConfig c, RedisConfig r) {
        FerryServer s = FerryServer.builder().config(c).extension(new RedisExtension(r)).host("127.0.0.1").port(0)
                .build();
        s.start();
        nodes.add(s);
        return s;
    }

    FerryConfig config() {
        return config;
    }

    RedisConfig redisConfig() {
        return redisConfig;
    }

    static boolean redisAvailable() {
        return dev.ferry.server.testing.LocalRedis.available();
    }

    @Override
    public void close() {
        for (FerryServer s : nodes) {
            s.close();
        }
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            KeyScanCursor<String> page = redis.sync().scan(cursor, ScanArgs.Builder.matches(prefix + ":*").limit(500));
            if (!page.getKeys().isEmpty()) {
                redis.sync().del(page.getKeys().toArray(String[]::new));
            }
            cursor = page;
        } while (!cursor.isFinished());
        redis.close();
        admin.shutdown();
    }
}
