package dev.ferry.server.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import dev.ferry.protocol.CloseCodes;
import dev.ferry.server.FerryServer;
import dev.ferry.server.auth.TestKeys;
import dev.ferry.server.config.AuthConfig;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.config.HistoryConfig;
import dev.ferry.server.config.IssuerConfig;
import dev.ferry.server.config.SessionConfig;
import dev.ferry.server.config.WebSocketConfig;
import dev.ferry.server.testing.Await;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.ManualClock;
import dev.ferry.server.testing.RawHttp;
import dev.ferry.server.testing.RawWebSocket;
import dev.ferry.server.testing.WsTestClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Resumable sessions and durable subscriptions over ferry.v1 (docs/protocol.md §4.5). */
class DurableSessionTest {
    static final String ISS = "https://id.example";
    static final int QUEUE = 64 * 1024;

    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension(c -> c
            .withSession(new SessionConfig(Duration.ofMinutes(5), null, "ferry_session"))
            .withHistory(new HistoryConfig(10_000, Duration.ofMinutes(5), 10_000, List.of()))
            .withWebSocket(new WebSocketConfig(16 * 1024, Duration.ofSeconds(10), Duration.ofSeconds(25),
                    Duration.ofSeconds(60), 100, QUEUE)));
    static final Duration SHORT_TTL = Duration.ofMinutes(5);
    static final ManualClock shortLivedClock = new ManualClock();
    /** A server whose time only moves when a test advances {@link #shortLivedClock}. */
    @RegisterExtension
    static final FerryServerExtension shortLived = new FerryServerExtension(shortLivedClock, c -> c
            .withSession(new SessionConfig(SHORT_TTL, null, "ferry_session")));
    @RegisterExtension
    static final FerryServerExtension authenticated = new FerryServerExtension(c -> c.withAuth(new AuthConfig(
            true, "ferry_token", true, Duration.ZERO, "ferry", List.of(), List.of(
            new IssuerConfig("main", ISS, TestKeys.SECRET, List.of(), null, null, Duration.ofMinutes(5), List.of("ferry"))))));

    static String jwt(String sub) {
        return TestKeys.hs(JWSAlgorithm.HS256, TestKeys.SECRET, null,
                TestKeys.claims(ISS, sub).expirationTime(Date.from(Instant.now().plusSeconds(300))).build());
    }

    /** Asks for the connection's session; returns the result's data. */
    static JsonNode session(WsTestClient c, long id) {
        c.send("{\"type\":\"session\",\"id\":" + id + "}");
        return c.nextJson(n -> n.path("id").asLong() == id).path("data");
    }

    /** Resumes with {@code token} (null: the upgrade's cookie): the {@code msg} frames received before the result, then the result itself. */
    static JsonNode resume(WsTestClient c, long id, String token, List<JsonNode> msgs) {
        c.send("{\"type\":\"session\",\"id\":" + id + (token == null ? "" : ",\"token\":\"" + token + "\"") + "}");
        while (true) {
            JsonNode n = c.nextJson();
            if (n.path("type").asText().equals("msg")) {
                msgs.add(n);
            } else if (n.path("id").asLong() == id) {
                return n;
            }
        }
    }

    static void publish(WsTestClient pub, String topic, int from, int to) {
        for (int i = from; i <= to; i++) {
            pub.send("{\"type\":\"pub\",\"id\":" + (1000 + i) + ",\"topic\":\"" + topic + "\",\"ack\":true,\"data\":" + i + "}");
            pub.nextJson(n -> n.path("type").asText().equals("result"));
        }
    }

    static void sub(WsTestClient c, long id, String topic, boolean durable) {
        c.send("{\"type\":\"sub\",\"id\":" + id + ",\"topic\":\"" + topic + "\"" + (durable ? ",\"durable\":true" : "") + "}");
        assertThat(c.nextJson(n -> n.path("id").asLong() == id).path("type").asText()).isEqualTo("result");
    }

    static void await(BooleanSupplier condition) {
        Await.until("the server's view changes", condition);
    }

    /** Closes {@code c} and waits until the server has seen it go. */
    static void disconnect(FerryServerExtension s, WsTestClient c) throws InterruptedException {
        int before = s.server().metrics().openSessions();
        c.close();
        await(() -> s.server().metrics().openSessions() < before);
    }

