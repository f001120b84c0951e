package dev.ferry.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.protocol.CloseCodes;
import dev.ferry.server.FerryServer;
import dev.ferry.server.testing.RawWebSocket;
import dev.ferry.server.testing.WsTestClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Settings that reload live besides rules and rates (docs/operations.md, "Reloading the configuration"): WAMP
 * realms, the memory engine's topic limit, the reassembly budget, the largest HTTP body and WebSocket message. Each
 * test changes one while a client is connected, shows the new value in effect, and that the client stays.
 */
class LiveSettingsReloadTest {
    static final String KEY = "live-settings-key-0123456789abcdef";
    static final ObjectMapper JSON = new ObjectMapper();
    static final Map<String, String> AS_APP = Map.of("Authorization", "Bearer " + KEY);

    FerryServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    static ConfigLoader base() {
        return new ConfigLoader().set("http.api-keys.app.key", KEY).set("http.api-keys.app.allow", "all #");
    }

    void start(UnaryOperator<ConfigLoader> settings) {
        server = FerryServer.builder().config(settings.apply(base()).load()).host("127.0.0.1").port(0).build();
        server.start();
    }

    void reload(UnaryOperator<ConfigLoader> settings, String... changed) {
        ReloadResult r = server.reload(settings.apply(base()).load());
        assertThat(r.result()).as(r.describe()).isEqualTo(ReloadResult.Result.APPLIED);
        assertThat(r.changed()).containsExactlyInAnyOrder(changed);
    }

    /** A POST on a connection of its own (a new HTTP client: no kept-alive connection). */
    HttpResponse<String> publish(String topic, String json) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(server.httpUri().resolve("/v1/publish/" + topic))
                        .header("Authorization", "Bearer " + KEY).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode wamp(WsTestClient w) throws Exception {
        return JSON.readTree(w.nextText());
    }

    WsTestClient wampSession(String realm) throws Exception {
        WsTestClient w = WsTestClient.plain(URI.create("ws://127.0.0.1:" + server.port() + "/v1/wamp"), AS_APP,
                "wamp.2.json");
        w.send("[1,\"" + realm + "\",{\"roles\":{\"subscriber\":{},\"publisher\":{}}}]");
        return w;
    }

    @Test
    void newRealmsTakeNewSessionsAndARemovedRealmsSessionsGoOn() throws Exception {
        start(c -> c.set("wamp.realms.app1.topic-prefix", "one"));
        try (WsTestClient old = wampSession("app1")) {
            assertThat(wamp(old).get(0).asInt()).as("WELCOME").isEqualTo(2);
            old.send("[32,1,{},\"news\"]");
            assertThat(wamp(old).get(0).asInt()).as("SUBSCRIBED").isEqualTo(33);

            reload(c -> c.set("wamp.realms.app2.topic-prefix", "two"), "wamp.realms.<name>");

            try (WsTestClient fresh = wampSession("app2")) {
                assertThat(wamp(fresh).get(0).asInt()).as("WELCOME to the new realm").isEqualTo(2);
                fresh.send("[32,1,{},\"news\"]");
                assertThat(wamp(fresh).get(0).asInt()).isEqualTo(33);
                assertThat(publish("two.news", "[\"two\"]").statusCode()).isEqualTo(200);
                assertThat(wamp(fresh).toString()).startsWith("[36,").endsWith(",[\"two\"]]");
            }
            try (WsTestClient refused = wampSession("app1")) {
                JsonNode abort = wamp(refused);
                assertThat(abort.get(0).asInt()).as("ABORT").isEqualTo(3);
                assertThat(abort.get(2).asText()).isEqualTo("wamp.error.no_such_realm");
            }
            // the session of the removed realm goes on with its prefix until it leaves
            assertThat(publish("one.news", "[\"one\"]").statusCode()).isEqualTo(200);
            assertThat(wamp(old).toString()).startsWith("[36,").endsWith(",[\"one\"]]");
            old.send("[16,2,{\"acknowledge\":true},\"news\",[\"still here\"]]");
            assertThat(wamp(old).get(0).asInt()).as("PUBLISHED").isEqualTo(17);
        }
    }

