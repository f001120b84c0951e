package dev.ferry.server.websocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.server.FerryServer;
import dev.ferry.server.testing.WsTestClient;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ShutdownTest {

    @Test
    void closeSendsGoawayThen1001AndStopsAccepting() throws Exception {
        FerryServer server = FerryServer.builder().host("127.0.0.1").port(0).build();
        server.start();
        try (WsTestClient a = WsTestClient.connect(server.webSocketUri());
             WsTestClient b = WsTestClient.connect(server.webSocketUri())) {
            a.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"t\"}");
            a.nextJson();
            b.send("{\"type\":\"pub\",\"topic\":\"t\",\"data\":\"last words\"}");
            assertThat(a.nextJson().path("data").asText()).isEqualTo("last words");

            CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);
            for (WsTestClient c : new WsTestClient[] {a, b}) {
                JsonNode goaway = c.nextJson();
                assertThat(goaway.path("type").asText()).isEqualTo("goaway");
                assertThat(goaway.path("reconnect_ms").asLong()).isPositive();
                WsTestClient.Received close = c.awaitClose();
                assertThat(close.closeCode()).isEqualTo(1001);
            }
            closing.get(15, TimeUnit.SECONDS);
            assertThatThrownBy(() -> WsTestClient.connect(server.webSocketUri())).isNotNull();
        } finally {
            server.close();
        }
    }
}
