package dev.ferry.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.protocol.CloseCodes;
import dev.ferry.server.FerryServer;
import dev.ferry.server.testing.WsTestClient;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Resumable sessions live in Redis: a client resumes its durable subscriptions on another node (§4.5). */
class SessionFailoverTest {
    private static RedisCluster cluster;
    private static FerryServer a;
    private static FerryServer b;

    @BeforeAll
    static void startNodes() {
        cluster = new RedisCluster();
        a = cluster.start();
        b = cluster.start();
    }

    @AfterAll
    static void stopNodes() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static JsonNode request(WsTestClient c, int id, String frame) {
        c.send(frame);
        return c.nextJson(n -> n.path("id").asInt() == id);
    }

    private static void publish(WsTestClient pub, String topic, int from, int to) {
        for (int i = from; i <= to; i++) {
            assertThat(request(pub, 1000 + i, "{\"type\":\"pub\",\"id\":" + (1000 + i) + ",\"ack\":true,\"topic\":\""
                    + topic + "\",\"data\":" + i + "}").path("type").asText()).isEqualTo("result");
        }
    }

    /** The session token of a connection whose durable subscription has received {@code count} publications. */
    private static String durablySubscribed(WsTestClient c, String topic, int count) {
        assertThat(request(c, 1, "{\"type\":\"sub\",\"id\":1,\"topic\":\"" + topic + "\",\"durable\":true}")
                .path("type").asText()).isEqualTo("result");
        return request(c, 2, "{\"type\":\"session\",\"id\":2}").path("data").path("token").asText();
    }

    @Test
    void aDurableSubscriptionResumesOnAnotherNodeWithWhatWasPublishedMeanwhile() {
        String token;
        try (WsTestClient pub = WsTestClient.connect(b.webSocketUri())) {
            try (WsTestClient first = WsTestClient.connect(a.webSocketUri())) {
                token = durablySubscribed(first, "moved.x", 0);
                publish(pub, "moved.x", 1, 3);
                for (int i = 1; i <= 3; i++) {
                    assertThat(first.nextJson(n -> n.path("type").asText().equals("msg")).path("offset").asLong()).isEqualTo(i);
                }
            }
            publish(pub, "moved.x", 4, 6); // while the client is away
            try (WsTestClient second = WsTestClient.connect(b.webSocketUri())) {
                second.send("{\"type\":\"session\",\"id\":7,\"token\":\"" + token + "\"}");
                List<Long> replayed = new ArrayList<>();
                JsonNode f;
                while ((f = second.nextJson()).path("type").asText().equals("msg")) {
                    replayed.add(f.path("offset").asLong());
                }
                assertThat(replayed).containsExactly(4L, 5L, 6L);
                assertThat(f.path("id").asInt()).isEqualTo(7);
                assertThat(f.path("data").path("resumed").asBoolean()).as(f.toString()).isTrue();
                assertThat(f.path("data").path("token").asText()).isEqualTo(token);
                assertThat(f.path("data").path("subscriptions").get(0).path("recovered").asBoolean()).isTrue();

                publish(pub, "moved.x", 7, 7); // and live again, on the new node
                assertThat(second.nextJson(n -> n.path("type").asText().equals("msg")).path("offset").asLong()).isEqualTo(7);
            }
        }
    }

    /**
     * A client durably subscribed to {@code pattern} on node a receives publications 1 to {@code received} of
     * {@code topic}, misses those up to {@code last}, then resumes on node b with its position as {@code since}
     * while its connection on node a still holds the session, as after a crash of a: b finds the state a saved
     * last, up to a second old. Returns the publications replayed before the result, and adds the result to
     * {@code result}.
     */
    private static List<String> resumedElsewhere(String pattern, String topic, int received, int last,
                                                 List<JsonNode> result) {
        try (WsTestClient pub = WsTestClient.connect(b.webSocketUri());
             WsTestClient first = WsTestClient.connect(a.webSocketUri());
             WsTestClient second = WsTestClient.connect(b.webSocketUri())) {
            String token = durablySubscribed(first, pattern, 0);
            publish(pub, topic, 1, received);
            String epoch = null;
            for (int i = 1; i <= received; i++) {
                JsonNode m = first.nextJson(n -> n.path("type").asText().equals("msg"));
                assertThat(m.path("topic").asText() + "@" + m.path("offset").asLong()).isEqualTo(topic + "@" + i);
                epoch = m.path("epoch").asText();
            }
            publish(pub, topic, received + 1, last);
            second.send("{\"type\":\"session\",\"id\":8,\"token\":\"" + token + "\",\"since\":[{\"topic\":\""
                    + topic + "\",\"offset\":" + received + ",\"epoch\":\"" + epoch + "\"}]}");
            List<String> replayed = new ArrayList<>();
            JsonNode f;
            while ((f = second.nextJson()).path("type").asText().equals("msg")) {
                replayed.add(f.path("topic").asText() + "@" + f.path("offset").asLong());
            }
            assertThat(f.path("data").path("resumed").asBoolean()).as(f.toString()).isTrue();
            result.add(f);
            return replayed;
        }
    }

