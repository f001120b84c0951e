package dev.ferry.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.protocol.CloseCodes;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.ManualClock;
import dev.ferry.server.testing.WsTestClient;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Authentication and permissions of the multiplexer and the per-topic sockets (docs/web.md, docs/security.md). */
class WebSocketTransportsAuthTest {
    @RegisterExtension
    static final FerryServerExtension open = new FerryServerExtension(c -> c.withAuth(AuthWebSocketTest.auth(true)));
    @RegisterExtension
    static final FerryServerExtension closed = new FerryServerExtension(c -> c.withAuth(AuthWebSocketTest.auth(false)));

    static final ManualClock clock = new ManualClock();
    /** A server on {@link #clock}, for what the passing of a token's lifetime does. */
    @RegisterExtension
    static final FerryServerExtension timed = new FerryServerExtension(clock, c -> c.withAuth(AuthWebSocketTest.auth(false))
            .withWebSocket(AuthWebSocketTest.NO_IDLE_WITHIN_LIFE));
    static final ObjectMapper JSON = new ObjectMapper();

    static URI ws(FerryServerExtension s, String path) {
        return URI.create("ws://127.0.0.1:" + s.port() + path);
    }

    static Map<String, String> bearer(String token) {
        return Map.of("Authorization", "Bearer " + token);
    }

    /** Asserts {@code err,<channel>,{"code":"forbidden",...}} then {@code uns,<channel>}. */
    static void assertForbidden(WsTestClient c, String channel, String action) throws Exception {
        String err = c.nextText();
        assertThat(err).startsWith("err," + channel + ",");
        JsonNode e = JSON.readTree(err.substring(("err," + channel + ",").length()));
        assertThat(e.path("code").asText()).isEqualTo("forbidden");
        assertThat(e.path("data").path("action").asText()).isEqualTo(action);
        assertThat(e.path("data").path("topic").asText()).isEqualTo(channel);
        assertThat(e.path("message").asText()).contains(action).contains(channel);
        assertThat(c.nextText()).isEqualTo("uns," + channel);
    }

    @Test
    void upgradesWithoutOrWithABadTokenAreRefusedWith401() throws Exception {
        for (String path : List.of("/v1/multiplex", "/v1/topics/public/news")) {
            WsTestClient.Refusal none = WsTestClient.refused(ws(closed, path), Map.of());
            assertThat(none.status()).as(path).isEqualTo(401);
            assertThat(JSON.readTree(none.body()).path("code").asText()).isEqualTo("unauthorized");
            assertThat(JSON.readTree(none.body()).path("message").asText()).contains("missing token");
            for (FerryServerExtension s : List.of(open, closed)) {
                assertThat(WsTestClient.refused(ws(s, path), bearer("garbage")).status()).as(path).isEqualTo(401);
            }
        }
    }

    @Test
    void multiplexerChecksSubscribeOnSubAndPublishOnMsg() throws Exception {
        long before = closed.server().securityMetrics().forbidden();
        String alice = AuthWebSocketTest.token("alice");
        try (WsTestClient c = WsTestClient.plain(URI.create(ws(closed, "/v1/multiplex") + "?access_token=" + alice))) {
            c.send("sub,user.bob.inbox");
            assertForbidden(c, "user.bob.inbox", "subscribe");
            c.send("sub,#");
            assertForbidden(c, "#", "subscribe");
            c.send("sub,public.news"); // everyone may subscribe, nobody may publish there
            c.send("msg,public.news,hello");
            assertThat(c.nextText()).isEqualTo("sub,public.news");
            assertForbidden(c, "public.news", "publish");
            c.send("sub,chat.room1");
            c.send("msg,chat.room1,hello");
            assertThat(c.nextText()).isEqualTo("sub,chat.room1");
            assertThat(c.nextText()).isEqualTo("msg,chat.room1,hello");
        }
        assertThat(closed.server().securityMetrics().forbidden()).isGreaterThanOrEqualTo(before + 3);
        // anonymous: what the rules give everyone
        try (WsTestClient c = WsTestClient.plain(ws(open, "/v1/multiplex"))) {
            c.send("sub,chat.room1");
            assertForbidden(c, "chat.room1", "subscribe");
        }
    }

    @Test
    void topicSocketNeedsSubscribeToOpenAndPublishToSend() throws Exception {
        String alice = AuthWebSocketTest.token("alice");
        for (String[] k : new String[][] {{"/v1/topics/user/bob/inbox", "user.bob.inbox"}, {"/v1/topics/%23", "#"}}) {
            WsTestClient.Refusal r = WsTestClient.refused(ws(open, k[0]), bearer(alice));
            assertThat(r.status()).as(k[0]).isEqualTo(403);
            JsonNode body = JSON.readTree(r.body());
            assertThat(body.path("code").asText()).isEqualTo("forbidden");
            assertThat(body.path("data").path("action").asText()).isEqualTo("subscribe");
            assertThat(body.path("data").path("topic").asText()).isEqualTo(k[1]);
        }
        try (WsTestClient c = WsTestClient.plain(ws(closed, "/v1/topics/public/news"), Map.of("Cookie", "ferry_token=" + alice))) {
            c.send("hello");
            WsTestClient.Received m = c.awaitClose();
            assertThat(m.closeCode()).isEqualTo(CloseCodes.FORBIDDEN);
            assertThat(m.closeReason()).contains("publish").contains("public.news");
        }
        try (WsTestClient c = WsTestClient.plain(ws(closed, "/v1/topics/user/alice/inbox"), bearer(alice))) {
            c.send("note to self");
            assertThat(c.nextText()).isEqualTo("note to self");
        }
    }

    @Test
    void plainSocketsCloseWith4005WhenTheTokenExpires() throws InterruptedException {
        for (String path : List.of("/v1/multiplex", "/v1/topics/chat/room1")) {
            int timers = clock.timers();
            String token = AuthWebSocketTest.token(clock, "alice", AuthWebSocketTest.LIFE);
            try (WsTestClient c = WsTestClient.plain(ws(timed, path), bearer(token))) {
                clock.awaitTimers("the socket's expiry", timers + 1);
                clock.advance(AuthWebSocketTest.LIFE.minusSeconds(2)); // exp has whole seconds: this stays before it
                assertThat(c.nothingWithin(java.time.Duration.ofMillis(100))).as(path + " open before exp").isTrue();
                clock.advance(java.time.Duration.ofSeconds(3));
                assertThat(c.awaitClose().closeCode()).as(path).isEqualTo(CloseCodes.TOKEN_EXPIRED);
            }
        }
    }
}
