package dev.ferry.server.sse;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.config.SseConfig;
import dev.ferry.server.testing.Await;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.ManualClock;
import dev.ferry.server.testing.SseTestClient;
import dev.ferry.server.testing.SseTestClient.Event;
import dev.ferry.server.testing.WsTestClient;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The HTTP-only fallback session: ferry.v1 over an event stream down and POSTs up, against a real server. */
class FallbackSessionTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** How long a session lives with no stream attached, on {@link #clock}. */
    static final Duration SESSION_TIMEOUT = Duration.ofMinutes(5);
    /** The server's time: it moves only when a test advances it, so reattaching always comes before an expiry. */
    static final ManualClock clock = new ManualClock();

    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension(clock, c -> c
            .withSse(new SseConfig(Duration.ofSeconds(15), 32, 4 << 20, SESSION_TIMEOUT)));

    /** A fallback client: a session, its event stream, and POSTs. */
    private static final class Fallback implements AutoCloseable {
        final String id;
        SseTestClient events;
        String lastId;

        Fallback() throws Exception {
            HttpResponse<String> r = post("/v1/session", "", null);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            JsonNode body = JSON.readTree(r.body());
            id = body.path("session").asText();
            assertThat(id).matches("[A-Za-z0-9_-]{22}");
            assertThat(body.path("expires").asLong()).isEqualTo(SESSION_TIMEOUT.toMillis());
            attach();
        }

        void attach() {
            events = SseTestClient.open(server.http("/v1/session/" + id + "/events"), lastId);
            assertThat(events.status()).isEqualTo(200);
        }

        void send(String frames) throws Exception {
            HttpResponse<String> r = post("/v1/session/" + id, frames, "text/plain");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        }

        Event nextEvent() {
            Event e = events.next();
            if (e.id() != null) {
                lastId = e.id();
            }
            return e;
        }

        JsonNode next() throws Exception {
            Event e = nextEvent();
            assertThat(e.type()).isEqualTo("message");
            return JSON.readTree(e.data());
        }

        @Override
        public void close() {
            events.close();
        }
    }