    static List<Long> offsets(List<JsonNode> msgs) {
        return msgs.stream().map(m -> m.path("offset").asLong()).toList();
    }

    @Test
    void durableSubscriptionSurvivesADisconnectAndGetsEverythingPublishedMeanwhile() throws Exception {
        try (WsTestClient pub = WsTestClient.connect(server.wsUri())) {
            WsTestClient first = WsTestClient.connect(server.wsUri());
            String token = session(first, 1).path("token").asText();
            assertThat(token).hasSizeGreaterThan(40);
            sub(first, 2, "durable.a", true);
            publish(pub, "durable.a", 1, 3);
            for (int i = 1; i <= 3; i++) {
                assertThat(first.nextJson().path("offset").asLong()).isEqualTo(i);
            }
            disconnect(server, first);

            publish(pub, "durable.a", 4, 8);
            try (WsTestClient second = WsTestClient.connect(server.wsUri())) {
                List<JsonNode> msgs = new ArrayList<>();
                JsonNode result = resume(second, 1, token, msgs);
                assertThat(result.path("data").path("resumed").asBoolean()).isTrue();
                assertThat(result.path("data").path("token").asText()).isEqualTo(token);
                assertThat(result.path("data").path("subscriptions").get(0).path("topic").asText()).isEqualTo("durable.a");
                assertThat(result.path("data").path("subscriptions").get(0).path("recovered").asBoolean()).isTrue();
                assertThat(offsets(msgs)).containsExactly(4L, 5L, 6L, 7L, 8L);
                assertThat(msgs.get(0).path("data").asInt()).isEqualTo(4);

                publish(pub, "durable.a", 9, 9);
                assertThat(second.nextJson().path("offset").asLong()).isEqualTo(9); // live, once
                assertThat(second.nothingWithin(Duration.ofMillis(200))).isTrue();
            }
        }
    }

