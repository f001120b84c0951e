package dev.ferry.server.hooks;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.config.HooksConfig;
import dev.ferry.server.config.HttpConfig;
import dev.ferry.server.config.RpcHookConfig;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.Prometheus;
import dev.ferry.server.testing.SseTestClient;
import dev.ferry.server.testing.WsTestClient;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Procedures served by the example backend over HTTP ({@code hooks.rpc.*}, docs/hooks.md "RPC served by HTTP"),
 * called from every transport that calls: ferry.v1 over a WebSocket and a fallback session, {@code POST /v1/call}
 * plain and streamed, and WAMP; and every way such a call fails.
 */
class RpcHookTest {
    static final String KEY = "rpc-hook-key-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private static ExampleBackend backend;

    @RegisterExtension
    @Order(1)
    static final BeforeAllCallback startBackend = context -> backend = ExampleBackend.start();

    @AfterAll
    static void stopBackend() throws Exception {
        if (backend != null) {
            backend.close();
        }
    }

    /** A port nothing listens on: a backend that is down. */
    static final int DEAD_PORT = deadPort();

    @RegisterExtension
    @Order(2)
    static final FerryServerExtension server = new FerryServerExtension(c -> c
            .withHttp(new HttpConfig(List.of(KEY), 4096))
            .withHooks(c.hooks().withRpc(List.of(
                    rule("calc", "calc.*", URI.create(backend.url("/ferry/rpc")), Duration.ofSeconds(2), 64),
                    rule("down", "down.#", URI.create("http://127.0.0.1:" + DEAD_PORT + "/rpc"), Duration.ofSeconds(2), 64),
                    rule("narrow", "narrow.*", URI.create(backend.url("/ferry/rpc")), Duration.ofSeconds(20), 1)))));

    static RpcHookConfig rule(String name, String pattern, URI url, Duration timeout, int maxConcurrency) {
        return new RpcHookConfig(name, pattern, url, timeout, Map.of("X-Backend-Secret", "s3cret"), maxConcurrency);
    }

