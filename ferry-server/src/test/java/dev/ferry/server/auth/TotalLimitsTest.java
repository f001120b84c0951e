package dev.ferry.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.server.config.LimitsConfig;
import dev.ferry.server.testing.Await;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.WsTestClient;
import java.net.http.WebSocketHandshakeException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The server-wide connection limit and the per-connection rate of frames of any kind. */
class TotalLimitsTest {
    @RegisterExtension
    static final FerryServerExtension capped = new FerryServerExtension(c -> c
            .withLimits(new LimitsConfig(0, 0, 0, 0, 1000, 0, 2, 0, 0)));

    @RegisterExtension
    static final FerryServerExtension throttled = new FerryServerExtension(c -> c
            .withLimits(new LimitsConfig(0, 0, 0, 0, 1000, 0, 0, 1, 5)));

    @Test
    void beyondMaxConnectionsTheUpgradeIsRefusedWith503() {
        try (WsTestClient a = WsTestClient.connect(capped.wsUri()); WsTestClient b = WsTestClient.connect(capped.wsUri())) {
            assertThatThrownBy(() -> WsTestClient.connect(capped.wsUri()))
                    .isInstanceOf(CompletionException.class)
                    .cause().isInstanceOfSatisfying(WebSocketHandshakeException.class, e -> {
                        assertThat(e.getResponse().statusCode()).isEqualTo(503);
                        assertThat(String.valueOf(e.getResponse().body())).contains("too_many_connections", "limits.max-connections");
                    });
            a.send("{\"type\":\"ping\",\"id\":1}");
            assertThat(a.nextJson().path("type").asText()).isEqualTo("pong"); // those admitted carry on
        }
        assertThat(capped.server().securityMetrics().connectionsRefused()).isGreaterThanOrEqualTo(1);
        // Closing frees the slots.
        // Until the server has seen the closes, a connection is refused (the attempt throws).
        Await.value("a connection is admitted again", Await.DEFAULT, () -> WsTestClient.connect(capped.wsUri()),
                c -> true).close();
    }

    @Test
    void aFloodOfAnyFramesIsRateLimitedAndTheConnectionCarriesOn() {
        try (WsTestClient c = WsTestClient.connect(throttled.wsUri())) {
            StringBuilder burst = new StringBuilder();
            for (int i = 1; i <= 20; i++) {
                burst.append("{\"type\":\"ping\",\"id\":").append(i).append("}\n");
            }
            c.send(burst.toString());
            int pongs = 0;
            int limited = 0;
            for (int i = 1; i <= 20; i++) {
                JsonNode f = c.nextJson();
                if (f.path("type").asText().equals("pong")) {
                    pongs++;
                } else {
                    assertThat(f.path("code").asText()).isEqualTo("rate_limited");
                    assertThat(f.path("data").path("action").asText()).isEqualTo("message");
                    limited++;
                }
            }
            assertThat(pongs).isBetween(5, 6); // the burst, plus at most one refill at 1 frame/s
            assertThat(limited).isEqualTo(20 - pongs);
        }
    }
}
