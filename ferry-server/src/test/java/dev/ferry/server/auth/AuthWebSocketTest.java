package dev.ferry.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.ferry.protocol.CloseCodes;
import dev.ferry.server.config.AuthConfig;
import dev.ferry.server.config.IssuerConfig;
import dev.ferry.server.config.WebSocketConfig;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.ManualClock;
import dev.ferry.server.testing.RawHttp;
import dev.ferry.server.testing.WsTestClient;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Connect-time authentication, the auth command, expiry, and permission denials over ferry.v1 (docs/security.md). */
class AuthWebSocketTest {
    static final String ISS = "https://id.example";
    static final List<String> RULES = List.of(
            "subscribe public.# everyone",
            "subscribe+history+publish chat.# authenticated",
            "all user.{sub}.# authenticated",
            "call+register math.* claim:roles=calc");

    static AuthConfig auth(boolean anonymous) {
        return new AuthConfig(anonymous, "ferry_token", true, Duration.ZERO, "ferry", RULES, List.of(
                new IssuerConfig("main", ISS, TestKeys.SECRET, List.of(), null, null, Duration.ofMinutes(5), List.of("ferry"))));
    }

    @RegisterExtension
    static final FerryServerExtension open = new FerryServerExtension(c -> c.withAuth(auth(true)));
    @RegisterExtension
    static final FerryServerExtension closed = new FerryServerExtension(c -> c.withAuth(auth(false)));

    /** The time of {@link #timed}: it moves only when a test advances it. */
    static final ManualClock clock = new ManualClock();
    /** A server on {@link #clock}, for what the passing of a token's lifetime does. */
    /**
     * Heartbeats and idle timeout far beyond {@link #LIFE}: advancing {@link #clock} past a token's lifetime must
     * not also pass the idle timeout of a connection that answers pings only in real time.
     */
    static final WebSocketConfig NO_IDLE_WITHIN_LIFE = new WebSocketConfig(1 << 20, Duration.ofSeconds(10),
            Duration.ofHours(1), Duration.ofHours(2), 1000, 4 << 20);
    @RegisterExtension
    static final FerryServerExtension timed = new FerryServerExtension(clock, c -> c.withAuth(auth(true))
            .withWebSocket(NO_IDLE_WITHIN_LIFE));
    /** The lifetime of the tokens the tests on {@link #timed} present; far longer than any test takes. */
    static final Duration LIFE = Duration.ofMinutes(10);

    static final ObjectMapper JSON = new ObjectMapper();

    static String token(String sub, long seconds, Map<String, Object> claims) {
        return token(sub, Instant.now().plusSeconds(seconds), claims);
    }

    /** A token of {@code sub} expiring {@code life} from now on {@code clock}. */
    static String token(ManualClock clock, String sub, Duration life) {
        return token(sub, clock.instant().plus(life), Map.of());
    }

    private static String token(String sub, Instant expires, Map<String, Object> claims) {
        JWTClaimsSet.Builder b = TestKeys.claims(ISS, sub).expirationTime(Date.from(expires));
        claims.forEach(b::claim);
        return TestKeys.hs(JWSAlgorithm.HS256, TestKeys.SECRET, null, b.build());
    }

    static String token(String sub) {
        return token(sub, 300, Map.of());
    }

    static JsonNode body(String raw) throws Exception {
        return JSON.readTree(raw.substring(raw.indexOf("\r\n\r\n") + 4));
    }

    @Test
    void upgradeWithoutTokenIsRefusedWith401AndAJsonReason() throws Exception {
        String raw = RawHttp.upgrade(closed.port(), "/v1/ws", "");
        assertThat(raw).startsWith("HTTP/1.1 401").containsIgnoringCase("WWW-Authenticate: Bearer");
        assertThat(body(raw).path("code").asText()).isEqualTo("unauthorized");
        assertThat(body(raw).path("message").asText()).contains("missing token");
    }

