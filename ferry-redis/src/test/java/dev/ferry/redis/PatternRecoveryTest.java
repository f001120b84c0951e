package dev.ferry.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.server.FerryServer;
import dev.ferry.server.testing.WsTestClient;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A pattern {@code sub} whose {@code since} lists some of the topics it matches (docs/protocol.md §4.1), made
 * again and again on one Redis node while both a listed and an unlisted topic are published: the unlisted
 * topic's publications arrive while the subscription is being made (the engine's interest and its reads are
 * asynchronous), and every acknowledged publication of the listed topic still arrives, in order, none twice.
 */
class PatternRecoveryTest {
    static final int PER_TOPIC = 3000;
    static final int BATCH = 5;

    private static RedisCluster cluster;
    private static FerryServer node;

    @BeforeAll
    static void startNode() {
        cluster = new RedisCluster();
        node = cluster.start();
    }

    @AfterAll
    static void stopNode() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aPatternRecoveredForSomeOfItsTopicsLosesNothingOfThemWhileOthersArePublished() throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        CompletableFuture<Long> publisher = CompletableFuture.supplyAsync(() -> publish(running));
        long last = 0;
        String epoch = "";
        int reconnects = 0;
        try {
            while (last < PER_TOPIC) {
                reconnects++;
                try (WsTestClient c = WsTestClient.connect(node.webSocketUri())) {
                    c.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"pr.*\",\"since\":[{\"topic\":\"pr.a\",\"offset\":"
                            + last + ",\"epoch\":\"" + epoch + "\"}]}");
                    long lastUnlisted = 0;
                    long until = Math.min(PER_TOPIC, last + 150);
                    boolean answered = false;
                    while (last < until) {
                        JsonNode f = c.nextJson();
                        if (f.path("type").asText().equals("result")) {
                            JsonNode position = f.path("data").path("positions").get(0);
                            assertThat(position.path("recovered").asBoolean()).as(f.toString()).isTrue();
                            answered = true;
                            continue;
                        }
                        assertThat(f.path("type").asText()).as(f.toString()).isEqualTo("msg");
                        assertThat(answered).as("the replay follows the result").isTrue();
                        long offset = f.path("offset").asLong();
                        if (f.path("topic").asText().equals("pr.a")) {
                            assertThat(offset).as("pr.a after %d (connection %d)", last, reconnects).isEqualTo(last + 1);
                            last = offset;
                            epoch = f.path("epoch").asText();
                        } else {
                            assertThat(offset).as("pr.b in order").isGreaterThan(lastUnlisted);
                            lastUnlisted = offset;
                        }
                    }
                }
            }
        } finally {
            running.set(false);
        }
        assertThat(publisher.get(60, TimeUnit.SECONDS)).as("acknowledged publications of pr.a").isEqualTo(PER_TOPIC);
        assertThat(last).isEqualTo(PER_TOPIC);
        assertThat(reconnects).isGreaterThan(10);
    }

    /** Publishes {@code PER_TOPIC} to pr.a and to pr.b, acknowledged, interleaved; returns pr.a's last acknowledged offset. */
    private static long publish(AtomicBoolean running) {
        long acked = 0;
        try (WsTestClient pub = WsTestClient.connect(node.webSocketUri())) {
            int id = 0;
            for (int i = 0; i < PER_TOPIC && running.get(); i += BATCH) {
                StringBuilder b = new StringBuilder();
                for (int j = 0; j < BATCH; j++) {
                    for (String topic : new String[] {"pr.a", "pr.b"}) {
                        b.append("{\"type\":\"pub\",\"id\":").append(++id).append(",\"ack\":true,\"topic\":\"")
                                .append(topic).append("\",\"data\":").append(i + j).append("}\n");
                    }
                }
                pub.send(b.toString());
                for (int j = 0; j < 2 * BATCH; j++) {
                    JsonNode ack = pub.nextJson(n -> n.path("type").asText().equals("result"));
                    if (ack.path("data").path("topic").asText().equals("pr.a")) {
                        assertThat(ack.path("data").path("offset").asLong()).isEqualTo(acked + 1);
                        acked++;
                    }
                }
                LockSupport.parkNanos(1_000_000); // spread over the resubscriptions
            }
        }
        return acked;
    }
}
