package dev.ferry.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.config.HttpConfig;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.WsTestClient;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class HttpApiTest {
    static final String KEY = "test-key-0123456789abcdef";

    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension(c -> c.withHttp(new HttpConfig(List.of(KEY), 4096)));

    private static final HttpClient http = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    private static HttpResponse<String> post(String path, String key, String contentType, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.http(path)).POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static CompletableFuture<HttpResponse<String>> postAsync(String path, String key, String contentType, String body) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return post(path, key, contentType, body);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }

    @Test
    void publishReachesWebSocketSubscribersAndAnswersTheOffset() throws Exception {
        try (WsTestClient sub = WsTestClient.connect(server.wsUri())) {
            sub.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"orders.#\"}");
            sub.nextJson();
            HttpResponse<String> r = post("/v1/publish/orders.eu.42", KEY, "application/json", "{\"qty\": 3}");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(json(r).path("offset").asLong()).isEqualTo(1);
            JsonNode msg = sub.nextJson();
            assertThat(msg.path("epoch").asText()).isNotEmpty();
            ((com.fasterxml.jackson.databind.node.ObjectNode) msg).remove("epoch");
            assertThat(msg.toString()).isEqualTo("{\"type\":\"msg\",\"topic\":\"orders.eu.42\",\"offset\":1,\"data\":{\"qty\":3}}");
            assertThat(json(post("/v1/publish/orders.eu.42", KEY, null, "2")).path("offset").asLong()).isEqualTo(2);
        }
    }

    @Test
    void publishErrors() throws Exception {
        assertError(post("/v1/publish/a", null, "application/json", "1"), 401, "unauthorized");
        assertError(post("/v1/publish/a", "wrong-key-wrong-key-wrong", "application/json", "1"), 401, "unauthorized");
        assertError(post("/v1/publish/a..b", KEY, "application/json", "1"), 400, "bad_topic");
        assertError(post("/v1/publish/a.*", KEY, "application/json", "1"), 400, "bad_topic");
        assertError(post("/v1/publish/a", KEY, "application/json", "{oops"), 400, "bad_json");
        assertError(post("/v1/publish/a", KEY, "application/json", ""), 400, "bad_json");
        assertError(post("/v1/publish/a", KEY, "application/json", "1 2"), 400, "bad_json");
        assertError(post("/v1/publish/a", KEY, "text/html", "<p>"), 415, "unsupported_media_type");
        HttpResponse<String> form = post("/v1/call/math.add", KEY, "application/x-www-form-urlencoded", "[2,3]");
        assertError(form, 415, "unsupported_media_type");
        assertThat(json(form).path("message").asText()).as("curl -d's default type").contains("-H 'Content-Type: application/json'");
        HttpResponse<String> tooBig = post("/v1/publish/a", KEY, "application/json", "\"" + "x".repeat(5000) + "\"");
        assertThat(tooBig.statusCode()).isEqualTo(413);
        HttpResponse<String> get = http.send(HttpRequest.newBuilder(server.http("/v1/publish/a")).build(), HttpResponse.BodyHandlers.ofString());
        assertError(get, 405, "method_not_allowed");
        assertThat(get.headers().firstValue("Allow")).hasValue("POST");
        assertError(http.send(HttpRequest.newBuilder(server.http("/nope")).build(), HttpResponse.BodyHandlers.ofString()), 404, "not_found");
    }

    @Test
    void callOverHttp() throws Exception {
        try (WsTestClient callee = WsTestClient.connect(server.wsUri())) {
            callee.send("{\"type\":\"register\",\"id\":1,\"proc\":\"greet\"}");
            callee.nextJson();
            CompletableFuture<HttpResponse<String>> pending = postAsync("/v1/call/greet", KEY, "application/json", "{\"name\":\"ana\"}");
            JsonNode invoke = callee.nextJson();
            assertThat(invoke.path("args").toString()).isEqualTo("{\"name\":\"ana\"}");
            callee.send("{\"type\":\"reply\",\"id\":" + invoke.path("id").asLong() + ",\"data\":\"hello ana\"}");
            HttpResponse<String> r = pending.get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
            assertThat(r.body()).isEqualTo("\"hello ana\"");
        }
    }

    @Test
    void callErrorsMapToStatuses() throws Exception {
        assertError(post("/v1/call/nobody", KEY, "application/json", "1"), 404, "no_such_procedure");
        assertError(post("/v1/call/p?timeout=abc", KEY, "application/json", "1"), 400, "bad_timeout");
        assertError(post("/v1/call/p.*", KEY, "application/json", "1"), 400, "bad_procedure");
        try (WsTestClient callee = WsTestClient.connect(server.wsUri())) {
            callee.send("{\"type\":\"register\",\"id\":1,\"proc\":\"silent\"}");
            callee.nextJson();
            assertError(post("/v1/call/silent?timeout=100", KEY, "application/json", "1"), 504, "call_timeout");
            callee.nextJson(); // the invocation it never answered
            assertThat(callee.nextJson().path("reason").asText()).isEqualTo("timeout"); // and its interrupt
            CompletableFuture<HttpResponse<String>> failing = postAsync("/v1/call/silent", KEY, "application/json", "2");
            JsonNode invoke = callee.nextJson();
            callee.send("{\"type\":\"reply\",\"id\":" + invoke.path("id").asLong() + ",\"error\":{\"code\":\"app.no\",\"message\":\"refused\"}}");
            HttpResponse<String> r = failing.get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertError(r, 500, "callee_error");
            assertThat(json(r).path("data").path("code").asText()).isEqualTo("app.no");
        }
        WsTestClient leaving = WsTestClient.connect(server.wsUri());
        leaving.send("{\"type\":\"register\",\"id\":1,\"proc\":\"leaving\"}");
        leaving.nextJson();
        CompletableFuture<HttpResponse<String>> gone = postAsync("/v1/call/leaving", KEY, "application/json", "1");
        leaving.nextJson();
        leaving.close();
        assertError(gone.get(10, java.util.concurrent.TimeUnit.SECONDS), 502, "callee_gone");
    }

    @Test
    void historyOverHttp() throws Exception {
        post("/v1/publish/hist.http", KEY, "application/json", "{\"n\":1}");
        post("/v1/publish/hist.http", KEY, "application/octet-stream", "raw");
        HttpRequest.Builder get = HttpRequest.newBuilder(server.http("/v1/history/hist.http?after=0&limit=10"))
                .header("Authorization", "Bearer " + KEY);
        HttpResponse<String> r = http.send(get.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode page = json(r);
        assertThat(page.path("offset").asLong()).isEqualTo(2);
        assertThat(page.path("items").get(0).path("data").toString()).isEqualTo("{\"n\":1}");
        assertThat(page.path("items").get(1).path("data_base64").asText()).isEqualTo("cmF3");
        HttpResponse<String> bad = http.send(HttpRequest.newBuilder(server.http("/v1/history/hist.http?limit=-1"))
                .header("Authorization", "Bearer " + KEY).build(), HttpResponse.BodyHandlers.ofString());
        assertError(bad, 400, "bad_request");
        assertError(http.send(HttpRequest.newBuilder(server.http("/v1/history/hist.http")).build(),
                HttpResponse.BodyHandlers.ofString()), 401, "unauthorized");
    }

    @Test
    void health() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(server.http("/healthz")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(json(r).path("status").asText()).isEqualTo("ok");
    }

    private static void assertError(HttpResponse<String> r, int status, String code) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        JsonNode body = json(r);
        assertThat(body.path("code").asText()).isEqualTo(code);
        assertThat(body.path("message").asText()).isNotBlank();
    }
}