    @Test
    void upgradeWithBadTokensIsRefused() throws Exception {
        Instant now = Instant.now();
        Map<String, String> bad = Map.of(
                "expired", TestKeys.hs(JWSAlgorithm.HS256, TestKeys.SECRET, null,
                        TestKeys.claims(ISS, "a").expirationTime(Date.from(now.minusSeconds(5))).build()),
                "not valid before", TestKeys.hs(JWSAlgorithm.HS256, TestKeys.SECRET, null,
                        TestKeys.claims(ISS, "a").notBeforeTime(Date.from(now.plusSeconds(60))).build()),
                "unknown issuer", TestKeys.hs(JWSAlgorithm.HS256, TestKeys.SECRET, null, TestKeys.claims("other", "a").build()),
                "wrong audience", TestKeys.hs(JWSAlgorithm.HS256, TestKeys.SECRET, null,
                        TestKeys.claims(ISS, "a").audience("x").build()),
                "alg none", TestKeys.none(TestKeys.claims(ISS, "a").build()));
        for (Map.Entry<String, String> e : bad.entrySet()) {
            for (FerryServerExtension s : List.of(open, closed)) {
                String raw = RawHttp.upgrade(s.port(), "/v1/ws", "Authorization: Bearer " + e.getValue() + "\r\n");
                assertThat(raw).as(e.getKey()).startsWith("HTTP/1.1 401");
                assertThat(body(raw).path("message").asText()).as(e.getKey()).contains(e.getKey());
            }
        }
        assertThat(RawHttp.upgrade(closed.port(), "/v1/ws?access_token=garbage", "")).startsWith("HTTP/1.1 401");
    }

