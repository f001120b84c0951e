package dev.ferry.server.state;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.config.HttpConfig;
import dev.ferry.server.config.StateConfig;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.SseTestClient;
import dev.ferry.server.testing.WsTestClient;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** State channels over HTTP ({@code GET}/{@code PATCH /v1/state/{topic}}, docs/http-api.md) and SSE (docs/web.md). */
class StateHttpTest {
    private static final String KEY = "state-test-key-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension(c -> c
            .withHttp(new HttpConfig(List.of(KEY), 1 << 16))
            .withState(new StateConfig(4096, false, List.of(
                    new StateConfig.Channel("docs", "doc.#", 4096),
                    new StateConfig.Channel("tiny", "tiny.#", 30)))));

    private static HttpResponse<String> send(String method, String topic, String contentType, String body, Map<String, String> headers)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.http("/v1/state/" + topic)).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + KEY)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body.replace('\'', '"')));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        headers.forEach(b::header);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(String s) throws Exception {
        return JSON.readTree(s.replace('\'', '"'));
    }

    private static final String MERGE = "application/merge-patch+json";
    private static final String PATCH = "application/json-patch+json";

    @Test
    void getAnswersTheDocumentWithItsVersionAsETag() throws Exception {
        HttpResponse<String> empty = send("GET", "doc.h1", null, null, Map.of());
        assertThat(empty.statusCode()).isEqualTo(200);
        assertThat(json(empty.body())).isEqualTo(json("{}"));
        assertThat(empty.headers().firstValue("ETag")).contains("\"0\"");

        HttpResponse<String> w = send("PATCH", "doc.h1", MERGE, "{'a':{'b':1}}", Map.of());
        assertThat(w.statusCode()).as(w.body()).isEqualTo(200);
        JsonNode r = json(w.body());
        assertThat(r.path("version").asLong()).isEqualTo(1);
        String etag = "\"" + r.path("epoch").asText() + ":1\"";
        assertThat(w.headers().firstValue("ETag")).contains(etag);

        HttpResponse<String> got = send("GET", "doc.h1", null, null, Map.of());
        assertThat(json(got.body())).isEqualTo(json("{'a':{'b':1}}"));
        assertThat(got.headers().firstValue("ETag")).contains(etag);
        assertThat(got.headers().firstValue("Content-Type")).contains("application/json");

        HttpResponse<String> notModified = send("GET", "doc.h1", null, null, Map.of("If-None-Match", etag));
        assertThat(notModified.statusCode()).isEqualTo(304);
        assertThat(notModified.headers().firstValue("ETag")).contains(etag);
        assertThat(send("GET", "doc.h1", null, null, Map.of("If-None-Match", "\"x:0\"")).statusCode()).isEqualTo(200);

        HttpResponse<String> p = send("PATCH", "doc.h1", PATCH, "[{'op':'replace','path':'/a/b','value':2}]", Map.of("If-Match", etag));
        assertThat(p.statusCode()).as(p.body()).isEqualTo(200);
        assertThat(json(send("GET", "doc.h1", null, null, Map.of()).body())).isEqualTo(json("{'a':{'b':2}}"));
    }

    @Test
    void ifMatchOnAStaleVersionIs412WithTheCurrentETag() throws Exception {
        HttpResponse<String> first = send("PATCH", "doc.h2", MERGE, "{'n':1}", Map.of());
        String stale = first.headers().firstValue("ETag").orElseThrow();
        HttpResponse<String> second = send("PATCH", "doc.h2", MERGE, "{'n':2}", Map.of("If-Match", stale));
        assertThat(second.statusCode()).isEqualTo(200);
        String current = second.headers().firstValue("ETag").orElseThrow();
        HttpResponse<String> lost = send("PATCH", "doc.h2", MERGE, "{'n':3}", Map.of("If-Match", stale));
        assertThat(lost.statusCode()).isEqualTo(412);
        assertThat(lost.headers().firstValue("ETag")).contains(current);
        assertThat(json(lost.body()).path("code").asText()).isEqualTo("state_conflict");
        assertThat(json(lost.body()).path("data").path("version").asLong()).isEqualTo(2);
        HttpResponse<String> otherEpoch = send("PATCH", "doc.h2", MERGE, "{'n':3}", Map.of("If-Match", "\"other:2\""));
        assertThat(otherEpoch.statusCode()).isEqualTo(412);
        assertThat(json(send("GET", "doc.h2", null, null, Map.of()).body()).path("n").asInt()).isEqualTo(2);
    }

    @Test
    void badRequestsGetDocumentedStatuses() throws Exception {
        assertThat(send("PATCH", "doc.h3", "application/json", "{}", Map.of()).statusCode()).isEqualTo(415);
        HttpResponse<String> invalid = send("PATCH", "doc.h3", PATCH, "[{'op':'remove','path':'/nope'}]", Map.of());
        assertThat(invalid.statusCode()).isEqualTo(422);
        assertThat(json(invalid.body()).path("code").asText()).isEqualTo("invalid_patch");
        assertThat(json(invalid.body()).path("data").path("index").asInt()).isZero();
        assertThat(send("PATCH", "doc.h3", MERGE, "{not json", Map.of()).statusCode()).isEqualTo(422);
        HttpResponse<String> big = send("PATCH", "tiny.h3", MERGE, "{'text':'" + "x".repeat(50) + "'}", Map.of());
        assertThat(big.statusCode()).isEqualTo(413);
        assertThat(json(big.body()).path("code").asText()).isEqualTo("document_too_large");
        HttpResponse<String> none = send("GET", "plain.h3", null, null, Map.of());
        assertThat(none.statusCode()).isEqualTo(404);
        assertThat(json(none.body()).path("code").asText()).isEqualTo("not_state_channel");
        assertThat(send("GET", "doc.*", null, null, Map.of()).statusCode()).isEqualTo(400);
        assertThat(send("DELETE", "doc.h3", null, null, Map.of()).statusCode()).isEqualTo(405);
        assertThat(send("PATCH", "doc.h3", MERGE, "{}", Map.of("If-Match", "nonsense")).statusCode()).isEqualTo(400);
        HttpRequest anonymous = HttpRequest.newBuilder(server.http("/v1/state/doc.h3")).GET().build();
        assertThat(HTTP.send(anonymous, HttpResponse.BodyHandlers.ofString()).statusCode()).isIn(401, 403);
        HttpRequest pub = HttpRequest.newBuilder(server.http("/v1/publish/doc.h3")).header("Authorization", "Bearer " + KEY)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("1")).build();
        HttpResponse<String> refused = HTTP.send(pub, HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(json(refused.body()).path("code").asText()).isEqualTo("state_channel");
    }

    @Test
    void eventStreamSendsTheSnapshotThenPatchesAndResumesFromLastEventId() throws Exception {
        send("PATCH", "doc.sse", MERGE, "{'a':1}", Map.of());
        String lastId;
        try (SseTestClient sse = SseTestClient.open(server.http("/v1/state/doc.sse"))) {
            assertThat(sse.status()).isEqualTo(200);
            SseTestClient.Event state = sse.next();
            assertThat(state.type()).isEqualTo("state");
            JsonNode s = JSON.readTree(state.data());
            assertThat(s.path("data")).isEqualTo(json("{'a':1}"));
            assertThat(s.path("version").asLong()).isEqualTo(1);
            assertThat(state.id()).isEqualTo(s.path("epoch").asText() + ":1");
            send("PATCH", "doc.sse", MERGE, "{'b':2}", Map.of());
            SseTestClient.Event patch = sse.next();
            assertThat(patch.type()).isEqualTo("patch");
            assertThat(JSON.readTree(patch.data()).path("patch")).isEqualTo(json("[{'op':'add','path':'/b','value':2}]"));
            lastId = patch.id();
            assertThat(lastId).endsWith(":2");
        }
        send("PATCH", "doc.sse", MERGE, "{'c':3}", Map.of());
        try (SseTestClient again = SseTestClient.open(server.http("/v1/state/doc.sse"), lastId)) {
            SseTestClient.Event missed = again.next();
            assertThat(missed.type()).isEqualTo("patch");
            assertThat(missed.id()).endsWith(":3");
            assertThat(JSON.readTree(missed.data()).path("patch")).isEqualTo(json("[{'op':'add','path':'/c','value':3}]"));
        }
        try (SseTestClient none = SseTestClient.open(server.http("/v1/state/plain.sse"))) {
            assertThat(none.status()).isEqualTo(404);
        }
    }

    @Test
    void webSocketWritersAndHttpReadersSeeTheSameDocument() throws Exception {
        try (WsTestClient ws = WsTestClient.connect(server.wsUri())) {
            ws.send("{\"type\":\"state_update\",\"id\":1,\"topic\":\"doc.mixed\",\"merge\":{\"x\":[1,2]}}");
            assertThat(ws.nextJson().path("type").asText()).isEqualTo("result");
        }
        send("PATCH", "doc.mixed", PATCH, "[{'op':'add','path':'/x/0','value':0}]", Map.of());
        try (WsTestClient ws = WsTestClient.connect(server.wsUri())) {
            ws.send("{\"type\":\"state_get\",\"id\":1,\"topic\":\"doc.mixed\"}");
            assertThat(ws.nextJson().path("data").path("data")).isEqualTo(json("{'x':[0,1,2]}"));
        }
    }
}
