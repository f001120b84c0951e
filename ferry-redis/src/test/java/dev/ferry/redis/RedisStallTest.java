package dev.ferry.redis;

import static dev.ferry.redis.RedisOutageTest.awaitReadyz;
import static dev.ferry.redis.RedisOutageTest.readyz;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.server.FerryServer;
import dev.ferry.server.config.EngineConfig;
import dev.ferry.server.testing.WsTestClient;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Redis hangs under a node (its connections stay open, nothing comes back): the node reports not ready, a
 * publication Redis did not answer is {@code outcome_unknown} (it may have been published), one refused without
 * being sent is {@code unavailable} (it was not), and a retry with the same {@code pub_id} publishes nothing twice.
 * Only this test's own connections stall (a relay between the node and Redis), not the Redis others share.
 */
class RedisStallTest {
    private static final Duration TIMEOUT = Duration.ofMillis(500);

    private static FerryServer nodeVia(RedisCluster cluster, CuttableProxy proxy) {
        RedisConfig viaProxy = cluster.redisConfig().withUri("redis://127.0.0.1:" + proxy.port()).withTimeout(TIMEOUT);
        return cluster.start(cluster.config(), viaProxy);
    }

    private static JsonNode request(WsTestClient c, int id, String frame) {
        c.send(frame);
        return c.nextJson(n -> n.path("id").asInt() == id);
    }

    @Test
    void aPublicationRedisDidNotAnswerIsOutcomeUnknownAndItsRetryPublishesOnce() throws Exception {
        try (RedisCluster cluster = new RedisCluster(); CuttableProxy proxy = new CuttableProxy(6379)) {
            FerryServer node = nodeVia(cluster, proxy);
            FerryServer other = cluster.start();
            try (WsTestClient sub = WsTestClient.connect(other.webSocketUri());
                 WsTestClient pub = WsTestClient.connect(node.webSocketUri())) {
                assertThat(request(sub, 1, "{\"type\":\"sub\",\"id\":1,\"topic\":\"stall.t\"}").path("type").asText())
                        .isEqualTo("result");

                proxy.stall();
                JsonNode unknown = request(pub, 1, "{\"type\":\"pub\",\"id\":1,\"ack\":true,\"topic\":\"stall.t\","
                        + "\"pub_id\":\"p-1\",\"data\":1}");
                assertThat(unknown.path("code").asText()).isEqualTo("outcome_unknown");

                proxy.resume(); // Redis runs the held script: the publication happened after all
                JsonNode delivered = sub.nextJson();
                assertThat(delivered.path("data").asInt()).isEqualTo(1);
                awaitReadyz(node, 200);

                JsonNode retried = request(pub, 2, "{\"type\":\"pub\",\"id\":2,\"ack\":true,\"topic\":\"stall.t\","
                        + "\"pub_id\":\"p-1\",\"data\":1}");
                assertThat(retried.path("type").asText()).isEqualTo("result");
                assertThat(retried.path("data").path("offset").asLong()).isEqualTo(delivered.path("offset").asLong());
                assertThat(retried.path("data").path("epoch").asText()).isEqualTo(delivered.path("epoch").asText());

                JsonNode next = request(pub, 3, "{\"type\":\"pub\",\"id\":3,\"ack\":true,\"topic\":\"stall.t\","
                        + "\"pub_id\":\"p-2\",\"data\":2}");
                assertThat(next.path("data").path("offset").asLong()).isEqualTo(delivered.path("offset").asLong() + 1);
                assertThat(sub.nextJson().path("data").asInt()).as("the retry published nothing").isEqualTo(2);
            }
        }
    }

    @Test
    void aHungRedisMakesTheNodeNotReadyAndItsPublicationsUnavailableUnsent() throws Exception {
        try (RedisCluster cluster = new RedisCluster(); CuttableProxy proxy = new CuttableProxy(6379)) {
            FerryServer node = nodeVia(cluster, proxy);
            FerryServer other = cluster.start();
            assertThat(readyz(node)).isEqualTo(200);
            try (WsTestClient sub = WsTestClient.connect(other.webSocketUri());
                 WsTestClient pub = WsTestClient.connect(node.webSocketUri())) {
                assertThat(request(sub, 1, "{\"type\":\"sub\",\"id\":1,\"topic\":\"hung.t\"}").path("type").asText())
                        .isEqualTo("result");

                proxy.stall();
                awaitReadyz(node, 503);
                assertThat(readyz(other)).isEqualTo(200);
                // known hung: refused at once, never sent, so never published
                assertThat(request(pub, 1, "{\"type\":\"pub\",\"id\":1,\"ack\":true,\"topic\":\"hung.t\",\"data\":1}")
                        .path("code").asText()).isEqualTo("unavailable");

                proxy.resume();
                awaitReadyz(node, 200);
                assertThat(request(pub, 2, "{\"type\":\"pub\",\"id\":2,\"ack\":true,\"topic\":\"hung.t\",\"data\":2}")
                        .path("type").asText()).isEqualTo("result");
                assertThat(sub.nextJson().path("data").asInt()).as("the refused publication was not published")
                        .isEqualTo(2);
            }
        }
    }

    /**
     * The Java client publishes exactly once through a hang: its publication, unanswered ({@code outcome_unknown})
     * and then refused ({@code unavailable}) while Redis hangs, is tried again with the same {@code pub_id} until
     * Redis answers; the held original runs when Redis resumes, and the retry is answered with its position.
     */
    @Test
    void theJavaClientPublishesExactlyOnceThroughAHang() throws Exception {
        try (RedisCluster cluster = new RedisCluster(); CuttableProxy proxy = new CuttableProxy(6379)) {
            FerryServer node = nodeVia(cluster, proxy);
            FerryServer other = cluster.start();
            try (WsTestClient sub = WsTestClient.connect(other.webSocketUri());
                 dev.ferry.client.FerryClient pub = dev.ferry.client.FerryClient.builder().uri(node.webSocketUri())
                         .publishRetry(Duration.ofSeconds(30)).connect()) {
                assertThat(request(sub, 1, "{\"type\":\"sub\",\"id\":1,\"topic\":\"once.t\"}").path("type").asText())
                        .isEqualTo("result");
                proxy.stall();
                var published = pub.publishAcked("once.t", 1);
                awaitReadyz(node, 503); // the publication is held in the relay and has been answered outcome_unknown
                assertThat(published).isNotDone();
                proxy.resume();

                dev.ferry.client.Published p = published.get(20, java.util.concurrent.TimeUnit.SECONDS);
                JsonNode delivered = sub.nextJson();
                assertThat(delivered.path("data").asInt()).isEqualTo(1);
                assertThat(p.offset()).isEqualTo(delivered.path("offset").asLong());
                assertThat(p.epoch()).isEqualTo(delivered.path("epoch").asText());
                assertThat(pub.publishAck("once.t", 2).get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(p.offset() + 1);
                assertThat(sub.nextJson().path("data").asInt()).as("published once").isEqualTo(2);
            }
        }
    }
}
