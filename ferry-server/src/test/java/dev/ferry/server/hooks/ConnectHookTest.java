package dev.ferry.server.hooks;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.server.FerryServer;
import dev.ferry.server.config.ConfigLoader;
import dev.ferry.server.testing.SseTestClient;
import dev.ferry.server.testing.WsTestClient;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The connect hook (docs/hooks.md, "connect") against the example backend, a real Python process: a browser-style
 * connection with only a session cookie is identified by the application, on ferry.v1 WebSocket and SSE;
 * refusals reach the client with the backend's code and reason; a backend that is down or slow meets the failure
 * policy; and a pending hook holds no event loop.
 */
class ConnectHookTest {
    private static final String API_KEY = "hooks-test-api-key-0123456789";
    private static ExampleBackend backend;

    @BeforeAll
    static void startBackend() throws Exception {
        backend = ExampleBackend.start();
    }

    @AfterAll
    static void stopBackend() throws Exception {
        if (backend != null) {
            backend.close();
        }
    }

    /** A server on one event loop whose connect hook is {@code url} with the given failure policy and timeout. */
    private static FerryServer server(String url, String policy, String timeout) {
        FerryServer s = FerryServer.builder().config(new ConfigLoader()
                .set("server.io-threads", "1")
                .set("http.api-keys", API_KEY)
                .set("hooks.connect.url", url)
                .set("hooks.connect.failure-policy", policy)
                .set("hooks.connect.timeout", timeout)
                .load()).host("127.0.0.1").port(0).build();
        s.start();
        return s;
    }

    private static URI ws(FerryServer s) {
        return s.webSocketUri();
    }

