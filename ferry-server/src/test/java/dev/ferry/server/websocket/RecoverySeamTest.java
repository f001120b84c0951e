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
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Recovery while publications keep coming: the replay and the live stream meet with no gap and no duplicate. */
class RecoverySeamTest {
    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension(c -> c.withHistory(
            new HistoryConfig(10_000, Duration.ofMinutes(5), 10_000, List.of())));

    @Test
    void noGapAndNoDuplicateAtTheSeamUnderConcurrentPublishing() throws Exception {
        int total = 3000;
        AtomicBoolean running = new AtomicBoolean(true);
        CompletableFuture<Void> publisher = CompletableFuture.runAsync(() -> {
            try (WsTestClient pub = WsTestClient.connect(server.wsUri())) {
                for (int i = 1; i <= total && running.get(); i += 10) {
                    StringBuilder b = new StringBuilder();
                    for (int j = i; j < i + 10; j++) {
                        b.append("{\"type\":\"pub\",\"topic\":\"seam.t\",\"data\":").append(j).append("}\n");
                    }
                    pub.send(b.toString());
                    // Pacing, not synchronisation: spreads the publications over the reconnects.
                    java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
                }
                pub.send("{\"type\":\"ping\",\"id\":1}");
                pub.nextJson(n -> n.path("type").asText().equals("pong"));
            }
        });
        long last = 0;
        String epoch = "";
        try {
            // Reconnect over and over while the publisher runs; each time resume from the last offset seen.
            while (last < total) {
                try (WsTestClient c = WsTestClient.connect(server.wsUri())) {
                    c.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"seam.t\",\"since\":{\"offset\":" + last + ",\"epoch\":\"" + epoch + "\"}}");
                    JsonNode result = c.nextJson();
                    assertThat(result.path("data").path("recovered").asBoolean()).as(result.toString()).isTrue();
                    epoch = result.path("data").path("epoch").asText(epoch);
                    long until = Math.min(total, last + 200);
                    while (last < until) {
                        JsonNode m = c.nextJson();
                        assertThat(m.path("offset").asLong()).isEqualTo(last + 1);
                        last = m.path("offset").asLong();
                        epoch = m.path("epoch").asText();
                    }
                }
            }
        } finally {
            running.set(false);
        }
        publisher.get(30, TimeUnit.SECONDS);
        assertThat(last).isEqualTo(total);
    }

}
