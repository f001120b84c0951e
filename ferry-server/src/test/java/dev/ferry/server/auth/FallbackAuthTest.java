package dev.ferry.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.ManualClock;
import dev.ferry.server.testing.SseTestClient;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The HTTP-only fallback session: authenticated when opened, bound to that identity, every ferry.v1 command checked
 * as over a WebSocket, and the origin policy (docs/security.md, "Fallback sessions").
 */
class FallbackAuthTest {
    @RegisterExtension
    static final FerryServerExtension open = new FerryServerExtension(c -> c.withAuth(AuthWebSocketTest.auth(true)));
    @RegisterExtension
    static final FerryServerExtension closed = new FerryServerExtension(c -> c.withAuth(AuthWebSocketTest.auth(false)));

    static final ManualClock clock = new ManualClock();
    /** A server on {@link #clock}, for what the passing of a token's lifetime does. */
    @RegisterExtension
    static final FerryServerExtension timed = new FerryServerExtension(clock, c -> c.withAuth(AuthWebSocketTest.auth(false)));
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    static HttpResponse<String> post(FerryServerExtension s, String path, String body, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(s.http(path)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(b::header);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> getEvents(FerryServerExtension s, String id, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(s.http("/v1/session/" + id + "/events")).timeout(Duration.ofSeconds(10));
        headers.forEach(b::header);
        // a stream that was wrongly accepted never ends: fail after the timeout instead of waiting on it
        return HTTP.sendAsync(b.GET().build(), HttpResponse.BodyHandlers.ofString()).get(10, java.util.concurrent.TimeUnit.SECONDS);
    }

    static Map<String, String> bearer(String token) {
        return Map.of("Authorization", "Bearer " + token);
    }

    static String create(FerryServerExtension s, Map<String, String> headers) throws Exception {
        HttpResponse<String> r = post(s, "/v1/session", "", headers);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body()).path("session").asText();
    }

    static JsonNode next(SseTestClient events) throws Exception {
        SseTestClient.Event e = events.next();
        assertThat(e.type()).isEqualTo("message");
        return JSON.readTree(e.data());
    }

    @Test
    void sessionWithoutOrWithABadTokenIsRefusedWith401() throws Exception {
        HttpResponse<String> none = post(closed, "/v1/session", "", Map.of());
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("WWW-Authenticate").orElse("")).startsWith("Bearer");
        assertThat(JSON.readTree(none.body()).path("code").asText()).isEqualTo("unauthorized");
        assertThat(JSON.readTree(none.body()).path("message").asText()).contains("missing token");
        assertThat(post(open, "/v1/session", "", bearer("garbage")).statusCode()).isEqualTo(401);
    }

    @Test
    void sessionActsAsItsIdentityAndEveryCommandIsChecked() throws Exception {
        Map<String, String> alice = bearer(AuthWebSocketTest.token("alice"));
        String id = create(closed, alice);
        try (SseTestClient events = SseTestClient.open(closed.http("/v1/session/" + id + "/events"), alice)) {
            assertThat(events.status()).isEqualTo(200);
            String[][] cases = {
                    {"{\"type\":\"sub\",\"id\":1,\"topic\":\"user.bob.inbox\"}", "subscribe", "user.bob.inbox"},
                    {"{\"type\":\"pub\",\"id\":2,\"topic\":\"public.news\",\"data\":1}", "publish", "public.news"},
                    {"{\"type\":\"call\",\"id\":3,\"proc\":\"math.add\",\"args\":[1,2]}", "call", "math.add"},
                    {"{\"type\":\"sub\",\"id\":4,\"topic\":\"#\"}", "subscribe", "#"},
            };
            for (String[] k : cases) {
                assertThat(post(closed, "/v1/session/" + id, k[0], alice).statusCode()).isEqualTo(202);
                JsonNode e = next(events);
                assertThat(e.path("type").asText()).as(k[0]).isEqualTo("error");
                assertThat(e.path("code").asText()).isEqualTo("forbidden");
                assertThat(e.path("data").path("action").asText()).isEqualTo(k[1]);
                assertThat(e.path("data").path("topic").asText()).isEqualTo(k[2]);
            }
            post(closed, "/v1/session/" + id, "{\"type\":\"sub\",\"id\":5,\"topic\":\"user.alice.#\"}\n"
                    + "{\"type\":\"pub\",\"id\":6,\"topic\":\"user.alice.inbox\",\"data\":\"mine\"}", alice);
            assertThat(next(events).path("type").asText()).isEqualTo("result");
            JsonNode m = next(events);
            assertThat(m.path("type").asText()).isEqualTo("msg");
            assertThat(m.path("data").asText()).isEqualTo("mine");
        }
    }