    @Test
    void tokenFromHeaderCookieOrQueryOpensTheConnection() {
        String t = token("alice");
        for (WsTestClient c : List.of(
                WsTestClient.connect(closed.wsUri(), Map.of("Authorization", "Bearer " + t)),
                WsTestClient.connect(closed.wsUri(), Map.of("Cookie", "other=1; ferry_token=" + t)),
                WsTestClient.connect(java.net.URI.create(closed.wsUri() + "?access_token=" + t)))) {
            try (c) {
                c.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"user.alice.inbox\"}");
                assertThat(c.nextJson().path("type").asText()).isEqualTo("result");
            }
        }
    }

    @Test
    void forbiddenCommandsAreAnsweredWithForbiddenNamingActionAndTopic() {
        try (WsTestClient c = WsTestClient.connect(open.wsUri(), Map.of("Authorization", "Bearer " + token("alice")))) {
            String[][] cases = {
                    {"{\"type\":\"sub\",\"id\":1,\"topic\":\"user.bob.inbox\"}", "subscribe", "user.bob.inbox"},
                    {"{\"type\":\"pub\",\"id\":2,\"topic\":\"public.news\",\"data\":1}", "publish", "public.news"},
                    {"{\"type\":\"call\",\"id\":3,\"proc\":\"math.add\",\"args\":[1,2]}", "call", "math.add"},
                    {"{\"type\":\"register\",\"id\":4,\"proc\":\"math.add\"}", "register", "math.add"},
                    {"{\"type\":\"history\",\"id\":5,\"topic\":\"admin.log\"}", "history", "admin.log"},
                    {"{\"type\":\"sub\",\"id\":6,\"topic\":\"#\"}", "subscribe", "#"},
                    {"{\"type\":\"sub\",\"id\":7,\"topic\":\"user.*.inbox\"}", "subscribe", "user.*.inbox"},
                    {"{\"type\":\"pub\",\"topic\":\"admin.x\",\"data\":1}", "publish", "admin.x"},
            };
            for (String[] k : cases) {
                c.send(k[0]);
                JsonNode e = c.nextJson();
                assertThat(e.path("type").asText()).as(k[0]).isEqualTo("error");
                assertThat(e.path("code").asText()).isEqualTo("forbidden");
                assertThat(e.path("data").path("action").asText()).isEqualTo(k[1]);
                assertThat(e.path("data").path("topic").asText()).isEqualTo(k[2]);
                assertThat(e.path("message").asText()).contains(k[1]).contains(k[2]);
            }
            c.send("{\"type\":\"sub\",\"id\":8,\"topic\":\"chat.#\"}");
            assertThat(c.nextJson().path("type").asText()).isEqualTo("result");
        }
        assertThat(open.server().securityMetrics().forbidden()).isGreaterThanOrEqualTo(8);
    }

    @Test
    void anonymousConnectionAuthenticatesWithTheAuthCommand() {
        try (WsTestClient c = WsTestClient.connect(open.wsUri())) {
            c.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"chat.room1\"}");
            assertThat(c.nextJson().path("code").asText()).isEqualTo("forbidden");
            c.send("{\"type\":\"auth\",\"id\":2,\"token\":\"nope\"}");
            JsonNode bad = c.nextJson();
            assertThat(bad.path("code").asText()).isEqualTo("unauthorized");
            assertThat(bad.path("id").asLong()).isEqualTo(2);
            c.send("{\"type\":\"auth\",\"id\":3,\"token\":\"" + token("alice") + "\"}");
            JsonNode ok = c.nextJson();
            assertThat(ok.path("type").asText()).isEqualTo("result");
            assertThat(ok.path("data").path("sub").asText()).isEqualTo("alice");
            assertThat(ok.path("data").path("exp").asLong()).isGreaterThan(Instant.now().getEpochSecond());
            c.send("{\"type\":\"sub\",\"id\":4,\"topic\":\"chat.room1\"}");
            assertThat(c.nextJson().path("type").asText()).isEqualTo("result");
            // another identity may not take over the connection
            c.send("{\"type\":\"auth\",\"id\":5,\"token\":\"" + token("mallory") + "\"}");
            JsonNode takeover = c.nextJson();
            assertThat(takeover.path("code").asText()).isEqualTo("unauthorized");
            assertThat(takeover.path("message").asText()).contains("cannot replace");
        }
    }

    @Test
    void expiredTokenClosesTheConnectionWith4005() {
        long before = timed.server().securityMetrics().expiredCloses();
        try (WsTestClient c = WsTestClient.connect(timed.wsUri(), Map.of("Authorization", "Bearer " + token(clock, "alice", LIFE)))) {
            c.send("{\"type\":\"ping\",\"id\":1}");
            assertThat(c.nextJson().path("type").asText()).isEqualTo("pong"); // open, its expiry timer set
            clock.advance(LIFE.minusSeconds(2)); // exp has whole seconds: this stays before it
            c.send("{\"type\":\"ping\",\"id\":2}");
            assertThat(c.nextJson().path("type").asText()).as("still open before exp").isEqualTo("pong");
            clock.advance(Duration.ofSeconds(3));
            WsTestClient.Received close = c.awaitClose();
            assertThat(close.closeCode()).isEqualTo(CloseCodes.TOKEN_EXPIRED);
            assertThat(close.closeReason()).isEqualTo("token expired");
        }
        assertThat(timed.server().securityMetrics().expiredCloses()).isEqualTo(before + 1);
    }

    @Test
    void refreshBeforeExpiryKeepsTheConnection() {
        try (WsTestClient c = WsTestClient.connect(timed.wsUri(), Map.of("Authorization", "Bearer " + token(clock, "alice", LIFE)))) {
            c.send("{\"type\":\"auth\",\"id\":1,\"token\":\"" + token(clock, "alice", LIFE.multipliedBy(3)) + "\"}");
            assertThat(c.nextJson().path("type").asText()).isEqualTo("result");
            clock.advance(LIFE.multipliedBy(2)); // past the first token's exp, before the second's
            c.send("{\"type\":\"ping\",\"id\":2}");
            assertThat(c.nextJson().path("type").asText()).as("open past the first token's exp").isEqualTo("pong");
        }
    }

    @Test
    void refreshWithFewerRightsDropsWhatIsNoLongerAllowed() {
        String calc = token("carol", 300, Map.of("roles", List.of("calc")));
        try (WsTestClient c = WsTestClient.connect(open.wsUri(), Map.of("Authorization", "Bearer " + calc))) {
            c.send("{\"type\":\"register\",\"id\":1,\"proc\":\"math.add\"}");
            assertThat(c.nextJson().path("type").asText()).isEqualTo("result");
            c.send("{\"type\":\"auth\",\"id\":2,\"token\":\"" + token("carol") + "\"}");
            JsonNode dropped = c.nextJson();
            assertThat(dropped.path("code").asText()).isEqualTo("forbidden");
            assertThat(dropped.path("data").path("action").asText()).isEqualTo("register");
            assertThat(c.nextJson().path("type").asText()).isEqualTo("result");
        }
    }

    @Test
    void tokenGrantsNarrowWhatTheRulesAllow() {
        String t = token("dave", 300, Map.of("ferry", Map.of("subscribe", List.of("chat.room1"))));
        try (WsTestClient c = WsTestClient.connect(open.wsUri(), Map.of("Authorization", "Bearer " + t))) {
            c.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"chat.room1\"}");
            assertThat(c.nextJson().path("type").asText()).isEqualTo("result");
            c.send("{\"type\":\"sub\",\"id\":2,\"topic\":\"chat.room2\"}");
            assertThat(c.nextJson().path("code").asText()).isEqualTo("forbidden");
            c.send("{\"type\":\"sub\",\"id\":3,\"topic\":\"chat.*\"}");
            assertThat(c.nextJson().path("code").asText()).isEqualTo("forbidden");
        }
    }

    @Test
    void closedServerRefusesTheJdkClientToo() {
        assertThatThrownBy(() -> WsTestClient.connect(closed.wsUri())).hasStackTraceContaining("401");
    }
}