    @Test
    void theTopicLimitOfTheMemoryEngineChanges() throws Exception {
        start(c -> c.set("limits.max-topics", "2"));
        try (WsTestClient client = WsTestClient.connect(server.webSocketUri(), AS_APP)) {
            client.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"t.a\"}");
            assertThat(client.nextJson().path("type").asText()).isEqualTo("result");
            assertThat(publish("t.a", "1").statusCode()).isEqualTo(200);
            assertThat(publish("t.b", "2").statusCode()).isEqualTo(200);
            HttpResponse<String> full = publish("t.c", "3");
            assertThat(full.statusCode()).as(full.body()).isEqualTo(503);
            assertThat(full.body()).contains("too_many_topics");

            reload(c -> c.set("limits.max-topics", "3"), "limits.max-topics");

            assertThat(publish("t.c", "3").statusCode()).isEqualTo(200);
            assertThat(publish("t.a", "4").statusCode()).isEqualTo(200);
            assertThat(client.nextJson(n -> n.path("type").asText().equals("msg")).path("data").asInt()).isEqualTo(1);
            assertThat(client.nextJson(n -> n.path("type").asText().equals("msg")).path("data").asInt()).isEqualTo(4);
        }
    }

    @Test
    void theReassemblyBudgetChangesForTheNextFragment() throws Exception {
        start(c -> c.set("limits.reassembly-bytes", "150"));
        byte[] fragment = new byte[100];
        Arrays.fill(fragment, (byte) ' ');
        fragment[0] = '{';
        try (RawWebSocket first = RawWebSocket.connect(server.port(), "/v1/ws", "ferry.v1");
             RawWebSocket second = RawWebSocket.connect(server.port(), "/v1/ws", "ferry.v1");
             RawWebSocket third = RawWebSocket.connect(server.port(), "/v1/ws", "ferry.v1")) {
            assertThat(held(first, fragment)).as("within the budget").isTrue();
            assertThat(held(second, fragment)).as("beyond 150 bytes").isFalse();

            reload(c -> c.set("limits.reassembly-bytes", "1000"), "limits.reassembly-bytes");

            assertThat(held(third, fragment)).as("within the new budget").isTrue();
            first.send(true, RawWebSocket.CONTINUATION, "\"type\":\"ping\",\"id\":1}".getBytes());
            assertThat(first.nextNotPing().text()).as("the first message completes").isEqualTo("{\"type\":\"pong\",\"id\":1}");
        }
    }

    /** Sends {@code fragment} as an unfinished message: whether the server holds it (else it closes with 4009). */
    static boolean held(RawWebSocket ws, byte[] fragment) throws Exception {
        ws.send(false, RawWebSocket.TEXT, fragment);
        ws.send(true, RawWebSocket.PING, new byte[0]); // answered once the fragment was taken or refused
        RawWebSocket.Frame f;
        do {
            f = ws.next();
        } while (f.opcode() != RawWebSocket.CLOSE && f.opcode() != RawWebSocket.PONG);
        if (f.opcode() == RawWebSocket.CLOSE) {
            assertThat(f.closeCode()).isEqualTo(CloseCodes.REASSEMBLY_BUDGET_EXHAUSTED);
            return false;
        }
        return true;
    }

    @Test
    void theTopicsOfAnEventStreamChangeForTheNextRequest() throws Exception {
        start(c -> c.set("sse.max-topics", "2"));
        String three = server.httpUri() + "/v1/sse?topic=s.a&topic=s.b&topic=s.c";
        HttpResponse<String> refused = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(three))
                .header("Authorization", "Bearer " + KEY).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
        assertThat(refused.body()).contains("sse.max-topics");
        try (dev.ferry.server.testing.SseTestClient two = dev.ferry.server.testing.SseTestClient.open(
                URI.create(server.httpUri() + "/v1/sse?topic=s.a&topic=s.b"), AS_APP)) {
            assertThat(two.next().type()).isEqualTo("ready");

            reload(c -> c.set("sse.max-topics", "3"), "sse.max-topics");

            try (dev.ferry.server.testing.SseTestClient more = dev.ferry.server.testing.SseTestClient.open(
                    URI.create(three), AS_APP)) {
                assertThat(more.next().type()).as("three topics now").isEqualTo("ready");
            }
            assertThat(publish("s.b", "1").statusCode()).isEqualTo(200);
            var m = two.next();
            assertThat(m.data()).as("the stream opened before goes on").contains("s.b");
        }
    }

    @Test
    void theLargestTunnelFrameChangesForNewTunnels() throws Exception {
        try (dev.ferry.server.tunnel.TcpPeer echo = dev.ferry.server.tunnel.TcpPeer.echo()) {
            UnaryOperator<ConfigLoader> route = c -> c.set("tunnel.routes.echo.upstream", "127.0.0.1:" + echo.port())
                    .set("tunnel.routes.echo.auth", "none");
            start(c -> route.apply(c).set("tunnel.max-frame-bytes", "4KiB"));
            URI tunnel = URI.create("ws://127.0.0.1:" + server.port() + "/v1/tunnel/echo");
            byte[] big = new byte[10_000];
            Arrays.fill(big, (byte) 7);
            try (WsTestClient before = WsTestClient.connect(tunnel)) {
                before.sendBinary("small".getBytes());
                assertThat(new String(before.next().binary())).isEqualTo("small");

                reload(c -> route.apply(c).set("tunnel.max-frame-bytes", "64KiB"), "tunnel.max-frame-bytes");

                try (WsTestClient after = WsTestClient.connect(tunnel)) {
                    after.sendBinary(big);
                    int echoed = 0;
                    while (echoed < big.length) {
                        echoed += after.next().binary().length;
                    }
                    assertThat(echoed).as("a new tunnel takes a 10000-byte frame").isEqualTo(big.length);
                }
                before.sendBinary(big);
                assertThat(before.awaitClose().closeCode()).as("the tunnel opened before keeps its bound").isEqualTo(1009);
            }
        }
    }

    @Test
    void theLargestBodyAndMessageChangeForNewConnections() throws Exception {
        start(c -> c.set("http.max-body-bytes", "1KiB").set("websocket.max-message-bytes", "1KiB"));
        String big = "\"" + "x".repeat(2000) + "\"";
        try (WsTestClient before = WsTestClient.connect(server.webSocketUri(), AS_APP)) {
            before.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"big.t\"}");
            assertThat(before.nextJson().path("type").asText()).isEqualTo("result");
            assertThat(publish("big.t", big).statusCode()).isEqualTo(413);

            reload(c -> c.set("http.max-body-bytes", "4KiB").set("websocket.max-message-bytes", "4KiB"),
                    "http.max-body-bytes", "websocket.max-message-bytes");

            assertThat(publish("big.t", big).statusCode()).as("a new HTTP connection").isEqualTo(200);
            assertThat(before.nextJson(n -> n.path("type").asText().equals("msg")).path("data").asText()).hasSize(2000);
            try (WsTestClient after = WsTestClient.connect(server.webSocketUri(), AS_APP)) {
                after.send("{\"type\":\"pub\",\"id\":2,\"ack\":true,\"topic\":\"big.t\",\"data\":" + big + "}");
                assertThat(after.nextJson().path("type").asText()).as("a new WebSocket takes 2000 bytes").isEqualTo("result");
            }
            assertThat(before.nextJson(n -> n.path("type").asText().equals("msg")).path("data").asText()).hasSize(2000);
            // the connection opened before keeps its bound
            before.send("{\"type\":\"pub\",\"id\":3,\"topic\":\"big.t\",\"data\":" + big + "}");
            assertThat(before.awaitClose().closeCode()).isEqualTo(1009);
        }
    }
}