    @Test
    void anotherIdentityCannotUseTheSessionId() throws Exception {
        Map<String, String> alice = bearer(AuthWebSocketTest.token("alice"));
        Map<String, String> bob = bearer(AuthWebSocketTest.token("bob"));
        String id = create(open, alice);
        for (HttpResponse<String> r : java.util.List.of(
                post(open, "/v1/session/" + id, "{\"type\":\"ping\",\"id\":1}", bob),
                getEvents(open, id, bob),
                post(open, "/v1/session/" + id, "{\"type\":\"ping\",\"id\":1}", Map.of()),
                getEvents(open, id, Map.of()))) {
            assertThat(r.statusCode()).isEqualTo(403);
            assertThat(JSON.readTree(r.body()).path("code").asText()).isEqualTo("forbidden");
            assertThat(JSON.readTree(r.body()).path("message").asText()).contains("another identity");
        }
        assertThat(post(open, "/v1/session/" + id, "{\"type\":\"ping\",\"id\":1}", bob).statusCode()).isEqualTo(403);
        assertThat(post(open, "/v1/session/" + id, "{\"type\":\"ping\",\"id\":1}", Map.of("Authorization", "Bearer x")).statusCode())
                .isEqualTo(401);
        assertThat(post(closed, "/v1/session/" + create(closed, alice), "{\"type\":\"ping\",\"id\":1}", Map.of())
                .statusCode()).isEqualTo(401);
        try (SseTestClient events = SseTestClient.open(open.http("/v1/session/" + id + "/events"), alice)) {
            assertThat(events.status()).isEqualTo(200);
            assertThat(post(open, "/v1/session/" + id, "{\"type\":\"ping\",\"id\":7}", alice).statusCode()).isEqualTo(202);
            assertThat(next(events).path("type").asText()).isEqualTo("pong");
        }
    }

    @Test
    void anonymousSessionIsReachableByItsIdUntilItAuthenticates() throws Exception {
        String id = create(open, Map.of());
        try (SseTestClient events = SseTestClient.open(open.http("/v1/session/" + id + "/events"), Map.of())) {
            assertThat(events.status()).isEqualTo(200);
            post(open, "/v1/session/" + id, "{\"type\":\"sub\",\"id\":1,\"topic\":\"chat.room1\"}", Map.of());
            JsonNode denied = next(events);
            assertThat(denied.path("code").asText()).isEqualTo("forbidden");
            assertThat(denied.path("data").path("action").asText()).isEqualTo("subscribe");
            String alice = AuthWebSocketTest.token("alice");
            post(open, "/v1/session/" + id, "{\"type\":\"auth\",\"id\":2,\"token\":\"" + alice + "\"}", Map.of());
            assertThat(next(events).path("type").asText()).isEqualTo("result");
            // now bound to alice: the id alone no longer does
            HttpResponse<String> r = post(open, "/v1/session/" + id, "{\"type\":\"ping\",\"id\":3}", Map.of());
            assertThat(r.statusCode()).isEqualTo(403);
            assertThat(post(open, "/v1/session/" + id, "{\"type\":\"sub\",\"id\":4,\"topic\":\"chat.room1\"}", bearer(alice))
                    .statusCode()).isEqualTo(202);
            assertThat(next(events).path("type").asText()).isEqualTo("result");
        }
    }

    @Test
    void otherOriginsAreRefusedWith403() throws Exception {
        Map<String, String> evil = new HashMap<>(Map.of("Origin", "https://evil.example"));
        HttpResponse<String> r = post(open, "/v1/session", "", evil);
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(JSON.readTree(r.body()).path("code").asText()).isEqualTo("origin_not_allowed");
        String id = create(open, Map.of("Origin", "http://127.0.0.1:" + open.port()));
        assertThat(JSON.readTree(getEvents(open, id, evil).body()).path("code").asText()).isEqualTo("origin_not_allowed");
        assertThat(post(open, "/v1/session/" + id, "{\"type\":\"ping\",\"id\":1}", evil).statusCode()).isEqualTo(403);
        assertThat(post(open, "/v1/session/" + id, "{\"type\":\"ping\",\"id\":1}",
                Map.of("Origin", "http://127.0.0.1:" + open.port())).statusCode()).isEqualTo(202);
    }

    @Test
    void sessionIsClosedWith4005WhenItsTokenExpires() throws Exception {
        int timers = clock.timers();
        String id = create(timed, bearer(AuthWebSocketTest.token(clock, "alice", AuthWebSocketTest.LIFE)));
        // the same principal with a longer token may attach; the session keeps the identity that opened it
        Map<String, String> alice = bearer(AuthWebSocketTest.token(clock, "alice", AuthWebSocketTest.LIFE.multipliedBy(2)));
        try (SseTestClient events = SseTestClient.open(timed.http("/v1/session/" + id + "/events"), alice)) {
            assertThat(events.status()).isEqualTo(200);
            clock.awaitTimers("the session's expiry and the stream's heartbeat", timers + 2);
            clock.advance(AuthWebSocketTest.LIFE.plusSeconds(1));
            SseTestClient.Event e = events.next();
            while (!e.type().equals("close")) {
                e = events.next();
            }
            assertThat(JSON.readTree(e.data()).path("code").asInt()).isEqualTo(4005);
        }
    }
}
