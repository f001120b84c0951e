package dev.ferry.server.hooks;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.protocol.CloseCodes;
import dev.ferry.server.FerryServer;
import dev.ferry.server.config.ConfigLoader;
import dev.ferry.server.testing.Await;
import dev.ferry.server.testing.ManualClock;
import dev.ferry.server.testing.SseTestClient;
import dev.ferry.server.testing.WsTestClient;
import dev.ferry.server.tunnel.TcpPeer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The refresh hook (docs/hooks.md, "refresh") against the example backend. On ferry.v1, in real time with
 * identities of 2 seconds: a connection whose user is still logged in is extended past its first expiry; once the
 * user logs out, the next refresh is refused and the connection closes with 4005. On every other transport, on a
 * manual clock (the backend's clock pinned to it): extended past the first expiry, then ended in the transport's
 * own way once the user logged out.
 */
class RefreshHookTest {
    /** How long the identities of the manual-clock backend last. */
    private static final Duration TTL = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static ExampleBackend backend;
    private static TcpPeer echo;
    private static ManualClock clock;
    private static FerryServer server;

    @BeforeAll
    static void start() throws Exception {
        backend = ExampleBackend.start((int) TTL.toSeconds());
        echo = TcpPeer.echo();
        // whole seconds, as the backend's expiries are: each expiry falls exactly TTL after the answer
        clock = new ManualClock(System.currentTimeMillis() / 1000 * 1000);
        backend.pinClock(clock.millis() / 1000);
        server = FerryServer.builder().clock(clock).config(new ConfigLoader()
                .set("hooks.connect.url", backend.url("/ferry/connect"))
                .set("hooks.refresh.url", backend.url("/ferry/refresh"))
                .set("websocket.ping-interval", "1h") // the clock jumps: no liveness check between steps
                .set("websocket.idle-timeout", "2h")
                .set("sse.heartbeat-interval", "1h")
                .set("tunnel.routes.echo.upstream", "127.0.0.1:" + echo.port())
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

    @Test
    void anIdentityIsExtendedWhileItsSessionLastsThenClosed() throws Exception {
        try (ExampleBackend backend = ExampleBackend.start(2)) {
            FerryServer s = FerryServer.builder().config(new ConfigLoader()
                    .set("hooks.connect.url", backend.url("/ferry/connect"))
                    .set("hooks.refresh.url", backend.url("/ferry/refresh"))
                    .load()).host("127.0.0.1").port(0).build();
            try (s) {
                s.start();
                String cookie = backend.login("gina");
                try (WsTestClient gina = WsTestClient.connect(s.webSocketUri(), Map.of("Cookie", cookie))) {
                    assertThat(gina.nextJson().path("type").asText()).isEqualTo("server_sub");
                    // Past the first expiry (2 s, at a second's resolution): refreshed, still open and served.
                    assertThat(gina.nothingWithin(Duration.ofMillis(3500))).isTrue();
                    gina.send("{\"type\":\"ping\",\"id\":1}");
                    assertThat(gina.nextJson().path("type").asText()).isEqualTo("pong");
                    backend.logout(cookie);
                    WsTestClient.Received closed = gina.awaitClose();
                    assertThat(closed.closeCode()).isEqualTo(CloseCodes.TOKEN_EXPIRED);
                }
            }
        }
    }

    private static URI ws(String path) {
        return URI.create("ws://127.0.0.1:" + server.port() + path);
    }

    private static URI http(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    /** The refresh hook's calls so far with {@code outcome}. */
    private static double refreshes(String outcome) {
        Matcher m = Pattern.compile("ferry_hook_requests_total\\{hook=\"refresh\",outcome=\"" + outcome + "\"} (\\S+)")
                .matcher(server.meterRegistry().scrape());
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    /**
     * Moves the server's clock (and the backend's with it) one second past an identity's lifetime from now: the
     * identities given before expire on the way, and are asked about once; waits for the refresh hook's answer.
     */
    private static void pastExpiry() {
        double asked = refreshes("ok");
        Duration step = TTL.plusSeconds(1);
        backend.pinClock((clock.millis() + step.toMillis()) / 1000);
        clock.advance(step);
        Await.until("the refresh hook's answer", () -> refreshes("ok") > asked);
    }

    /**
     * Runs the life of one identity on a transport: {@code opened} opens a connection with the session's cookie
     * (and waits until it is served); past the first expiry the refresh hook extends the identity, and
     * {@code alive} checks the connection is still served; once the user logged out, past the next expiry
     * {@code ended} checks the connection ended the transport's way.
     */
    private static <C extends AutoCloseable> void lifeOf(String user, Opened<C> opened,
            Checked<C> alive, Checked<C> ended) throws Exception {
        String cookie = backend.login(user);
        try (C c = opened.open(cookie)) {
            pastExpiry();
            alive.check(c);
            backend.logout(cookie);
            pastExpiry();
            ended.check(c);
        }
    }

    @FunctionalInterface
    private interface Opened<C> {
        C open(String cookie) throws Exception;
    }

    @FunctionalInterface
    private interface Checked<C> {
        void check(C c) throws Exception;
    }

    private static WsTestClient plain(String path, String cookie, String... subprotocols) {
        return WsTestClient.plain(ws(path), Map.of("Cookie", cookie), subprotocols);
    }

    /** Asserts the connection is still open a moment after the refresh hook answered. */
    private static void stillOpen(WsTestClient c) {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> c.closed().get(200, java.util.concurrent.TimeUnit.MILLISECONDS))
                .isInstanceOf(java.util.concurrent.TimeoutException.class);
    }

    private static void closedWithTokenExpired(WsTestClient c) {
        WsTestClient.Received closed = c.awaitClose();
        assertThat(closed.closeCode()).isEqualTo(CloseCodes.TOKEN_EXPIRED);
        assertThat(closed.closeReason()).isEqualTo("token expired");
    }

    @Test
    void theMultiplexerIsRefreshedThenClosedWith4005() throws Exception {
        lifeOf("mia", cookie -> {
            WsTestClient c = plain("/v1/multiplex", cookie);
            c.send("sub,chat.mia");
            assertThat(c.nextText()).isEqualTo("sub,chat.mia");
            return c;
        }, c -> {
            c.send("msg,chat.mia,still here");
            assertThat(c.nextText()).isEqualTo("msg,chat.mia,still here");
        }, RefreshHookTest::closedWithTokenExpired);
    }

    @Test
    void aTopicSocketIsRefreshedThenClosedWith4005() throws Exception {
        lifeOf("tom", cookie -> plain("/v1/topics/chat/tom", cookie), c -> {
            c.send("{\"note\":1}");
            assertThat(c.nextText()).isEqualTo("{\"note\":1}");
        }, RefreshHookTest::closedWithTokenExpired);
    }

    @Test
    void anIndexSocketIsRefreshedThenClosedWith4005() throws Exception {
        lifeOf("ivy", cookie -> {
            WsTestClient c = plain("/v1/index", cookie);
            assertThat(JSON.readTree(c.nextText()).path("type").asText()).isEqualTo("index");
            return c;
        }, RefreshHookTest::stillOpen, RefreshHookTest::closedWithTokenExpired);
    }

    @Test
    void aWampSessionIsRefreshedThenSaidGoodbye() throws Exception {
        lifeOf("walt", cookie -> {
            WsTestClient c = plain("/v1/wamp", cookie, "wamp.2.json");
            c.send("[1,\"realm1\",{\"roles\":{\"subscriber\":{}}}]");
            JsonNode welcome = JSON.readTree(c.nextText());
            assertThat(welcome.get(0).asInt()).as(welcome.toString()).isEqualTo(2);
            assertThat(welcome.get(2).path("authid").asText()).isEqualTo("walt");
            return c;
        }, c -> {
            c.send("[32,1,{},\"user.walt\"]");
            JsonNode subscribed = JSON.readTree(c.nextText());
            assertThat(subscribed.get(0).asInt()).as(subscribed.toString()).isEqualTo(33);
        }, c -> {
            JsonNode goodbye = JSON.readTree(c.nextText());
            assertThat(goodbye.toString()).isEqualTo("[6,{\"message\":\"token expired\"},\"ferry.close.token_expired\"]");
            closedWithTokenExpired(c);
        });
    }

    @Test
    void anSseStreamIsRefreshedThenEndedWithACloseEvent() throws Exception {
        eventStreamLifeOf("sam", "/v1/sse?topic=user.sam", "ready");
    }

    @Test
    void aStateStreamIsRefreshedThenEndedWithACloseEvent() throws Exception {
        eventStreamLifeOf("stu", "/v1/state/room.stu", "state");
    }

    /**
     * {@link #lifeOf} for an event stream at {@code path} whose first event is {@code firstEvent}: quiet while the
     * identity is extended, then a final {@code close} event with 4005 and the end of the response.
     */
    private static void eventStreamLifeOf(String user, String path, String firstEvent) throws Exception {
        lifeOf(user, cookie -> {
            SseTestClient c = SseTestClient.open(http(path), Map.of("Cookie", cookie));
            assertThat(c.status()).isEqualTo(200);
            assertThat(c.next().type()).isEqualTo(firstEvent);
            return c;
        }, c -> {
            assertThat(c.poll(Duration.ofMillis(200))).isNull();
        }, c -> {
            SseTestClient.Event close = c.next();
            assertThat(close.type()).isEqualTo("close");
            assertThat(close.data()).isEqualTo("{\"code\":4005,\"reason\":\"token expired\"}");
            assertThat(c.awaitEnd()).isEmpty();
        });
    }

    @Test
    void aTunnelIsRefreshedThenClosedWith4005() throws Exception {
        lifeOf("tia", cookie -> plain("/v1/tunnel/echo", cookie), c -> {
            c.sendBinary("ping".getBytes(StandardCharsets.UTF_8));
            StringBuilder back = new StringBuilder();
            while (back.length() < 4) {
                back.append(new String(c.next().binary(), StandardCharsets.UTF_8));
            }
            assertThat(back.toString()).isEqualTo("ping");
        }, RefreshHookTest::closedWithTokenExpired);
    }
}
