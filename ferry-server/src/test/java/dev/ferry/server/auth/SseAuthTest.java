package dev.ferry.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.ManualClock;
import dev.ferry.server.testing.SseTestClient;
import dev.ferry.server.testing.WsTestClient;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Authentication, subscribe permissions and the origin policy of {@code GET /v1/sse} (docs/security.md). */
class SseAuthTest {
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

    static URI sse(FerryServerExtension s, String... topics) {
        StringBuilder q = new StringBuilder("/v1/sse?");
        for (String t : topics) {
            q.append(q.charAt(q.length() - 1) == '?' ? "" : "&").append("topic=").append(URLEncoder.encode(t, StandardCharsets.UTF_8));
        }
        return s.http(q.toString());
    }

    static HttpResponse<String> get(URI uri, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10));
        headers.forEach(b::header);
        return HTTP.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    static Map<String, String> bearer(String token) {
        return Map.of("Authorization", "Bearer " + token);
    }

    @Test
    void streamWithoutOrWithABadTokenIsRefusedWith401() throws Exception {
        HttpResponse<String> none = get(sse(closed, "public.news"), Map.of());
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("WWW-Authenticate").orElse("")).startsWith("Bearer");
        JsonNode body = JSON.readTree(none.body());
        assertThat(body.path("code").asText()).isEqualTo("unauthorized");
        assertThat(body.path("message").asText()).contains("missing token");
        for (FerryServerExtension s : new FerryServerExtension[] {open, closed}) {
            HttpResponse<String> bad = get(sse(s, "public.news"), bearer("garbage"));
            assertThat(bad.statusCode()).isEqualTo(401);
            assertThat(JSON.readTree(bad.body()).path("code").asText()).isEqualTo("unauthorized");
        }
    }

    @Test
    void tokenFromHeaderCookieOrQueryOpensTheStream() throws Exception {
        String t = AuthWebSocketTest.token("alice");
        SseTestClient[] streams = {
                SseTestClient.open(sse(closed, "chat.room1"), bearer(t)),
                SseTestClient.open(sse(closed, "chat.room1"), Map.of("Cookie", "ferry_token=" + t)),
                SseTestClient.open(URI.create(sse(closed, "chat.room1") + "&access_token=" + t), Map.of()),
        };
        try (WsTestClient pub = WsTestClient.connect(closed.wsUri(), bearer(t))) {
            for (SseTestClient s : streams) {
                assertThat(s.status()).isEqualTo(200);
                assertThat(s.next().data()).contains("positions"); // ready: subscribed
            }
            pub.send("{\"type\":\"pub\",\"id\":1,\"ack\":true,\"topic\":\"chat.room1\",\"data\":\"hello\"}");
            assertThat(pub.nextJson().path("type").asText()).isEqualTo("result");
            for (SseTestClient s : streams) {
                assertThat(s.next().data()).contains("hello");
            }
        } finally {
            for (SseTestClient s : streams) {
                s.close();
            }
        }
    }

    @Test
    void forbiddenPatternIsRefusedWith403NamingActionAndTopicBeforeTheStreamStarts() throws Exception {
        long before = open.server().securityMetrics().forbidden();
        String alice = AuthWebSocketTest.token("alice");
        String[][] cases = {
                {"user.bob.inbox"}, {"#"}, {"user.*.inbox"}, {"chat.room1", "admin.log"},
        };
        for (String[] topics : cases) {
            HttpResponse<String> r = get(sse(open, topics), bearer(alice));
            String denied = topics[topics.length - 1];
            assertThat(r.statusCode()).as(denied).isEqualTo(403);
            assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
            JsonNode body = JSON.readTree(r.body());
            assertThat(body.path("code").asText()).isEqualTo("forbidden");
            assertThat(body.path("data").path("action").asText()).isEqualTo("subscribe");
            assertThat(body.path("data").path("topic").asText()).isEqualTo(denied);
            assertThat(body.path("message").asText()).contains("subscribe").contains(denied);
        }
        // anonymous clients get what the rules give everyone, no more
        assertThat(get(sse(open, "chat.room1"), Map.of()).statusCode()).isEqualTo(403);
        try (SseTestClient anon = SseTestClient.open(sse(open, "public.news"), Map.of())) {
            assertThat(anon.status()).isEqualTo(200);
        }
        assertThat(open.server().securityMetrics().forbidden()).isGreaterThanOrEqualTo(before + cases.length + 1);
    }

    @Test
    void streamEndsWhenItsTokenExpires() {
        int timers = clock.timers();
        String token = AuthWebSocketTest.token(clock, "alice", AuthWebSocketTest.LIFE);
        try (SseTestClient s = SseTestClient.open(sse(timed, "chat.room1"), bearer(token))) {
            assertThat(s.status()).isEqualTo(200);
            clock.awaitTimers("the stream's heartbeat and expiry", timers + 2);
            clock.advance(AuthWebSocketTest.LIFE.plusSeconds(1));
            assertThat(s.awaitEnd()).isNotNull();
        }
        assertThat(timed.server().securityMetrics().expiredCloses()).isEqualTo(1);
    }

    @Test
    void otherOriginsAreRefusedWith403() throws Exception {
        String alice = AuthWebSocketTest.token("alice");
        HttpResponse<String> r = get(sse(open, "public.news"), Map.of("Origin", "https://evil.example"));
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(JSON.readTree(r.body()).path("code").asText()).isEqualTo("origin_not_allowed");
        assertThat(r.body()).contains("https://evil.example");
        try (SseTestClient same = SseTestClient.open(sse(closed, "chat.room1"),
                Map.of("Origin", "http://127.0.0.1:" + closed.port(), "Authorization", "Bearer " + alice))) {
            assertThat(same.status()).isEqualTo(200);
        }
    }
}
