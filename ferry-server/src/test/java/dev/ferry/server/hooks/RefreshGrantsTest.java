package dev.ferry.server.hooks;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.ferry.protocol.CloseCodes;
import dev.ferry.server.FerryServer;
import dev.ferry.server.config.ConfigLoader;
import dev.ferry.server.testing.Await;
import dev.ferry.server.testing.ManualClock;
import dev.ferry.server.testing.WsTestClient;
import dev.ferry.server.tunnel.TcpPeer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A refresh answer with narrower grants (docs/hooks.md, "refresh"): the connection keeps going as the refreshed
 * identity, and what the new grants no longer allow is undone as after a reload: a multiplexer channel is dropped
 * with {@code err} and {@code uns}, a tunnel on a route with {@code auth: required} closes with 4006. The backend is
 * scripted here (the example backend always gives the same grants); the server runs on a manual clock.
 */
class RefreshGrantsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ManualClock clock = new ManualClock(System.currentTimeMillis() / 1000 * 1000);
    /** The grants the connect hook gives, and the refresh hook's. */
    private static final AtomicReference<String> connectGrants = new AtomicReference<>();
    private static final AtomicReference<String> refreshGrants = new AtomicReference<>();
    private static final AtomicInteger refreshes = new AtomicInteger();
    private static HttpServer backend;
    private static TcpPeer echo;
    private static FerryServer server;

    @BeforeAll
    static void start() throws Exception {
        backend = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        backend.setExecutor(Executors.newCachedThreadPool());
        backend.createContext("/connect", x -> answer(x, connectGrants.get(), 60));
        backend.createContext("/refresh", x -> {
            answer(x, refreshGrants.get(), 3600);
            refreshes.incrementAndGet();
        });
        backend.start();
        echo = TcpPeer.echo();
        String url = "http://127.0.0.1:" + backend.getAddress().getPort();
        server = FerryServer.builder().clock(clock).config(new ConfigLoader()
                .set("hooks.connect.url", url + "/connect")
                .set("hooks.refresh.url", url + "/refresh")
                .set("websocket.ping-interval", "1h")
                .set("websocket.idle-timeout", "2h")
                .set("tunnel.routes.guarded.upstream", "127.0.0.1:" + echo.port())
                .set("tunnel.routes.guarded.auth", "required")
                .load()).host("127.0.0.1").port(0).build();
        server.start();
    }

    /** An identity of user {@code ada} with {@code grants}, expiring {@code seconds} after the server clock's now. */
    private static void answer(com.sun.net.httpserver.HttpExchange x, String grants, long seconds) throws java.io.IOException {
        x.getRequestBody().readAllBytes();
        byte[] out = ("{\"user\":\"ada\",\"grants\":" + grants + ",\"expire_at\":" + (clock.millis() / 1000 + seconds) + "}")
                .getBytes(StandardCharsets.UTF_8);
        x.sendResponseHeaders(200, out.length);
        try (OutputStream o = x.getResponseBody()) {
            o.write(out);
        }
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
            backend.stop(0);
        }
    }

    private static URI ws(String path) {
        return URI.create("ws://127.0.0.1:" + server.port() + path);
    }

    /** Moves the clock past the identity's 60 seconds and waits for the refresh hook's answer to be in. */
    private static void pastExpiry() {
        int asked = refreshes.get();
        clock.advance(Duration.ofSeconds(61));
        Await.until("the refresh hook's answer", () -> refreshes.get() > asked);
    }

    @Test
    void aMultiplexerChannelTheNewGrantsNoLongerAllowIsDropped() throws Exception {
        connectGrants.set("{\"subscribe\":[\"chat.#\",\"news.#\"],\"publish\":[\"chat.#\",\"news.#\"]}");
        refreshGrants.set("{\"subscribe\":[\"news.#\"],\"publish\":[\"news.#\"]}");
        try (WsTestClient c = WsTestClient.plain(ws("/v1/multiplex"), Map.of())) {
            c.send("sub,chat.x");
            assertThat(c.nextText()).isEqualTo("sub,chat.x");
            c.send("sub,news.x");
            assertThat(c.nextText()).isEqualTo("sub,news.x");
            pastExpiry();
            String err = c.nextText();
            assertThat(err).startsWith("err,chat.x,");
            JsonNode e = JSON.readTree(err.substring("err,chat.x,".length()));
            assertThat(e.path("code").asText()).isEqualTo("forbidden");
            assertThat(e.path("data").toString()).isEqualTo("{\"action\":\"subscribe\",\"topic\":\"chat.x\"}");
            assertThat(c.nextText()).isEqualTo("uns,chat.x");
            // the other channel goes on
            c.send("msg,news.x,still here");
            assertThat(c.nextText()).isEqualTo("msg,news.x,still here");
        }
    }

    @Test
    void aTunnelWhoseNewGrantsNoLongerAllowItClosesWith4006() throws Exception {
        connectGrants.set("{\"tunnel\":[\"guarded\"]}");
        refreshGrants.set("{\"tunnel\":[]}");
        try (WsTestClient c = WsTestClient.plain(ws("/v1/tunnel/guarded"), Map.of())) {
            c.sendBinary("ping".getBytes(StandardCharsets.UTF_8));
            assertThat(new String(c.next().binary(), StandardCharsets.UTF_8)).startsWith("p");
            pastExpiry();
            WsTestClient.Received closed = c.awaitClose();
            assertThat(closed.closeCode()).isEqualTo(CloseCodes.FORBIDDEN);
            assertThat(closed.closeReason()).startsWith("forbidden: ");
        }
    }
}