    private static int deadPort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private static String scrape() {
        try {
            return Prometheus.scrape(server.port());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static WsTestClient ferry() {
        return WsTestClient.connect(server.wsUri());
    }

    /** The answer to a ferry.v1 {@code call} of {@code proc} with {@code args} (JSON text). */
    private static JsonNode call(WsTestClient c, int id, String proc, String args) {
        c.send("{\"type\":\"call\",\"id\":" + id + ",\"proc\":\"" + proc + "\",\"args\":" + args + "}");
        return c.nextJson(j -> j.path("id").asInt() == id);
    }

    private static HttpResponse<String> httpCall(String proc, String body, boolean streamed) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.http("/v1/call/" + proc)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + KEY).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (streamed) {
            b.header("Accept", "application/x-ndjson");
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static WsTestClient wamp() {
        WsTestClient c = WsTestClient.plain(URI.create("ws://127.0.0.1:" + server.port() + "/v1/wamp"), Map.of(),
                "wamp.2.json");
        c.send("[1,\"realm1\",{\"roles\":{\"caller\":{}}}]");
        assertThat(wampMsg(c).get(0).asInt()).isEqualTo(2);
        return c;
    }

    private static JsonNode wampMsg(WsTestClient c) {
        try {
            return JSON.readTree(c.nextText());
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aFerryV1CallIsAnsweredByTheBackendWhichIsToldWhoCalls() {
        try (WsTestClient c = ferry()) {
            JsonNode r = call(c, 1, "calc.add", "[2,3,4]");
            assertThat(r.path("type").asText()).as(r.toString()).isEqualTo("result");
            assertThat(r.path("data").asInt()).isEqualTo(9);

            JsonNode who = call(c, 2, "calc.whoami", "{}").path("data");
            assertThat(who.path("transport").asText()).isEqualTo("ws");
            assertThat(who.path("connection").asText()).matches("[0-9a-f]{8}-[0-9]+");
            assertThat(who.path("auth").asText()).isEqualTo("anonymous");
            assertThat(who.path("user").isNull()).isTrue();
        }
    }

    @Test
    void aFallbackSessionCallsThroughItsFerryV1Session() throws Exception {
        HttpResponse<String> opened = HTTP.send(HttpRequest.newBuilder(server.http("/v1/session"))
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(opened.statusCode()).as(opened.body()).isEqualTo(200);
        String id = JSON.readTree(opened.body()).path("session").asText();
        try (SseTestClient events = SseTestClient.open(server.http("/v1/session/" + id + "/events"))) {
            assertThat(events.status()).isEqualTo(200);
            HttpResponse<String> sent = HTTP.send(HttpRequest.newBuilder(server.http("/v1/session/" + id))
                    .timeout(Duration.ofSeconds(30)).header("Content-Type", "text/plain")
                    .POST(HttpRequest.BodyPublishers.ofString(
                            "{\"type\":\"call\",\"id\":5,\"proc\":\"calc.whoami\",\"args\":{}}\n")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(sent.statusCode()).as(sent.body()).isEqualTo(202);
            JsonNode r = JSON.readTree(events.next().data());
            assertThat(r.path("type").asText()).as(r.toString()).isEqualTo("result");
            assertThat(r.path("data").path("transport").asText()).isEqualTo("fallback");
        }
    }

    @Test
    void postV1CallPlainAndStreamed() throws Exception {
        HttpResponse<String> r = httpCall("calc.add", "[1,2]", false);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("3");

        JsonNode who = JSON.readTree(httpCall("calc.whoami", "{}", false).body());
        assertThat(who.path("transport").asText()).isEqualTo("http");
        assertThat(who.path("auth").asText()).isEqualTo("api_key");
        assertThat(who.has("connection")).isTrue();
        assertThat(who.path("connection").isNull()).isTrue();

        HttpResponse<String> s = httpCall("calc.add", "[5,5]", true);
        assertThat(s.statusCode()).isEqualTo(200);
        assertThat(s.body().trim()).isEqualTo("{\"type\":\"result\",\"data\":10}");

        HttpResponse<String> failed = httpCall("calc.fail", "[1]", false);
        assertThat(failed.statusCode()).isEqualTo(500);
        JsonNode e = JSON.readTree(failed.body());
        assertThat(e.path("code").asText()).isEqualTo("callee_error");
        assertThat(e.path("data").path("code").asText()).isEqualTo("app.refused");

        HttpResponse<String> crashed = httpCall("calc.crash", "[]", false);
        assertThat(crashed.statusCode()).isEqualTo(500);
        JsonNode c = JSON.readTree(crashed.body());
        assertThat(c.path("data").path("code").asText()).isEqualTo("ferry.hook.http_error");
        assertThat(c.path("data").path("data").path("status").asInt()).isEqualTo(500);

        HttpResponse<String> slow = httpCall("calc.slow", "{\"ms\":6000}", false);
        assertThat(slow.statusCode()).as(slow.body()).isEqualTo(504);
        assertThat(JSON.readTree(slow.body()).path("code").asText()).isEqualTo("call_timeout");
    }

    @Test
    void aWampCallIsAnsweredByTheBackendAndItsErrorsMapToWampUris() {
        try (WsTestClient w = wamp()) {
            w.send("[48,1,{},\"calc.add\",[20,22]]");
            JsonNode r = wampMsg(w);
            assertThat(r.get(0).asInt()).as(r.toString()).isEqualTo(50);
            assertThat(r.get(3).toString()).isEqualTo("[42]");

            w.send("[48,2,{},\"calc.fail\",[1]]");
            JsonNode e = wampMsg(w);
            assertThat(e.get(0).asInt()).as(e.toString()).isEqualTo(8);
            assertThat(e.get(4).asText()).isEqualTo("app.refused");

            w.send("[48,3,{},\"calc.slow\",[],{\"ms\":6000}]");
            JsonNode t = wampMsg(w);
            assertThat(t.get(4).asText()).as(t.toString()).isEqualTo("wamp.error.timeout");

            w.send("[48,4,{},\"down.here\",[]]");
            JsonNode d = wampMsg(w);
            assertThat(d.get(4).asText()).as(d.toString()).isEqualTo("ferry.error.unavailable");
            assertThat(d.get(6).path("data").path("reason").asText()).isIn("unreachable", "circuit_open");
        }
    }

    @Test
    void backendErrorsMapToTheDocumentedCallErrors() {
        try (WsTestClient c = ferry()) {
            JsonNode fail = call(c, 1, "calc.fail", "[7]");
            assertThat(fail.path("code").asText()).as(fail.toString()).isEqualTo("callee_error");
            assertThat(fail.path("message").asText()).isEqualTo("the application refused this call");
            assertThat(fail.path("data").path("code").asText()).isEqualTo("app.refused");
            assertThat(fail.path("data").path("data").path("args").toString()).isEqualTo("[7]");

            JsonNode crash = call(c, 2, "calc.crash", "[]");
            assertThat(crash.path("code").asText()).isEqualTo("callee_error");
            assertThat(crash.path("data").path("code").asText()).isEqualTo("ferry.hook.http_error");

            JsonNode slow = call(c, 3, "calc.slow", "{\"ms\":6000}");
            assertThat(slow.path("code").asText()).as(slow.toString()).isEqualTo("call_timeout");

            // a call's own shorter timeout wins over the hook's
            c.send("{\"type\":\"call\",\"id\":4,\"proc\":\"calc.slow\",\"timeout\":300,\"args\":{\"ms\":3000}}");
            assertThat(c.nextJson(j -> j.path("id").asInt() == 4).path("code").asText()).isEqualTo("call_timeout");
        }
    }

    @Test
    void aBackendThatIsDownIsUnavailableThenItsBreakerOpens() {
        try (WsTestClient c = ferry()) {
            // hooks.breaker.failures (5) consecutive failures open the breaker
            for (int i = 1; i <= 5; i++) {
                JsonNode r = call(c, i, "down.deep.x", "[]");
                assertThat(r.path("code").asText()).as(r.toString()).isEqualTo("unavailable");
                assertThat(r.path("data").path("reason").asText()).isEqualTo("unreachable");
            }
            JsonNode open = call(c, 6, "down.x", "[]");
            assertThat(open.path("code").asText()).isEqualTo("unavailable");
            assertThat(open.path("data").path("reason").asText()).isEqualTo("circuit_open");
        }
        String metrics = scrape();
        assertThat(metrics).contains("ferry_hook_requests_total{hook=\"rpc.down\",outcome=\"circuit_open\"}");
    }

    @Test
    void aCallBeyondMaxConcurrencyIsRefusedAtOnceAndTheLoopGoesOn() throws Exception {
        try (WsTestClient c = ferry(); WsTestClient other = ferry()) {
            // long enough to outlast a busy machine's checks below; canceled at the end
            c.send("{\"type\":\"call\",\"id\":1,\"proc\":\"narrow.slow\",\"args\":{\"ms\":15000}}");
            // the slow call holds the rule's one slot; wait until it is in flight
            dev.ferry.server.testing.Await.until("the slow call in flight",
                    () -> scrape()
                            .contains("ferry_hook_in_flight{hook=\"rpc.narrow\"} 1.0"));
            JsonNode refused = call(c, 2, "narrow.add", "[1]");
            assertThat(refused.path("code").asText()).as(refused.toString()).isEqualTo("unavailable");
            assertThat(refused.path("data").path("reason").asText()).isEqualTo("overloaded");
            // while the backend holds the call, other work on the server goes on
            other.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"loop.check\"}");
            assertThat(other.nextJson().path("type").asText()).isEqualTo("result");
            other.send("{\"type\":\"pub\",\"topic\":\"loop.check\",\"data\":1}");
            assertThat(other.nextJson().path("topic").asText()).isEqualTo("loop.check");
            c.send("{\"type\":\"cancel\",\"id\":1,\"mode\":\"killnowait\"}");
            JsonNode slow = c.nextJson(j -> j.path("id").asInt() == 1);
            assertThat(slow.path("code").asText()).as(slow.toString()).isEqualTo("canceled");
        }
    }

    @Test
    void aProcedureServedOverHttpCannotBeRegisteredAndIsListed() throws Exception {
        try (WsTestClient c = ferry()) {
            c.send("{\"type\":\"register\",\"id\":1,\"proc\":\"calc.add\"}");
            JsonNode r = c.nextJson();
            assertThat(r.path("code").asText()).as(r.toString()).isEqualTo("procedure_exists");
            assertThat(r.path("message").asText()).contains("hooks.rpc.calc");

            c.send("{\"type\":\"procedures\",\"id\":2,\"prefix\":\"calc\"}");
            JsonNode listed = c.nextJson().path("data").path("procedures");
            assertThat(listed).hasSize(1);
            assertThat(listed.get(0).path("proc").asText()).isEqualTo("calc.*");
            assertThat(listed.get(0).path("callee").asText()).isEqualTo("http");
            assertThat(listed.get(0).path("hook").asText()).isEqualTo("calc");
        }
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(server.http("/v1/procedures"))
                .header("Authorization", "Bearer " + KEY).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.body()).contains("{\"proc\":\"narrow.*\",\"callees\":1,\"invoke\":\"single\"")
                .contains("\"callee\":\"http\",\"hook\":\"narrow\"}");
    }
}