    private static HttpResponse<String> post(String path, String body, String type) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.http(path)).timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (type != null) {
            b.header("Content-Type", type);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void pubSubBothWays() throws Exception {
        try (Fallback f = new Fallback(); WsTestClient ws = WsTestClient.connect(server.wsUri())) {
            f.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"fb.*\"}\n{\"type\":\"ping\",\"id\":2}\n");
            assertThat(f.next().path("type").asText()).isEqualTo("result");
            assertThat(f.next().path("type").asText()).isEqualTo("pong");
            ws.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"fb.*\"}");
            ws.nextJson();
            ws.send("{\"type\":\"pub\",\"topic\":\"fb.a\",\"data\":{\"from\":\"ws\"}}");
            JsonNode m = f.next();
            assertThat(m.path("type").asText()).isEqualTo("msg");
            assertThat(m.path("data").path("from").asText()).isEqualTo("ws");
            assertThat(ws.nextJson().path("data").path("from").asText()).isEqualTo("ws");
            f.send("{\"type\":\"pub\",\"id\":3,\"ack\":true,\"topic\":\"fb.b\",\"data\":\"from fallback\"}");
            JsonNode got = ws.nextJson();
            assertThat(got.path("topic").asText()).isEqualTo("fb.b");
            assertThat(got.path("data").asText()).isEqualTo("from fallback");
            // the fallback is subscribed too: its ack and its own publication, in the order the hub sent them
            JsonNode a = f.next();
            JsonNode b = f.next();
            assertThat(java.util.List.of(a.path("type").asText(), b.path("type").asText())).containsExactlyInAnyOrder("result", "msg");
            // binary publications arrive as "binary" events: header, LF, base64 payload
            ws.sendBinary(concat("{\"type\":\"pub\",\"topic\":\"fb.c\"}\n", new byte[] {7, 8, 9}));
            Event bin = f.nextEvent();
            assertThat(bin.type()).isEqualTo("binary");
            String[] parts = bin.data().split("\n");
            assertThat(JSON.readTree(parts[0]).path("topic").asText()).isEqualTo("fb.c");
            assertThat(Base64.getDecoder().decode(parts[1])).containsExactly(7, 8, 9);
            // a binary message upstream: application/octet-stream
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(server.http("/v1/session/" + f.id))
                    .header("Content-Type", "application/octet-stream")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(concat("{\"type\":\"pub\",\"topic\":\"fb.d\"}\n", new byte[] {1})))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(202);
            assertThat(ws.next().binary()).isNotNull();
        }
    }

    /** The fallback session acknowledges a publication as ferry.v1 does: topic, epoch and offset (§4.1). */
    @Test
    void aPublicationAckCarriesTheEpochOfTheDeliveredMessage() throws Exception {
        try (Fallback f = new Fallback(); WsTestClient ws = WsTestClient.connect(server.wsUri())) {
            ws.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"fbepoch.a\"}");
            ws.nextJson();
            f.send("{\"type\":\"pub\",\"id\":7,\"ack\":true,\"topic\":\"fbepoch.a\",\"data\":1}");
            JsonNode ack = f.next();
            JsonNode msg = ws.nextJson();
            assertThat(ack.path("id").asInt()).isEqualTo(7);
            assertThat(ack.path("data").path("epoch").asText()).isNotEmpty().isEqualTo(msg.path("epoch").asText());
            assertThat(ack.path("data").path("offset").asLong()).isEqualTo(msg.path("offset").asLong());
        }
    }

    private static byte[] concat(String header, byte[] payload) {
        byte[] h = header.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] out = new byte[h.length + payload.length];
        System.arraycopy(h, 0, out, 0, h.length);
        System.arraycopy(payload, 0, out, h.length, payload.length);
        return out;
    }

    @Test
    void rpcCallerViaFallbackCalleeViaWebSocket() throws Exception {
        try (Fallback f = new Fallback(); WsTestClient callee = WsTestClient.connect(server.wsUri())) {
            callee.send("{\"type\":\"register\",\"id\":1,\"proc\":\"fb.add\"}");
            callee.nextJson();
            f.send("{\"type\":\"call\",\"id\":5,\"proc\":\"fb.add\",\"args\":[2,3]}");
            JsonNode invoke = callee.nextJson();
            assertThat(invoke.path("type").asText()).isEqualTo("invoke");
            callee.send("{\"type\":\"reply\",\"id\":" + invoke.path("id").asLong() + ",\"data\":5}");
            JsonNode result = f.next();
            assertThat(result.path("type").asText()).isEqualTo("result");
            assertThat(result.path("id").asLong()).isEqualTo(5);
            assertThat(result.path("data").asInt()).isEqualTo(5);
        }
    }

    @Test
    void rpcCallerViaWebSocketCalleeViaFallback() throws Exception {
        try (Fallback f = new Fallback(); WsTestClient caller = WsTestClient.connect(server.wsUri())) {
            f.send("{\"type\":\"register\",\"id\":1,\"proc\":\"fb.mul\"}");
            assertThat(f.next().path("type").asText()).isEqualTo("result");
            caller.send("{\"type\":\"call\",\"id\":7,\"proc\":\"fb.mul\",\"args\":[4,5]}");
            JsonNode invoke = f.next();
            assertThat(invoke.path("type").asText()).isEqualTo("invoke");
            assertThat(invoke.path("args").toString()).isEqualTo("[4,5]");
            f.send("{\"type\":\"reply\",\"id\":" + invoke.path("id").asLong() + ",\"data\":20}");
            JsonNode result = caller.nextJson();
            assertThat(result.path("id").asLong()).isEqualTo(7);
            assertThat(result.path("data").asInt()).isEqualTo(20);
        }
    }

    @Test
    void reattachingWithLastEventIdResumesWithoutGapOrDuplicate() throws Exception {
        try (Fallback f = new Fallback(); WsTestClient ws = WsTestClient.connect(server.wsUri())) {
            f.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"fbr.t\"}");
            assertThat(f.next().path("type").asText()).isEqualTo("result");
            long expected = 1;
            for (int round = 0; round < 5; round++) {
                for (int i = 0; i < 50; i++) {
                    ws.send("{\"type\":\"pub\",\"topic\":\"fbr.t\",\"data\":" + (round * 50 + i + 1) + "}");
                }
                for (int i = 0; i < 20; i++) {
                    assertThat(f.next().path("offset").asLong()).isEqualTo(expected++);
                }
                f.events.close(); // forced disconnect; the rest of the round was in flight or still queued
                f.attach();
                while (expected <= (round + 1) * 50L) {
                    assertThat(f.next().path("offset").asLong()).isEqualTo(expected++);
                }
            }
            assertThat(f.events.poll(Duration.ofMillis(200))).isNull();
        }
    }

    @Test
    void aSecondStreamReplacesTheFirst() throws Exception {
        try (Fallback f = new Fallback()) {
            SseTestClient first = f.events;
            f.attach();
            Event close = first.next();
            assertThat(close.type()).isEqualTo("close");
            assertThat(JSON.readTree(close.data()).path("code").asInt()).isEqualTo(FallbackSession.REPLACED);
            assertThat(first.awaitEnd()).isEmpty();
            f.send("{\"type\":\"ping\",\"id\":1}");
            assertThat(f.next().path("type").asText()).isEqualTo("pong");
        }
    }

    /**
     * Moves the server's time past the session timeout until {@code f}, whose stream was closed, has expired: the
     * server arms the expiry when it sees the stream's channel close, which the test cannot observe, so each try
     * advances again.
     */
    private static void expire(Fallback f) {
        Await.value("the detached session expires after the session timeout", Await.DEFAULT, () -> {
            clock.advance(SESSION_TIMEOUT.plusSeconds(1));
            return post("/v1/session/" + f.id, "{\"type\":\"ping\",\"id\":1}", null).statusCode();
        }, s -> s == 404);
    }

    @Test
    void expiresWithoutAStreamAndReleasesItsSubscriptions() throws Exception {
        int before = server.server().metrics().subscriptions();
        Fallback f = new Fallback();
        f.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"fbx.t\"}\n{\"type\":\"register\",\"id\":2,\"proc\":\"fbx.p\"}");
        f.next();
        f.next();
        assertThat(server.server().metrics().subscriptions()).isEqualTo(before + 1);
        f.close();
        expire(f);
        // sessions of earlier tests expire as well: once every one has, no subscription is left
        Await.until("every session has released its subscriptions", () -> {
            clock.advance(SESSION_TIMEOUT.plusSeconds(1));
            return server.server().metrics().subscriptions() == 0;
        });
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(server.http("/v1/session/" + f.id + "/events")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(r.body()).path("code").asText()).isEqualTo("unknown_session");
        try (WsTestClient caller = WsTestClient.connect(server.wsUri())) {
            caller.send("{\"type\":\"call\",\"id\":1,\"proc\":\"fbx.p\"}");
            assertThat(caller.nextJson().path("code").asText()).isEqualTo("no_such_procedure");
        }
    }

    @Test
    void staysAliveWhileAStreamIsAttached() throws Exception {
        try (Fallback f = new Fallback()) {
            // A second session, detached once attached after f was, expires after the timeout: by then f has been
            // attached for longer than the timeout.
            Fallback witness = new Fallback();
            witness.close();
            expire(witness);
            f.send("{\"type\":\"ping\",\"id\":1}");
            assertThat(f.next().path("type").asText()).isEqualTo("pong");
        }
    }

    @Test
    void badInput() throws Exception {
        HttpResponse<String> unknown = post("/v1/session/AAAAAAAAAAAAAAAAAAAAAA", "{}", null);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(unknown.body()).path("code").asText()).isEqualTo("unknown_session");
        HttpResponse<String> unknownEvents = HTTP.send(HttpRequest.newBuilder(server.http("/v1/session/nope/events")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(unknownEvents.statusCode()).isEqualTo(404);
        assertThat(post("/v1/session/x/events", "", null).statusCode()).isEqualTo(405);
        HttpResponse<String> get = HTTP.send(HttpRequest.newBuilder(server.http("/v1/session")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(get.statusCode()).isEqualTo(405);
        try (Fallback f = new Fallback()) {
            HttpResponse<String> big = post("/v1/session/" + f.id, "x".repeat((1 << 20) + 1), null);
            assertThat(big.statusCode()).isEqualTo(413);
            HttpResponse<String> badId = HTTP.send(HttpRequest.newBuilder(server.http("/v1/session/" + f.id + "/events"))
                    .header("Last-Event-ID", "seven").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(badId.statusCode()).isEqualTo(400);
            assertThat(JSON.readTree(badId.body()).path("code").asText()).isEqualTo("bad_event_id");
            HttpResponse<String> form = post("/v1/session/" + f.id, "{}", "application/x-www-form-urlencoded");
            assertThat(form.statusCode()).as(form.body()).isEqualTo(415);
            assertThat(JSON.readTree(form.body()).path("code").asText()).isEqualTo("unsupported_media_type");
            assertThat(post("/v1/session/" + f.id, "", "text/plain; charset=utf-8").statusCode()).isEqualTo(202);
            assertThat(post("/v1/session/" + f.id, "", "application/json").statusCode()).isEqualTo(202);
            // a malformed frame is answered downstream, as over WebSocket
            f.send("not json");
            JsonNode err = f.next();
            assertThat(err.path("type").asText()).isEqualTo("error");
            assertThat(err.path("code").asText()).isEqualTo("bad_frame");
        }
    }
}
