package dev.ferry.redis;

import dev.ferry.server.FerryServer;
import dev.ferry.server.config.EngineConfig;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.config.HistoryConfig;
import dev.ferry.server.config.SessionConfig;
import dev.ferry.server.config.HttpConfig;
import java.time.Duration;
import java.util.List;

/**
 * One Ferry node in a process of its own, for tests that kill a node as a crash would ({@code kill -9}): starts on
 * 127.0.0.1, port 0, with the Redis engine under the key prefix given as the only argument, prints
 * {@code PORT <n>} on stdout, and serves until killed.
 */
public final class NodeMain {
    /** The key of the node's HTTP API (history reads in tests). */
    static final String API_KEY = "node-main-test-key";

    private NodeMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        FerryConfig config = FerryConfig.DEFAULT
                .withHistory(new HistoryConfig(100_000, Duration.ofMinutes(5), 100_000, List.of()))
                .withEngine(EngineConfig.DEFAULT.withEngine("redis"))
                .withSession(new SessionConfig(Duration.ofMinutes(5), RedisCluster.SECRET, "ferry_session"))
                .withHttp(new HttpConfig(List.of(API_KEY), HttpConfig.DEFAULT.maxBodyBytes(), List.of()));
        FerryServer server = FerryServer.builder().config(config)
                .extension(new RedisExtension(RedisConfig.DEFAULT.withUri(RedisCluster.URI).withPrefix(args[0]))).host("127.0.0.1").port(0).build();
        System.out.println("PORT " + server.start());
        System.out.flush();
        Thread.currentThread().join();
    }
}
