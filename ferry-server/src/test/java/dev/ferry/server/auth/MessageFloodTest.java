package dev.ferry.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.protocol.CloseCodes;
import dev.ferry.server.config.LimitsConfig;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.ManualClock;
import dev.ferry.server.testing.SseTestClient;
import dev.ferry.server.testing.WsTestClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A connection that keeps sending beyond {@code limits.message-rate} is closed with 4010 on every transport that
 * has the rate (ferry.v1, fallback sessions, per-topic sockets, the multiplexer), while the other connections of
 * the server carry on.
 */
class MessageFloodTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    /** A flood gives up after this many messages (or when closed): bounded whatever the server does. */
    private static final int MAX_FLOOD_MESSAGES = 20_000;

    /** The servers' time: rates refill only when a test advances it, so what a flood gets is exact. */
    static final ManualClock clock = new ManualClock();

    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension(clock, c -> c
            .withLimits(new LimitsConfig(0, 0, 0, 0, 1000, 0, 0, 100, 100, 0, 10, LimitsConfig.DEFAULT_REASSEMBLY_BYTES)));

    @RegisterExtension
    static final FerryServerExtension slow = new FerryServerExtension(clock, c -> c
            .withLimits(new LimitsConfig(0, 0, 0, 0, 1000, 0, 0, 1, 5, 0, 10, LimitsConfig.DEFAULT_REASSEMBLY_BYTES)));

    private static String pings(int from, int n) {
        StringBuilder b = new StringBuilder();
        for (int i = from; i < from + n; i++) {
            b.append("{\"type\":\"ping\",\"id\":").append(i).append("}\n");
        }
        return b.toString();
    }

    /** Sends {@code message} until the server closes the connection (or the bound is reached); returns the close. */
    private static WsTestClient.Received flood(WsTestClient c, java.util.function.IntFunction<String> message) {
        CompletableFuture<WsTestClient.Received> closed = CompletableFuture.supplyAsync(c::awaitClose);
        for (int i = 0; i < MAX_FLOOD_MESSAGES && !closed.isDone(); i++) {
            try {
                c.send(message.apply(i));
            } catch (CompletionException | IllegalStateException e) {
                break; // the server closed the connection while we were sending
            }
        }
        return closed.orTimeout(30, TimeUnit.SECONDS).join();
    }

    @Test
    void aPingFloodIsClosedWith4010WhileAHealthySubscriberKeepsReceiving() throws Exception {
        double closesBefore = rateLimitCloses();
        try (WsTestClient sub = WsTestClient.connect(server.wsUri());
             WsTestClient pub = WsTestClient.connect(server.wsUri());
             WsTestClient flooder = WsTestClient.connect(server.wsUri())) {
            sub.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"flood.t\"}");
            assertThat(sub.nextJson().path("type").asText()).isEqualTo("result");
            CompletableFuture<WsTestClient.Received> flooded = CompletableFuture.supplyAsync(
                    () -> flood(flooder, i -> pings(i * 10 + 1, 10)));
            for (int i = 1; i <= 50; i++) {
                pub.send("{\"type\":\"pub\",\"id\":" + i + ",\"ack\":true,\"topic\":\"flood.t\",\"data\":" + i + "}");
                assertThat(pub.nextJson().path("type").asText()).isEqualTo("result");
            }
            WsTestClient.Received close = flooded.get(60, TimeUnit.SECONDS);
            assertThat(close.closeCode()).isEqualTo(CloseCodes.RATE_LIMIT_EXCEEDED);
            assertThat(close.closeReason()).isEqualTo("rate limit exceeded");
            // Before the close, refused frames were answered rate_limited, at most limits.message-excess of them.
            int limited = 0;
            WsTestClient.Received r;
            while (!(r = flooder.next()).isClose()) {
                if (r.json().path("type").asText().equals("error")) {
                    assertThat(r.json().path("code").asText()).isEqualTo("rate_limited");
                    limited++;
                }
            }
            assertThat(limited).isBetween(1, 10);
            for (int i = 1; i <= 50; i++) {
                JsonNode m = sub.nextJson();
                assertThat(m.path("type").asText()).isEqualTo("msg");
                assertThat(m.path("data").asInt()).isEqualTo(i);
            }
            pub.send("{\"type\":\"ping\",\"id\":99}");
            assertThat(pub.nextJson().path("type").asText()).isEqualTo("pong");
        }
        assertThat(rateLimitCloses()).isGreaterThan(closesBefore);
    }

    @Test
    void aClientThatStaysWithinTheExcessKeepsItsConnection() {
        try (WsTestClient c = WsTestClient.connect(slow.wsUri())) {
            c.send(pings(1, 12)); // a burst of 5 (at 1 frame/s), then refusals within the excess of 10
            int limited = 0;
            for (int i = 0; i < 12; i++) {
                JsonNode f = c.nextJson();
                if (!f.path("type").asText().equals("pong")) {
                    assertThat(f.path("code").asText()).isEqualTo("rate_limited");
                    limited++;
                }
            }
            assertThat(limited).as("no time passed: the burst of 5, then refusals").isEqualTo(7);
            c.send(pings(13, 1)); // one more refusal: still within the excess, still answered
            assertThat(c.nextJson().path("code").asText()).isEqualTo("rate_limited");
            clock.advance(Duration.ofSeconds(1)); // a client that slows down when told gets its frames through
            c.send(pings(14, 1));
            assertThat(c.nextJson().path("type").asText()).isEqualTo("pong");
        }
    }

    @Test
    void aPerTopicSocketIsClosedWith4010AtTheFirstMessageBeyondTheRate() {
        try (WsTestClient sub = WsTestClient.connect(server.wsUri());
             WsTestClient topic = WsTestClient.connect(URI.create("ws://127.0.0.1:" + server.port() + "/v1/topics/flood/sock"), new String[0])) {
            sub.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"flood.sock\"}");
            sub.nextJson();
            WsTestClient.Received close = flood(topic, i -> "m" + i);
            assertThat(close.closeCode()).isEqualTo(CloseCodes.RATE_LIMIT_EXCEEDED);
            // What was published before the close arrived in order, and no more than the rate allowed.
            sub.send("{\"type\":\"pub\",\"topic\":\"flood.sock\",\"data\":\"end\"}");
            int n = 0;
            String data;
            while (!(data = sub.nextJson().path("data").asText()).equals("end")) {
                assertThat(data).isEqualTo("m" + n++);
            }
            assertThat(n).as("the burst: no time passed while it flooded").isBetween(100, 101);
        }
    }

    @Test
    void aMultiplexerIsClosedWith4010AtTheFirstMessageBeyondTheRate() {
        try (WsTestClient mux = WsTestClient.connect(URI.create("ws://127.0.0.1:" + server.port() + "/v1/multiplex"), new String[0])) {
            mux.send("sub,flood.mux");
            WsTestClient.Received close = flood(mux, i -> "msg,flood.mux,x" + i);
            assertThat(close.closeCode()).isEqualTo(CloseCodes.RATE_LIMIT_EXCEEDED);
        }
    }

    @Test
    void aFallbackSessionThatKeepsFloodingIsClosedWith4010() throws Exception {
        HttpResponse<String> created = post("/v1/session", "");
        assertThat(created.statusCode()).isEqualTo(200);
        String id = JSON.readTree(created.body()).path("session").asText();
        try (SseTestClient events = SseTestClient.open(server.http("/v1/session/" + id + "/events"), (String) null)) {
            assertThat(events.status()).isEqualTo(200);
            for (int i = 0; i < 20; i++) {
                HttpResponse<String> r = post("/v1/session/" + id, pings(i * 50 + 1, 50));
                if (r.statusCode() == 404) {
                    break; // closed: the session is gone
                }
                assertThat(r.statusCode()).isEqualTo(202);
            }
            SseTestClient.Event e;
            do {
                e = events.next();
            } while (!e.type().equals("close"));
            assertThat(JSON.readTree(e.data()).path("code").asInt()).isEqualTo(CloseCodes.RATE_LIMIT_EXCEEDED);
        }
    }

    private static double rateLimitCloses() {
        return server.server().meterRegistry().get("ferry.rate.limit.closes").functionCounter().count();
    }

    private static HttpResponse<String> post(String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(server.http(path)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
