package dev.ferry.server.websocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.WsTestClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class HandshakeTest {
    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension();

    @Test
    void subprotocolIsEchoed() {
        try (WsTestClient c = WsTestClient.connect(server.wsUri(), "other", "ferry.v1")) {
            assertThat(c.webSocket().getSubprotocol()).isEqualTo("ferry.v1");
        }
    }

    @Test
    void missingSubprotocolIsRefusedWith400() {
        assertRefused(uri -> WsTestClient.connect(uri, new String[0]), "missing WebSocket subprotocol");
    }

    @Test
    void unknownSubprotocolIsRefusedWith400() {
        assertRefused(uri -> WsTestClient.connect(uri, "mqtt"), "unsupported WebSocket subprotocol \"mqtt\"");
    }

    private static void assertRefused(java.util.function.Function<URI, WsTestClient> connect, String reason) {
        assertThatThrownBy(() -> connect.apply(server.wsUri()))
                .isInstanceOf(CompletionException.class)
                .cause().isInstanceOfSatisfying(WebSocketHandshakeException.class, e -> {
                    HttpResponse<?> r = e.getResponse();
                    assertThat(r.statusCode()).isEqualTo(400);
                    assertThat(String.valueOf(r.body())).contains(reason);
                });
    }

    @Test
    void plainGetOnTheWebSocketPathExplainsItself() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(server.http("/v1/ws")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("WebSocket endpoint");
    }

    @Test
    void queryStringIsAllowedOnTheEndpoint() {
        try (WsTestClient c = WsTestClient.connect(URI.create(server.wsUri() + "?client=test"))) {
            c.send("{\"type\":\"ping\",\"id\":1}");
            assertThat(c.nextJson().path("type").asText()).isEqualTo("pong");
        }
    }
}
