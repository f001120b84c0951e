package dev.ferry.redis;

import static dev.ferry.redis.HistoryReloadTest.KEY;
import static dev.ferry.redis.HistoryReloadTest.history;
import static dev.ferry.redis.HistoryReloadTest.send;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.FerryServer;
import dev.ferry.server.config.ApiKeyConfig;
import dev.ferry.server.config.HistoryConfig;
import dev.ferry.server.config.HttpConfig;
import dev.ferry.server.testing.Await;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code history.ttl} on the Redis engine (docs/redis.md, "Publishing"): a publication older than the ttl leaves
 * the stream at the next publication or read of its topic, by Redis's own clock; younger ones stay, and a head
 * entry young enough leaves the stream untouched.
 */
class HistoryAgeTest {
    /** Long enough for two publications in a row on a loaded machine, short enough to wait for twice. */
    static final Duration TTL = Duration.ofSeconds(5);

    private RedisCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** Redis's clock in milliseconds, the one the scripts compare ages with. */
    private long redisNowMs() {
        List<String> t = cluster.redis.sync().time();
        return Long.parseLong(t.get(0)) * 1000 + Long.parseLong(t.get(1)) / 1000;
    }

    /** Waits until Redis's clock is past {@code ms} plus the ttl. */
    private void awaitOlderThanTtl(long ms) {
        Await.until("Redis's clock passes the ttl", Duration.ofSeconds(30), () -> redisNowMs() > ms + TTL.toMillis());
    }

    @Test
    void publicationsOlderThanTheTtlLeaveAtTheNextPublicationOrRead() throws Exception {
        cluster = new RedisCluster(new HistoryConfig(100, TTL, 100, List.of()), RedisCluster.URI);
        var config = cluster.config().withHttp(new HttpConfig(List.of(), 1 << 16,
                List.of(new ApiKeyConfig("app", KEY, List.of("all #")))));
        FerryServer node = cluster.start(config);

        for (int i = 1; i <= 70; i++) { // more than one batch of the trimming loop
            assertThat(send(node, "POST", "/v1/publish/aged.t", Integer.toString(i)).statusCode()).isEqualTo(200);
        }
        long published = redisNowMs();
        List<Integer> young = history(node, "aged.t");
        // the first ones may have aged already where publishing 70 took longer than the ttl
        assertThat(young).as("young ones kept").isNotEmpty().endsWith(70);
        assertThat(young.get(young.size() - 1) - young.get(0)).as("contiguous").isEqualTo(young.size() - 1);

        awaitOlderThanTtl(published);
        assertThat(send(node, "POST", "/v1/publish/aged.t", "71").statusCode()).isEqualTo(200);
        assertThat(send(node, "POST", "/v1/publish/aged.t", "72").statusCode()).isEqualTo(200);
        assertThat(history(node, "aged.t")).as("the 70 older than the ttl trimmed, the young head kept").containsExactly(71, 72);

        long later = redisNowMs();
        awaitOlderThanTtl(later);
        assertThat(history(node, "aged.t")).as("a read trims too").isEmpty();
        assertThat(send(node, "POST", "/v1/publish/aged.t", "73").statusCode()).isEqualTo(200);
        assertThat(history(node, "aged.t")).containsExactly(73);
    }
}
