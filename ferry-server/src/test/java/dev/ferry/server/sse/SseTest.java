package dev.ferry.server.sse;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.config.HistoryConfig;
import dev.ferry.server.config.HttpConfig;
import dev.ferry.server.config.SseConfig;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.SseTestClient;
import dev.ferry.server.testing.SseTestClient.Event;
import dev.ferry.server.testing.WsTestClient;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code GET /v1/sse} against a real server, read with the JDK's HttpClient line by line. */
class SseTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String API_KEY = "sse-test-key-0123456789";

    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension(c -> c
            .withHistory(new HistoryConfig(10_000, Duration.ofMinutes(5), 10_000, List.of("lossy.#")))
            .withHttp(new HttpConfig(List.of(API_KEY), 1 << 20))
            .withSse(new SseConfig(Duration.ofMillis(300), 4, 4 << 20, Duration.ofSeconds(30))));

    private static URI sse(String query) {
        return server.http("/v1/sse?" + query);
    }

    private static void publish(WsTestClient ws, String topic, String json) {
        ws.send("{\"type\":\"pub\",\"id\":9,\"ack\":true,\"topic\":\"" + topic + "\",\"data\":" + json + "}");
        assertThat(ws.nextJson(n -> n.path("id").asLong() == 9).path("type").asText()).isEqualTo("result");
    }

    private static JsonNode json(Event e) throws Exception {
        return JSON.readTree(e.data());
    }

    @Test
    void deliversPublicationsOfTopicsAndPatterns() throws Exception {
        try (WsTestClient ws = WsTestClient.connect(server.wsUri());
             SseTestClient s = SseTestClient.open(sse("topic=d.one&topic=d.many.*"))) {
            assertThat(s.status()).isEqualTo(200);
            assertThat(s.response().headers().firstValue("content-type")).hasValue("text/event-stream; charset=utf-8");
            Event ready = s.next();
            assertThat(ready.type()).isEqualTo("ready");
            assertThat(json(ready).path("positions").get(0).path("topic").asText()).isEqualTo("d.one");
            publish(ws, "d.one", "{\"n\":1}");
            // over HTTP the body is published verbatim, line break included: it becomes two data lines
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(server.http("/v1/publish/d.many.x"))
                    .header("Authorization", "Bearer " + API_KEY).POST(HttpRequest.BodyPublishers.ofString("[1,\n2]")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            publish(ws, "d.other", "0");
            ws.sendBinary(binary("{\"type\":\"pub\",\"topic\":\"d.many.y\"}", new byte[] {0, 1, 2}));
            Event first = s.next();
            assertThat(first.type()).isEqualTo("message");
            JsonNode m1 = json(first);
            assertThat(m1.path("topic").asText()).isEqualTo("d.one");
            assertThat(m1.path("offset").asLong()).isEqualTo(1);
            assertThat(m1.path("data").path("n").asInt()).isEqualTo(1);
            assertThat(first.id()).isEqualTo("d.one=1@" + m1.path("epoch").asText());
            Event second = s.next();
            JsonNode m2 = json(second);
            assertThat(m2.path("topic").asText()).isEqualTo("d.many.x");
            assertThat(m2.path("data").toString()).isEqualTo("[1,2]");
            assertThat(second.data()).contains("[1,\n2]");
            assertThat(second.id()).startsWith("d.many.x=1@").contains(",d.one=1@");
            JsonNode m3 = json(s.next());
            assertThat(m3.path("topic").asText()).isEqualTo("d.many.y");
            assertThat(Base64.getDecoder().decode(m3.path("data_base64").asText())).containsExactly(0, 1, 2);
        }
    }

    private static byte[] binary(String header, byte[] payload) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[h.length + 1 + payload.length];
        System.arraycopy(h, 0, out, 0, h.length);
        out[h.length] = '\n';
        System.arraycopy(payload, 0, out, h.length + 1, payload.length);
        return out;
    }

    @Test
    void resumesWithLastEventIdAcrossForcedDisconnectsWithoutGapOrDuplicate() throws Exception {
        int perTopic = 1500;
        String[] topics = {"res.a", "res.b", "res.c"};
        Map<String, Long> last = new HashMap<>();
        String lastId;
        try (SseTestClient first = SseTestClient.open(sse("topic=res.*"))) {
            lastId = first.next().id(); // ready: positions of nothing yet, the pattern is followed live
        }
        AtomicBoolean running = new AtomicBoolean(true);
        // A pattern resumes only topics it has seen: start publishing, then take the first id that has them all.
        CompletableFuture<Void> publisher = CompletableFuture.runAsync(() -> {
            try (WsTestClient pub = WsTestClient.connect(server.wsUri())) {
                for (int i = 1; i <= perTopic && running.get(); i++) {
                    StringBuilder b = new StringBuilder();
                    for (String t : topics) {
                        b.append("{\"type\":\"pub\",\"topic\":\"").append(t).append("\",\"data\":").append(i).append("}\n");
                    }
                    pub.send(b.toString());
                    if (i % 10 == 0) {
                        // Pacing, not synchronisation: spreads the publications over the reconnects.
                        java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
                    }
                }
                pub.send("{\"type\":\"ping\",\"id\":1}");
                pub.nextJson(n -> n.path("type").asText().equals("pong"));
            }
        });
        int reconnects = 0;
        try (SseTestClient s = SseTestClient.open(sse("topic=res.*"), lastId)) {
            // before any publication on them is seen, topics are only followed live: wait for all three
            assertThat(s.next().type()).isEqualTo("ready");
            while (last.size() < topics.length) {
                Event e = s.next();
                JsonNode m = json(e);
                last.put(m.path("topic").asText(), m.path("offset").asLong());
                lastId = e.id();
            }
        }
        try {
            while (last.values().stream().mapToLong(Long::longValue).sum() < (long) perTopic * topics.length) {
                reconnects++;
                try (SseTestClient s = SseTestClient.open(sse("topic=res.*"), lastId)) {
                    assertThat(s.status()).isEqualTo(200);
                    Event ready = s.next();
                    assertThat(ready.type()).isEqualTo("ready");
                    for (JsonNode p : json(ready).path("positions")) {
                        assertThat(p.path("recovered").asBoolean()).as(p.toString()).isTrue();
                    }
                    for (int n = 0; n < 300; n++) {
                        Event e = s.next();
                        assertThat(e.type()).isEqualTo("message");
                        JsonNode m = json(e);
                        String topic = m.path("topic").asText();
                        long offset = m.path("offset").asLong();
                        assertThat(offset).as("%s after %s", topic, last.get(topic)).isEqualTo(last.get(topic) + 1);
                        assertThat(m.path("data").asLong()).isEqualTo(offset);
                        last.put(topic, offset);
                        lastId = e.id();
                        if (last.values().stream().mapToLong(Long::longValue).sum() == (long) perTopic * topics.length) {
                            break;
                        }
                    }
                }
            }
        } finally {
            running.set(false);
            publisher.get(30, TimeUnit.SECONDS);
        }
        assertThat(reconnects).isGreaterThan(3);
        for (String t : topics) {
            assertThat(last.get(t)).isEqualTo(perTopic);
        }
    }

    @Test
    void concreteTopicResumesFromTheReadyIdEvenWithoutEvents() throws Exception {
        String id;
        try (SseTestClient s = SseTestClient.open(sse("topic=quiet.t"))) {
            id = s.next().id();
            assertThat(id).startsWith("quiet.t=0@");
        }
        try (WsTestClient ws = WsTestClient.connect(server.wsUri())) {
            publish(ws, "quiet.t", "\"missed\"");
        }
        try (SseTestClient s = SseTestClient.open(sse("topic=quiet.t&since=" + URLEncoder.encode(id, StandardCharsets.UTF_8)))) {
            assertThat(s.next().type()).isEqualTo("ready");
            JsonNode m = json(s.next());
            assertThat(m.path("offset").asLong()).isEqualTo(1);
            assertThat(m.path("data").asText()).isEqualTo("missed");
        }
    }

    @Test
    void resetWhenATopicCannotBeRecovered() throws Exception {
        try (WsTestClient ws = WsTestClient.connect(server.wsUri())) {
            publish(ws, "reset.t", "1");
            publish(ws, "reset.t", "2");
        }
        try (SseTestClient s = SseTestClient.open(sse("topic=reset.*"), "reset.t=1@0000dead")) {
            Event ready = s.next();
            JsonNode p = json(ready).path("positions").get(0);
            assertThat(p.path("recovered").asBoolean()).isFalse();
            Event reset = s.next();
            assertThat(reset.type()).isEqualTo("reset");
            JsonNode r = json(reset);
            assertThat(r.path("topic").asText()).isEqualTo("reset.t");
            assertThat(r.path("offset").asLong()).isEqualTo(2);
            assertThat(r.path("epoch").asText()).isNotEqualTo("0000dead").isNotEmpty();
            assertThat(ready.id()).isEqualTo("reset.t=2@" + r.path("epoch").asText());
            try (WsTestClient ws = WsTestClient.connect(server.wsUri())) {
                publish(ws, "reset.t", "3");
            }
            assertThat(json(s.next()).path("offset").asLong()).isEqualTo(3);
        }
    }

    @Test
    void heartbeatCommentsKeepAnIdleStreamAlive() throws Exception {
        try (SseTestClient s = SseTestClient.open(sse("topic=idle.t"))) {
            long start = System.nanoTime();
            assertThat(s.nextAny().type()).isEqualTo("ready");
            assertThat(s.nextAny()).isEqualTo(new Event(null, ":", "ping"));
            assertThat(s.nextAny()).isEqualTo(new Event(null, ":", "ping"));
            // two intervals of 300 ms, give or take scheduling
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(500), Duration.ofSeconds(3));
        }
    }

    @Test
    void badQueriesAre400WithTheErrorShape() throws Exception {
        expectError("/v1/sse", null, 400, "bad_request");
        expectError("/v1/sse?topic=", null, 400, "bad_topic");
        expectError("/v1/sse?topic=a..b", null, 400, "bad_topic");
        expectError("/v1/sse?topic=a.b*", null, 400, "bad_topic");
        expectError("/v1/sse?topic=a&topic=b&topic=c&topic=d&topic=e", null, 400, "bad_request");
        expectError("/v1/sse?topic=a", "garbage", 400, "bad_event_id");
        expectError("/v1/sse?topic=a", "a=x@e", 400, "bad_event_id");
        expectError("/v1/sse?topic=a", "a=5@", 400, "bad_event_id");
        expectError("/v1/sse?topic=a", "a..b=1@e", 400, "bad_event_id");
        expectError("/v1/sse?topic=a", "a=1@e%zz", 400, "bad_event_id");
        expectError("/v1/sse?topic=a", "a=" + "1".repeat(3000) + "@e", 400, "bad_event_id");
        expectError("/v1/sse?topic=a&since=nonsense", null, 400, "bad_event_id");
        HttpResponse<String> post = HttpClient.newHttpClient().send(HttpRequest.newBuilder(server.http("/v1/sse?topic=a"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
    }

    private static void expectError(String path, String lastEventId, int status, String code) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.http(path)).timeout(Duration.ofSeconds(10));
        if (lastEventId != null) {
            b.header("Last-Event-ID", lastEventId);
        }
        HttpResponse<String> r = HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + " " + r.body()).isEqualTo(status);
        assertThat(JSON.readTree(r.body()).path("code").asText()).as(r.body()).isEqualTo(code);
        assertThat(JSON.readTree(r.body()).path("message").asText()).isNotEmpty();
    }

    @Test
    void eventIdsEscapeAndParseBack() {
        var p = new dev.ferry.protocol.Frame.Position("caf\u00e9.a@b:c", 42, "9f2c");
        String entry = EventId.entry(p);
        assertThat(entry).isEqualTo("caf%C3%A9.a@b:c=42@9f2c");
        assertThat(EventId.parse(entry + "," + entry)).containsExactly(p, p);
    }
}