    @Test
    void resumingWhilePublicationsKeepComingLeavesNoGapAndNoDuplicateAtTheSeam() throws Exception {
        int total = 600;
        try (WsTestClient pub = WsTestClient.connect(server.wsUri())) {
            WsTestClient first = WsTestClient.connect(server.wsUri());
            String token = session(first, 1).path("token").asText();
            sub(first, 2, "seam.a", true);
            Thread publisher = new Thread(() -> {
                for (int i = 1; i <= total; i++) {
                    pub.send("{\"type\":\"pub\",\"topic\":\"seam.a\",\"data\":" + i + "}");
                    if (i % 20 == 0) {
                        // Pacing, not synchronisation: publications keep coming while the subscriber moves.
                        try {
                            Thread.sleep(2);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }
            });
            publisher.start();
            List<Long> seen = new ArrayList<>();
            while (seen.size() < 100) {
                seen.add(first.nextJson().path("offset").asLong());
            }
            disconnect(server, first);
            // The resumed stream starts after the last publication written to the first connection (which this
            // test did not read to the end); what is checked is the seam between the replay and live delivery.
            try (WsTestClient second = WsTestClient.connect(server.wsUri())) {
                List<JsonNode> msgs = new ArrayList<>();
                JsonNode result = resume(second, 1, token, msgs).path("data");
                assertThat(result.path("resumed").asBoolean()).isTrue();
                assertThat(result.path("subscriptions").get(0).path("recovered").asBoolean()).isTrue();
                List<Long> resumed = new ArrayList<>(offsets(msgs));
                while (resumed.isEmpty() || resumed.get(resumed.size() - 1) < total) {
                    resumed.add(second.nextJson().path("offset").asLong());
                }
                publisher.join(30_000);
                long from = resumed.get(0);
                assertThat(from).isGreaterThan(100).isLessThanOrEqualTo(total);
                for (int i = 0; i < resumed.size(); i++) {
                    assertThat(resumed.get(i)).as("offset #" + i + " after resuming").isEqualTo(from + i);
                }
                assertThat(second.nothingWithin(Duration.ofMillis(200))).isTrue();
            }
        }
    }

    @Test
    void wildcardDurableSubscriptionRecoversTheTopicsItHadSeen() throws Exception {
        try (WsTestClient pub = WsTestClient.connect(server.wsUri())) {
            WsTestClient first = WsTestClient.connect(server.wsUri());
            String token = session(first, 1).path("token").asText();
            sub(first, 2, "wild.*", true);
            publish(pub, "wild.x", 1, 2);
            publish(pub, "wild.y", 1, 1);
            for (int i = 0; i < 3; i++) {
                first.nextJson();
            }
            disconnect(server, first);
            publish(pub, "wild.x", 3, 4);
            publish(pub, "wild.y", 2, 2);
            try (WsTestClient second = WsTestClient.connect(server.wsUri())) {
                List<JsonNode> msgs = new ArrayList<>();
                assertThat(resume(second, 1, token, msgs).path("data").path("resumed").asBoolean()).isTrue();
                assertThat(msgs).extracting(m -> m.path("topic").asText() + "@" + m.path("offset").asLong())
                        .containsExactlyInAnyOrder("wild.x@3", "wild.x@4", "wild.y@2");
                assertThat(msgs.stream().filter(m -> m.path("topic").asText().equals("wild.x")).map(m -> m.path("offset").asLong()))
                        .containsExactly(3L, 4L);
            }
        }
    }

    @Test
    void nonDurableSubscriptionIsNotRestored() throws Exception {
        try (WsTestClient pub = WsTestClient.connect(server.wsUri())) {
            WsTestClient first = WsTestClient.connect(server.wsUri());
            String token = session(first, 1).path("token").asText();
            sub(first, 2, "plain.a", false);
            sub(first, 3, "kept.a", true);
            disconnect(server, first);
            publish(pub, "plain.a", 1, 2);
            publish(pub, "kept.a", 1, 2);
            try (WsTestClient second = WsTestClient.connect(server.wsUri())) {
                List<JsonNode> msgs = new ArrayList<>();
                JsonNode result = resume(second, 1, token, msgs);
                assertThat(result.path("data").path("subscriptions")).hasSize(1);
                assertThat(msgs).extracting(m -> m.path("topic").asText()).containsExactly("kept.a", "kept.a");
                publish(pub, "plain.a", 3, 3);
                publish(pub, "kept.a", 3, 3);
                JsonNode live = second.nextJson();
                assertThat(live.path("topic").asText()).isEqualTo("kept.a");
                assertThat(live.path("offset").asLong()).isEqualTo(3);
                assertThat(second.nothingWithin(Duration.ofMillis(200))).isTrue();
            }
        }
    }

    @Test
    void unsubscribedDurableSubscriptionIsNotRestored() throws Exception {
        WsTestClient first = WsTestClient.connect(server.wsUri());
        String token = session(first, 1).path("token").asText();
        sub(first, 2, "gone.a", true);
        first.send("{\"type\":\"unsub\",\"id\":3,\"topic\":\"gone.a\"}");
        first.nextJson(n -> n.path("id").asLong() == 3);
        disconnect(server, first);
        try (WsTestClient second = WsTestClient.connect(server.wsUri())) {
            JsonNode result = resume(second, 1, token, new ArrayList<>());
            assertThat(result.path("data").path("resumed").asBoolean()).isTrue();
            assertThat(result.path("data").path("subscriptions")).isEmpty();
        }
    }

    @Test
    void expiredTokenIsAnsweredNotResumedWithAFreshSession() throws Exception {
        WsTestClient first = WsTestClient.connect(shortLived.wsUri());
        String token = session(first, 1).path("token").asText();
        sub(first, 2, "exp.a", true);
        disconnect(shortLived, first);
        assertThat(shortLived.server().resumableSessionsKept()).as("kept while within its ttl").isEqualTo(1);
        shortLivedClock.advance(SHORT_TTL.plusSeconds(1));
        // the housekeeping timer on the server's clock freed it, before any lookup
        assertThat(shortLived.server().resumableSessionsKept()).as("freed once past its ttl").isZero();
        try (WsTestClient second = WsTestClient.connect(shortLived.wsUri())) {
            JsonNode result = resume(second, 1, token, new ArrayList<>());
            assertThat(result.path("type").asText()).isEqualTo("result");
            assertThat(result.path("data").path("resumed").asBoolean()).isFalse();
            assertThat(result.path("data").path("reason").asText()).isEqualTo("expired");
            assertThat(result.path("data").path("token").asText()).isNotEqualTo(token).isNotEmpty();
            assertThat(second.nothingWithin(Duration.ofMillis(200))).isTrue();
        }
    }

    @Test
    void tokenOfAnotherIdentityIsRefused() throws Exception {
        Map<String, String> alice = Map.of("Authorization", "Bearer " + jwt("alice"));
        WsTestClient a = WsTestClient.connect(authenticated.wsUri(), alice);
        String token = session(a, 1).path("token").asText();
        sub(a, 2, "private.alice", true);
        disconnect(authenticated, a);

        for (Map<String, String> headers : List.of(Map.of("Authorization", "Bearer " + jwt("bob")), Map.<String, String>of())) {
            try (WsTestClient thief = WsTestClient.connect(authenticated.wsUri(), headers)) {
                JsonNode answer = resume(thief, 1, token, new ArrayList<>());
                assertThat(answer.path("type").asText()).isEqualTo("error");
                assertThat(answer.path("code").asText()).isEqualTo("session_refused");
                // nor through the cookie
                try (WsTestClient viaCookie = WsTestClient.connect(authenticated.wsUri(),
                        merge(headers, "Cookie", "ferry_session=" + token))) {
                    JsonNode s = session(viaCookie, 1);
                    assertThat(s.path("resumed").asBoolean()).isFalse();
                    assertThat(s.path("reason").asText()).isEqualTo("refused");
                    assertThat(s.path("token").asText()).isNotEqualTo(token);
                }
            }
        }
        // the owner still can
        try (WsTestClient again = WsTestClient.connect(authenticated.wsUri(), alice)) {
            JsonNode result = resume(again, 1, token, new ArrayList<>());
            assertThat(result.path("data").path("resumed").asBoolean()).isTrue();
        }
    }

    static Map<String, String> merge(Map<String, String> m, String k, String v) {
        Map<String, String> out = new java.util.HashMap<>(m);
        out.put(k, v);
        return out;
    }

    @Test
    void forgedOrTamperedTokensAreRefused() throws Exception {
        WsTestClient first = WsTestClient.connect(server.wsUri());
        String token = session(first, 1).path("token").asText();
        disconnect(server, first);
        String[] parts = token.split("\\.");
        assertThat(parts).as(token).hasSize(3);
        String id = parts[0];
        String key = parts[1];
        String mac = parts[2];
        char c = mac.charAt(3);
        List<String> forged = List.of(
                id + "." + key + "." + mac.substring(0, 3) + (c == 'A' ? 'B' : 'A') + mac.substring(4),
                (id.charAt(0) == 'A' ? "B" : "A") + id.substring(1) + "." + key + "." + mac,
                id + "." + key + ".",
                id + "." + mac,
                id,
                "not-a-token",
                token + "." + mac);
        try (WsTestClient other = WsTestClient.connect(server.wsUri())) {
            long n = 10;
            for (String f : forged) {
                JsonNode answer = resume(other, n++, f, new ArrayList<>());
                assertThat(answer.path("code").asText()).as(f).isEqualTo("session_refused");
            }
            assertThat(resume(other, n, token, new ArrayList<>()).path("data").path("resumed").asBoolean()).isTrue();
        }
    }

    @Test
    void aTokenOfAPreviousRunReadsAsExpiredNotForged() throws Exception {
        // a server with a generated session secret that stops: the shared server is its next run, for tokens
        String previous;
        try (FerryServer run = FerryServer.builder().config(FerryConfig.DEFAULT).host("127.0.0.1").port(0).build()) {
            run.start();
            try (WsTestClient before = WsTestClient.connect(run.webSocketUri())) {
                previous = session(before, 1).path("token").asText();
            }
        }
        try (WsTestClient after = WsTestClient.connect(server.wsUri())) {
            JsonNode answer = resume(after, 2, previous, new ArrayList<>());
            assertThat(answer.path("type").asText()).as(answer.toString()).isEqualTo("result");
            assertThat(answer.path("data").path("resumed").asBoolean()).isFalse();
            assertThat(answer.path("data").path("reason").asText()).isEqualTo("expired");
            assertThat(answer.path("data").path("token").asText()).isNotEqualTo(previous);
        }
        try (WsTestClient browser = WsTestClient.connect(server.wsUri(), Map.of("Cookie", "ferry_session=" + previous))) {
            JsonNode data = session(browser, 1);
            assertThat(data.path("resumed").asBoolean()).isFalse();
            assertThat(data.path("reason").asText()).as("the cookie of a previous run").isEqualTo("expired");
        }
    }

    @Test
    void upgradeSetsAnHttpOnlyCookieThatResumesTheSession() throws Exception {
        String raw = RawHttp.upgrade(server.port(), "/v1/ws", "");
        assertThat(raw).startsWith("HTTP/1.1 101");
        String setCookie = raw.lines().filter(l -> l.toLowerCase().startsWith("set-cookie:")).findFirst().orElseThrow(() -> new AssertionError(raw));
        assertThat(setCookie).contains("ferry_session=").containsIgnoringCase("HttpOnly").contains("SameSite=Lax")
                .contains("Path=/v1/ws").doesNotContain("Secure");

        try (WsTestClient pub = WsTestClient.connect(server.wsUri())) {
            WsTestClient first = WsTestClient.connect(server.wsUri());
            String token = session(first, 1).path("token").asText();
            sub(first, 2, "cookie.a", true);
            disconnect(server, first);
            publish(pub, "cookie.a", 1, 2);
            try (WsTestClient browser = WsTestClient.connect(server.wsUri(), Map.of("Cookie", "ferry_session=" + token))) {
                List<JsonNode> msgs = new ArrayList<>();
                browser.send("{\"type\":\"session\",\"id\":1}");
                JsonNode result;
                while (true) {
                    JsonNode n = browser.nextJson();
                    if (n.path("type").asText().equals("msg")) {
                        msgs.add(n);
                    } else {
                        result = n;
                        break;
                    }
                }
                assertThat(result.path("data").path("resumed").asBoolean()).isTrue();
                assertThat(result.path("data").path("token").asText()).isEqualTo(token);
                assertThat(offsets(msgs)).containsExactly(1L, 2L);
            }
        }
    }

    /**
     * A connection's session is made only when first needed (here: a durable subscription, with no {@code session}
     * command), under the id its upgrade's cookie already named; until then the server keeps none for it.
     */
    @Test
    void theUpgradesCookieNamesTheSessionMadeWhenFirstNeeded() throws Exception {
        String token;
        int kept = server.server().resumableSessionsKept();
        try (WsTestClient pub = WsTestClient.connect(server.wsUri());
             RawWebSocket raw = RawWebSocket.connect(server.port(), "/v1/ws", "ferry.v1")) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?im)^set-cookie: ferry_session=([^;\\r]+)")
                    .matcher(raw.head());
            assertThat(m.find()).as(raw.head()).isTrue();
            token = m.group(1);
            assertThat(server.server().resumableSessionsKept()).as("none before it is needed").isEqualTo(kept);
            raw.send(true, RawWebSocket.TEXT, "{\"type\":\"sub\",\"id\":1,\"topic\":\"cookie.late\",\"durable\":true}"
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            assertThat(raw.nextNotPing().text()).contains("\"type\":\"result\"");
            assertThat(server.server().resumableSessionsKept()).isEqualTo(kept + 1);
            raw.close();
            await(() -> server.server().metrics().openSessions() == 1);
            publish(pub, "cookie.late", 1, 2);
        }
        try (WsTestClient browser = WsTestClient.connect(server.wsUri(), Map.of("Cookie", "ferry_session=" + token))) {
            List<JsonNode> msgs = new ArrayList<>();
            JsonNode result = resume(browser, 1, null, msgs);
            assertThat(result.path("data").path("resumed").asBoolean()).isTrue();
            assertThat(result.path("data").path("token").asText()).isEqualTo(token);
            assertThat(offsets(msgs)).containsExactly(1L, 2L);
        }
    }

    @Test
    void aSecondTabWithTheSameCookieGetsASessionOfItsOwn() throws Exception {
        try (WsTestClient first = WsTestClient.connect(server.wsUri())) {
            String token = session(first, 1).path("token").asText();
            try (WsTestClient tab = WsTestClient.connect(server.wsUri(), Map.of("Cookie", "ferry_session=" + token))) {
                JsonNode s = session(tab, 1);
                assertThat(s.path("resumed").asBoolean()).isFalse();
                assertThat(s.path("reason").asText()).isEqualTo("in_use");
                assertThat(s.path("token").asText()).isNotEqualTo(token);
            }
            first.send("{\"type\":\"ping\",\"id\":9}");
            assertThat(first.nextJson().path("type").asText()).isEqualTo("pong"); // not taken over
        }
    }

    @Test
    void resumingALiveSessionClosesItsOldConnectionWith4007() throws Exception {
        try (WsTestClient first = WsTestClient.connect(server.wsUri());
             WsTestClient second = WsTestClient.connect(server.wsUri())) {
            String token = session(first, 1).path("token").asText();
            assertThat(resume(second, 1, token, new ArrayList<>()).path("data").path("resumed").asBoolean()).isTrue();
            WsTestClient.Received r;
            do {
                r = first.next();
            } while (!r.isClose());
            assertThat(r.closeCode()).isEqualTo(CloseCodes.SESSION_RESUMED_ELSEWHERE);
        }
    }

    @Test
    void slowConsumerClosedWith4001ResumesWithNothingLost() throws Exception {
        // binary: a text message of 8 KB costs thousands of recorded accesses under paranoid leak detection
        byte[] padded = WsTestClient.binaryFrame("{\"type\":\"pub\",\"topic\":\"slow.a\"}", new byte[8000]);
        try (WsTestClient pub = WsTestClient.connect(server.wsUri())) {
            WsTestClient stuck = WsTestClient.connect(server.wsUri());
            String token = session(stuck, 1).path("token").asText();
            sub(stuck, 2, "slow.a", true);
            stuck.stopReading();
            long before = server.server().metrics().slowConsumerCloses();
            int total = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
            while (server.server().metrics().slowConsumerCloses() == before && System.nanoTime() < deadline) {
                for (int i = 0; i < 100; i++) {
                    total++;
                    pub.sendBinary(padded);
                }
                pub.send("{\"type\":\"pub\",\"id\":" + total + ",\"topic\":\"slow.a\",\"ack\":true,\"data\":{\"i\":" + (++total) + "}}");
                assertThat(pub.nextJson().path("data").path("offset").asLong()).isEqualTo(total);
            }
            assertThat(server.server().metrics().slowConsumerCloses()).isEqualTo(before + 1);
            stuck.resumeReading();
            publish(pub, "slow.a", total + 1, total + 3); // after the close, too
            total += 3;
            long last = 0;
            String epoch = null;
            while (true) {
                WsTestClient.Received r = stuck.next();
                if (r.isClose()) {
                    // 4001, or 1006 when this client, starved of CPU, did not read the close frame within the
                    // server's grace (docs/protocol.md §8): the reset then discards what the socket had received
                    // and this client had not read, which its own position (since) recovers
                    assertThat(r.closeCode()).isIn(CloseCodes.SLOW_CONSUMER, 1006);
                    break;
                }
                JsonNode msg = r.binary() != null ? WsTestClient.header(r.binary()) : r.json();
                long offset = msg.path("offset").asLong();
                assertThat(offset).isEqualTo(last + 1);
                last = offset;
                epoch = msg.path("epoch").asText();
            }
            assertThat(last).isLessThan(total);
            assertThat(epoch).as("publications received before the close").isNotNull();
            stuck.close();

            try (WsTestClient again = WsTestClient.connect(server.wsUri())) {
                List<JsonNode> msgs = new ArrayList<>();
                again.send("{\"type\":\"session\",\"id\":1,\"token\":\"" + token + "\",\"since\":[{\"topic\":"
                        + "\"slow.a\",\"offset\":" + last + ",\"epoch\":\"" + epoch + "\"}]}");
                JsonNode result;
                while (true) {
                    WsTestClient.Received r = again.next();
                    result = r.binary() != null ? WsTestClient.header(r.binary()) : r.json();
                    if (!result.path("type").asText().equals("msg")) {
                        break;
                    }
                    msgs.add(result);
                }
                assertThat(result.path("data").path("resumed").asBoolean()).isTrue();
                List<Long> expected = new ArrayList<>();
                for (long i = last + 1; i <= total; i++) {
                    expected.add(i);
                }
                assertThat(offsets(msgs)).containsExactlyElementsOf(expected); // no gap, no duplicate
            }
        }
    }
}