    @Test
    void aTopicFirstDeliveredJustBeforeTheNodeWentAwayIsRecoveredFromTheClientsPosition() {
        // the state node a saved names no position of late.a: it is first published now
        List<JsonNode> result = new ArrayList<>();
        assertThat(resumedElsewhere("late.*", "late.a", 3, 5, result)).containsExactly("late.a@4", "late.a@5");
        JsonNode position = result.get(0).path("data").path("subscriptions").get(0).path("positions").get(0);
        assertThat(position.path("recovered").asBoolean()).as(result.get(0).toString()).isTrue();
    }

    @Test
    void aConcreteTopicSubscribedBeforeItsFirstPublicationResumesFromTheClientsPosition() {
        // remembered at offset 0 without an epoch in the state node a saved
        List<JsonNode> result = new ArrayList<>();
        assertThat(resumedElsewhere("early.x", "early.x", 5, 7, result)).as("nothing twice")
                .containsExactly("early.x@6", "early.x@7");
        assertThat(result.get(0).path("data").path("subscriptions").get(0).path("recovered").asBoolean())
                .as(result.get(0).toString()).isTrue();
    }

    @Test
    void resumingOnAnotherNodeClosesTheConnectionStillHoldingTheSessionWith4007() {
        try (WsTestClient stale = WsTestClient.connect(a.webSocketUri());
             WsTestClient fresh = WsTestClient.connect(b.webSocketUri())) {
            String token = durablySubscribed(stale, "moved.y", 0);
            JsonNode r = request(fresh, 3, "{\"type\":\"session\",\"id\":3,\"token\":\"" + token + "\"}");
            assertThat(r.path("data").path("resumed").asBoolean()).as(r.toString()).isTrue();
            // node a learns at its next save of the session (within a second or two) and lets the stale one go
            WsTestClient.Received closed = stale.awaitClose();
            assertThat(closed.closeCode()).isEqualTo(CloseCodes.SESSION_RESUMED_ELSEWHERE);
        }
    }

    @Test
    void aBrowserCookieResumesOnAnotherNode() {
        String token;
        try (WsTestClient first = WsTestClient.connect(a.webSocketUri())) {
            token = durablySubscribed(first, "moved.z", 0);
        }
        try (WsTestClient pub = WsTestClient.connect(a.webSocketUri())) {
            publish(pub, "moved.z", 1, 2);
        }
        // the upgrade presents the cookie the first node set; the second node finds its session in Redis
        try (WsTestClient second = WsTestClient.connect(b.webSocketUri(),
                java.util.Map.of("Cookie", "ferry_session=" + token))) {
            second.send("{\"type\":\"session\",\"id\":5}");
            JsonNode first1 = second.nextJson();
            assertThat(first1.path("offset").asLong()).as(first1.toString()).isEqualTo(1);
            assertThat(second.nextJson().path("offset").asLong()).isEqualTo(2);
            JsonNode r = second.nextJson();
            assertThat(r.path("data").path("resumed").asBoolean()).as(r.toString()).isTrue();
        }
    }

    @Test
    void aTokenOfAnotherIdentityIsRefusedOnEveryNode() {
        try (WsTestClient first = WsTestClient.connect(a.webSocketUri())) {
            String token = durablySubscribed(first, "moved.w", 0);
            String forged = token.substring(0, token.length() - 2) + (token.endsWith("AA") ? "BB" : "AA");
            try (WsTestClient c = WsTestClient.connect(b.webSocketUri())) {
                JsonNode r = request(c, 2, "{\"type\":\"session\",\"id\":2,\"token\":\"" + forged + "\"}");
                assertThat(r.path("code").asText()).isEqualTo("session_refused");
            }
        }
    }
}