    private static URI http(FerryServer s, String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + s.port() + pathAndQuery);
    }

    private static HttpResponse<String> publish(FerryServer s, String topic, String json) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(http(s, "/v1/publish/" + topic))
                        .header("Authorization", "Bearer " + API_KEY).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(json)).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aCookieConnectionIsIdentifiedByTheApplication() throws Exception {
        String cookie = backend.login("alice");
        try (FerryServer s = server(backend.url("/ferry/connect"), "refuse", "10s");
             WsTestClient alice = WsTestClient.connect(ws(s), Map.of("Cookie", cookie))) {
            // the answer's "subs": a server-side subscription to the user's own topic
            assertThat(alice.nextJson().toString()).isEqualTo("{\"type\":\"server_sub\",\"topic\":\"user.alice\"}");
            // the answer's grants: another user's topic is not among them
            alice.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"user.bob\"}");
            JsonNode denied = alice.nextJson();
            assertThat(denied.path("code").asText()).isEqualTo("forbidden");
            assertThat(denied.path("message").asText()).contains("sub \"alice\" of issuer \"hooks.connect\"");
            assertThat(publish(s, "user.alice", "{\"n\":1}").statusCode()).isEqualTo(200);
            JsonNode msg = alice.nextJson();
            assertThat(msg.path("type").asText()).isEqualTo("msg");
            assertThat(msg.path("data").toString()).isEqualTo("{\"n\":1}");
        }
    }

    @Test
    void anSseStreamIsIdentifiedByTheApplicationToo() throws Exception {
        String cookie = backend.login("bob");
        try (FerryServer s = server(backend.url("/ferry/connect"), "refuse", "10s")) {
            HttpResponse<String> other = get(s, "/v1/sse?topic=user.alice", Map.of("Cookie", cookie));
            assertThat(other.statusCode()).isEqualTo(403);
            assertThat(other.body()).contains("\"code\":\"forbidden\"");
            try (SseTestClient bob = SseTestClient.open(http(s, "/v1/sse?topic=user.bob"), Map.of("Cookie", cookie))) {
                assertThat(bob.status()).isEqualTo(200);
                assertThat(bob.next().data()).contains("\"topic\":\"user.bob\"");
                assertThat(publish(s, "user.bob", "{\"hi\":\"bob\"}").statusCode()).isEqualTo(200);
                assertThat(bob.next().data()).contains("\"hi\":\"bob\"");
            }
            HttpResponse<String> nobody = get(s, "/v1/sse?topic=user.bob", Map.of());
            assertThat(nobody.statusCode()).isEqualTo(403);
            assertThat(nobody.body()).isEqualTo(
                    "{\"code\":\"connect_refused\",\"message\":\"log in first\",\"data\":{\"code\":\"login_required\"}}");
        }
    }

    @Test
    void theApplicationRefusesWithItsCodeAndReason() throws Exception {
        String mallory = backend.login("mallory");
        try (FerryServer s = server(backend.url("/ferry/connect"), "refuse", "10s")) {
            // a WebSocket: the upgrade is answered and the socket closed at once, so that a browser reads why
            WsTestClient.Received noCookie = closedAtOnce(ws(s), Map.of(), "ferry.v1");
            assertThat(noCookie.closeCode()).isEqualTo(4403);
            assertThat(noCookie.closeReason()).isEqualTo("login_required: log in first");
            WsTestClient.Received banned = closedAtOnce(ws(s), Map.of("Cookie", mallory), "ferry.v1");
            assertThat(banned.closeCode()).isEqualTo(4403);
            assertThat(banned.closeReason()).isEqualTo("banned: user mallory is banned");
            // every WebSocket endpoint alike
            for (String path : new String[] {"/v1/multiplex", "/v1/topics/chat/x", "/v1/index/chat"}) {
                WsTestClient.Received r = closedAtOnce(URI.create("ws://127.0.0.1:" + s.port() + path),
                        Map.of("Cookie", mallory));
                assertThat(r.closeCode()).as(path).isEqualTo(4403);
                assertThat(r.closeReason()).as(path).isEqualTo("banned: user mallory is banned");
            }
            // a ferry.v1 upgrade without the ferry.v1 subprotocol cannot be accepted: HTTP as for other requests
            WsTestClient.Refusal bare = WsTestClient.refused(ws(s), Map.of("Cookie", mallory));
            assertThat(bare.status()).isEqualTo(403);
            HttpResponse<String> fallback = HttpClient.newHttpClient().send(HttpRequest.newBuilder(http(s, "/v1/session"))
                    .header("Cookie", mallory).POST(HttpRequest.BodyPublishers.noBody())
                    .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(fallback.statusCode()).isEqualTo(403);
            assertThat(fallback.body()).isEqualTo(
                    "{\"code\":\"connect_refused\",\"message\":\"user mallory is banned\",\"data\":{\"code\":\"banned\"}}");
        }
    }

    @Test
    void wampHearsTheRefusalAsAnAbort() throws Exception {
        String mallory = backend.login("mallory");
        try (FerryServer s = server(backend.url("/ferry/connect"), "refuse", "10s");
             WsTestClient w = WsTestClient.plain(URI.create("ws://127.0.0.1:" + s.port() + "/v1/wamp"),
                     Map.of("Cookie", mallory), "wamp.2.json")) {
            w.send("[1,\"realm1\",{\"roles\":{\"subscriber\":{}}}]");
            assertThat(w.nextText()).isEqualTo(
                    "[3,{\"message\":\"user mallory is banned\",\"code\":\"banned\"},\"ferry.error.connect_refused\"]");
            assertThat(w.awaitClose().closeCode()).isEqualTo(1000);
        }
    }

    /** Opens a WebSocket the server accepts and closes at once, and returns the close. */
    private static WsTestClient.Received closedAtOnce(URI uri, Map<String, String> headers, String... subprotocols) {
        try (WsTestClient c = WsTestClient.plain(uri, headers, subprotocols)) {
            WsTestClient.Received close = c.awaitClose();
            assertThat(close.isClose()).isTrue();
            return close;
        }
    }

    @Test
    void aBackendThatIsDownRefusesOrAllowsByPolicy() throws Exception {
        int closed;
        try (ServerSocket sock = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = sock.getLocalPort();
        }
        String down = "http://127.0.0.1:" + closed + "/ferry/connect";
        try (FerryServer s = server(down, "refuse", "10s")) {
            WsTestClient.Received r = closedAtOnce(ws(s), Map.of(), "ferry.v1");
            assertThat(r.closeCode()).isEqualTo(4503);
            assertThat(r.closeReason()).startsWith("the application did not answer the connect hook: ");
            try (WsTestClient w = WsTestClient.plain(URI.create("ws://127.0.0.1:" + s.port() + "/v1/wamp"),
                    Map.of(), "wamp.2.json")) {
                w.send("[1,\"realm1\",{}]");
                assertThat(w.nextText()).startsWith("[3,{\"message\":\"the application did not answer the connect hook: ")
                        .endsWith("},\"ferry.error.connect_unavailable\"]");
            }
            HttpResponse<String> sse = get(s, "/v1/sse?topic=a", Map.of());
            assertThat(sse.statusCode()).isEqualTo(503);
            assertThat(sse.body()).contains("\"code\":\"connect_unavailable\"");
        }
        try (FerryServer s = server(down, "allow", "10s");
             WsTestClient anonymous = WsTestClient.connect(ws(s))) {
            // as if there were no hook: anonymous, allowed by the default rules
            anonymous.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"a.b\"}");
            assertThat(anonymous.nextJson().path("type").asText()).isEqualTo("result");
        }
    }

    @Test
    void aSlowBackendTimesOutAndHoldsNoEventLoop() throws Exception {
        String cookie = backend.login("carol");
        // One event loop serves every connection; the connect hook takes 3 s to answer.
        try (FerryServer s = server(backend.url("/ferry/connect?delay=3"), "refuse", "20s");
             WsTestClient first = WsTestClient.connect(ws(s), Map.of("Cookie", cookie))) {
            assertThat(first.nextJson().path("type").asText()).isEqualTo("server_sub");
            first.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"chat.x\"}");
            assertThat(first.nextJson().path("type").asText()).isEqualTo("result");
            long start = System.nanoTime();
            CompletableFuture<WsTestClient> second = CompletableFuture.supplyAsync(
                    () -> WsTestClient.connect(ws(s), Map.of("Cookie", cookie)));
            // While the second connection waits for its hook, the first one's round trips go on on the same loop.
            for (int i = 0; i < 5; i++) {
                first.send("{\"type\":\"pub\",\"topic\":\"chat.x\",\"data\":{\"i\":" + i + "}}");
                assertThat(first.nextJson().path("data").path("i").asInt()).isEqualTo(i);
            }
            long roundTrips = System.nanoTime() - start;
            assertThat(second).isNotDone();
            assertThat(Duration.ofNanos(roundTrips)).isLessThan(Duration.ofMillis(2500));
            try (WsTestClient c = second.get(60, TimeUnit.SECONDS)) {
                assertThat(c.nextJson().path("type").asText()).isEqualTo("server_sub");
            }
        }
        // A hook slower than its timeout: no answer, so the failure policy refuses.
        try (FerryServer s = server(backend.url("/ferry/connect?delay=3"), "refuse", "300ms")) {
            long start = System.nanoTime();
            WsTestClient.Received r = closedAtOnce(ws(s), Map.of("Cookie", cookie), "ferry.v1");
            assertThat(r.closeCode()).isEqualTo(4503);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
            assertThat(s.meterRegistry().scrape())
                    .contains("ferry_hook_requests_total{hook=\"connect\",outcome=\"timeout\"} 1.0");
        }
    }

    private static HttpResponse<String> get(FerryServer s, String pathAndQuery, Map<String, String> headers)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(http(s, pathAndQuery)).timeout(Duration.ofSeconds(60));
        headers.forEach(b::header);
        return HttpClient.newHttpClient().send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
