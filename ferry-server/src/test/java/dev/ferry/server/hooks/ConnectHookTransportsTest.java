package dev.ferry.server.hooks;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.FerryServer;
import dev.ferry.server.config.ConfigLoader;
import dev.ferry.server.testing.SseTestClient;
import dev.ferry.server.testing.WsTestClient;
import dev.ferry.server.tunnel.TcpPeer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The connect hook (docs/hooks.md, "connect") on the transports beyond ferry.v1 and SSE, against the example
 * backend: TCP tunnels and AMQP routes (a cookie the application accepts opens the tunnel, which then carries
 * bytes to the upstream; a refusal never reaches it), and a state channel's event stream read under the hook.
 */
class ConnectHookTransportsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static ExampleBackend backend;
    private static TcpPeer echo;
    private static FerryServer server;

    @BeforeAll
    static void start() throws Exception {
        backend = ExampleBackend.start();
        echo = TcpPeer.echo();
        server = FerryServer.builder().config(new ConfigLoader()
                .set("server.io-threads", "1")
                .set("hooks.connect.url", backend.url("/ferry/connect"))
                .set("tunnel.routes.echo.upstream", "127.0.0.1:" + echo.port())
                .set("tunnel.routes.guarded.upstream", "127.0.0.1:" + echo.port())
                .set("tunnel.routes.guarded.auth", "required")
                .set("amqp.routes.broker.upstream", "127.0.0.1:" + echo.port())
                .set("amqp.routes.broker.path", "/amqp")
                .set("state.channels.rooms.pattern", "room.*")
                .load()).host("127.0.0.1").port(0).build();
        server.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (echo != null) {
            echo.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    private static URI ws(String path) {
        return URI.create("ws://127.0.0.1:" + server.port() + path);
    }

    private static URI http(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    /** Sends {@code bytes} through the tunnel and asserts the upstream's echo comes back. */
    private static void echoes(WsTestClient tunnel, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        tunnel.sendBinary(bytes);
        StringBuilder back = new StringBuilder();
        while (back.length() < text.length()) {
            WsTestClient.Received r = tunnel.next();
            assertThat(r.binary()).as("a binary message, not " + r).isNotNull();
            back.append(new String(r.binary(), StandardCharsets.UTF_8));
        }
        assertThat(back.toString()).isEqualTo(text);
    }

    @Test
    void aTunnelOpensWithACookieTheApplicationAccepts() throws Exception {
        String cookie = backend.login("tess");
        try (WsTestClient tunnel = WsTestClient.plain(ws("/v1/tunnel/echo"), Map.of("Cookie", cookie))) {
            echoes(tunnel, "hello upstream");
        }
        // auth: required takes the hook's identity as the upgrade's: the application's grants name no tunnel
        WsTestClient.Refusal guarded = WsTestClient.refused(ws("/v1/tunnel/guarded"), Map.of("Cookie", cookie));
        assertThat(guarded.status()).isEqualTo(403);
        JsonNode forbidden = JSON.readTree(guarded.body());
        assertThat(forbidden.path("code").asText()).isEqualTo("forbidden");
        assertThat(forbidden.path("message").asText()).contains("sub \"tess\" of issuer \"hooks.connect\"");
        assertThat(forbidden.path("data").toString()).isEqualTo("{\"action\":\"tunnel\",\"topic\":\"guarded\"}");
        try (WsTestClient amqp = WsTestClient.plain(ws("/amqp"), Map.of("Cookie", cookie), "amqp")) {
            echoes(amqp, "AMQP\u0000\u0001\u0000\u0000");
        }
    }

    @Test
    void aTunnelTheApplicationRefusesNeverReachesTheUpstream() throws Exception {
        String mallory = backend.login("mallory");
        while (!echo.nothingAcceptedWithin(Duration.ZERO)) {
            // the tunnels of other tests
        }
        for (String[] t : new String[][] {{"/v1/tunnel/echo", null}, {"/v1/tunnel/guarded", null}, {"/amqp", "amqp"}}) {
            WsTestClient.Refusal noSession = t[1] == null ? WsTestClient.refused(ws(t[0]), Map.of())
                    : WsTestClient.refused(ws(t[0]), Map.of(), t[1]);
            assertThat(noSession.status()).as(t[0]).isEqualTo(403);
            assertThat(noSession.body()).as(t[0]).isEqualTo(
                    "{\"code\":\"connect_refused\",\"message\":\"log in first\",\"data\":{\"code\":\"login_required\"}}");
            WsTestClient.Refusal banned = t[1] == null ? WsTestClient.refused(ws(t[0]), Map.of("Cookie", mallory))
                    : WsTestClient.refused(ws(t[0]), Map.of("Cookie", mallory), t[1]);
            assertThat(banned.status()).as(t[0]).isEqualTo(403);
            assertThat(JSON.readTree(banned.body()).path("data").path("code").asText()).isEqualTo("banned");
        }
        assertThat(echo.nothingAcceptedWithin(Duration.ofMillis(200))).isTrue();
        // a page whose origin the policy refuses is refused before the hook, even on a route without auth
        WsTestClient.Refusal origin = WsTestClient.refused(ws("/v1/tunnel/echo"),
                Map.of("Cookie", backend.login("tess"), "Origin", "https://elsewhere.example"));
        assertThat(origin.status()).isEqualTo(403);
        assertThat(JSON.readTree(origin.body()).path("code").asText()).isEqualTo("origin_not_allowed");
        assertThat(server.meterRegistry().scrape()).contains("ferry_hook_requests_total{hook=\"connect\",outcome=\"ok\"}");
    }

    @Test
    void aStateChannelIsReadUnderTheHook() throws Exception {
        String cookie = backend.login("una");
        try (SseTestClient doc = SseTestClient.open(http("/v1/state/room.board"), Map.of("Cookie", cookie))) {
            assertThat(doc.status()).isEqualTo(200);
            SseTestClient.Event state = doc.next();
            assertThat(state.type()).isEqualTo("state");
            assertThat(JSON.readTree(state.data()).path("topic").asText()).isEqualTo("room.board");
            // a change made over ferry.v1 by another user of the application reaches the stream
            try (WsTestClient writer = WsTestClient.connect(server.webSocketUri(), Map.of("Cookie", backend.login("vic")))) {
                assertThat(writer.nextJson().path("type").asText()).isEqualTo("server_sub");
                writer.send("{\"type\":\"state_update\",\"id\":1,\"topic\":\"room.board\",\"merge\":{\"title\":\"hi\"}}");
                JsonNode answer = writer.nextJson(j -> j.has("id"));
                assertThat(answer.path("type").asText()).as(answer.toString()).isEqualTo("result");
            }
            SseTestClient.Event patch = doc.next();
            assertThat(patch.type()).isEqualTo("patch");
            assertThat(JSON.readTree(patch.data()).path("patch").toString())
                    .isEqualTo("[{\"op\":\"add\",\"path\":\"/title\",\"value\":\"hi\"}]");
        }
        HttpResponse<String> refused = HttpClient.newHttpClient().send(HttpRequest.newBuilder(http("/v1/state/room.board"))
                        .header("Accept", "text/event-stream").timeout(Duration.ofSeconds(60)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.body()).contains("\"code\":\"connect_refused\"").contains("login_required");
        // the application's grants decide: another user's topic is not among them
        HttpResponse<String> forbidden = HttpClient.newHttpClient().send(HttpRequest.newBuilder(http("/v1/state/user.vic"))
                        .header("Accept", "text/event-stream").header("Cookie", cookie).timeout(Duration.ofSeconds(60))
                        .GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(forbidden.statusCode()).isEqualTo(403);
        assertThat(forbidden.body()).contains("\"code\":\"forbidden\"");
    }
}
