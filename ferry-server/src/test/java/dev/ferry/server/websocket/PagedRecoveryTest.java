package dev.ferry.server.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.server.config.HistoryConfig;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.WsTestClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A recovery larger than {@code history.max-recovery} is replayed a page at a time (docs/protocol.md §4.1), and
 * meets the live stream with no gap and no duplicate even while publications keep coming.
 */
class PagedRecoveryTest {
    static final int PAGE = 50;

    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension(c -> c.withHistory(
            new HistoryConfig(10_000, Duration.ofMinutes(5), PAGE, List.of())));

    private static void publish(WsTestClient pub, String topic, int from, int to) {
        StringBuilder b = new StringBuilder();
        for (int i = from; i <= to; i++) {
            b.append("{\"type\":\"pub\",\"topic\":\"").append(topic).append("\",\"data\":").append(i).append("}\n");
        }
        pub.send(b.append("{\"type\":\"ping\",\"id\":").append(to).append('}').toString());
        pub.nextJson(n -> n.path("type").asText().equals("pong") && n.path("id").asInt() == to);
    }

    @Test
    void aLargeGapIsReplayedInPagesThenLiveWithoutGapOrDuplicate() throws Exception {
        int before = 1000;
        int during = 1000;
        try (WsTestClient pub = WsTestClient.connect(server.wsUri()); WsTestClient c = WsTestClient.connect(server.wsUri())) {
            publish(pub, "paged.t", 1, before);
            c.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"paged.t\",\"since\":{\"offset\":0}}");
            CompletableFuture<Void> publisher = CompletableFuture.runAsync(() -> {
                for (int i = before + 1; i <= before + during; i += 20) {
                    publish(pub, "paged.t", i, i + 19);
                }
            });
            JsonNode result = c.nextJson();
            assertThat(result.path("data").path("recovered").asBoolean()).as(result.toString()).isTrue();
            assertThat(result.path("data").path("offset").asLong()).isGreaterThanOrEqualTo(before);
            for (int i = 1; i <= before + during; i++) {
                JsonNode m = c.nextJson();
                assertThat(m.path("offset").asLong()).as(m.toString()).isEqualTo(i);
                assertThat(m.path("data").asInt()).isEqualTo(i);
            }
            publisher.get(30, TimeUnit.SECONDS);
            assertThat(c.nothingWithin(Duration.ofMillis(200))).isTrue();
        }
    }

    @Test
    void aFilteredSubscriptionIsPagedToo() {
        try (WsTestClient pub = WsTestClient.connect(server.wsUri()); WsTestClient c = WsTestClient.connect(server.wsUri())) {
            publish(pub, "paged.f", 1, 3 * PAGE + 7);
            c.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"paged.f\",\"filter\":\"data > " + (2 * PAGE) + "\",\"since\":{\"offset\":0}}");
            assertThat(c.nextJson().path("data").path("recovered").asBoolean()).isTrue();
            for (int i = 2 * PAGE + 1; i <= 3 * PAGE + 7; i++) {
                assertThat(c.nextJson().path("offset").asLong()).isEqualTo(i);
            }
        }
    }
}
