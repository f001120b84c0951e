package dev.ferry.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.WsTestClient;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Index sockets ({@code /v1/index/a/b}, docs/web.md "Index socket"), against a real server with the JDK's
 * WebSocket as the client: the index first, then a change message for each difference, only what the asker may
 * subscribe to, and the errors.
 */
class IndexSocketTest {
    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension();
    /** public.# for everyone, chat.# for authenticated clients, user.{sub}.# for its owner; anonymous allowed. */
    @RegisterExtension
    static final FerryServerExtension ruled = new FerryServerExtension(c -> c.withAuth(AuthWebSocketTest.auth(true)));

    private static final ObjectMapper JSON = new ObjectMapper();

    private static URI ws(FerryServerExtension s, String path) {
        return URI.create("ws://127.0.0.1:" + s.port() + path);
    }

    private static WsTestClient subscriber(FerryServerExtension s, String pattern, Map<String, String> headers) {
        WsTestClient c = WsTestClient.connect(s.wsUri(), headers);
        c.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"" + pattern + "\"}");
        assertThat(c.nextJson().path("type").asText()).as(pattern).isEqualTo("result");
        return c;
    }

    private static JsonNode next(WsTestClient c) throws Exception {
        return JSON.readTree(c.nextText());
    }

    private static List<String> words(JsonNode array, String field) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(field == null ? n.asText() : n.path(field).asText()));
        return out;
    }

    @Test
    void sendsTheIndexThenEachChange() throws Exception {
        try (WsTestClient room1 = subscriber(server, "isock.room1", Map.of());
             WsTestClient index = WsTestClient.plain(ws(server, "/v1/index/isock"))) {
            JsonNode first = next(index);
            assertThat(first.path("type").asText()).isEqualTo("index");
            assertThat(first.path("prefix").asText()).isEqualTo("isock");
            assertThat(first.path("total").asInt()).isEqualTo(1);
            assertThat(words(first.path("children"), "topic")).containsExactly("isock.room1");
            assertThat(first.path("truncated").asBoolean()).isFalse();

            try (WsTestClient room2 = subscriber(server, "isock.room2", Map.of());
                 WsTestClient all = subscriber(server, "isock.#", Map.of())) {
                // both subscriptions show up, in one change or two
                List<String> changed = new ArrayList<>();
                JsonNode change;
                do {
                    change = next(index);
                    assertThat(change.path("type").asText()).isEqualTo("change");
                    assertThat(change.path("removed").isEmpty()).isTrue();
                    changed.addAll(words(change.path("changed"), "word"));
                } while (change.path("total").asInt() < 3);
                assertThat(change.path("total").asInt()).isEqualTo(3);
                assertThat(changed).containsExactlyInAnyOrder("room2", "#");
                JsonNode room2Child = change.path("changed").findParents("word").stream()
                        .filter(n -> n.path("word").asText().equals("room2")).findFirst().orElse(null);
                if (room2Child != null) {
                    assertThat(room2Child.path("topic").asText()).isEqualTo("isock.room2");
                    assertThat(room2Child.path("subscribers").asInt()).isEqualTo(1);
                }
            }
            // both closed: their children go
            List<String> removed = new ArrayList<>();
            JsonNode change;
            do {
                change = next(index);
                assertThat(change.path("type").asText()).isEqualTo("change");
                removed.addAll(words(change.path("removed"), null));
            } while (change.path("total").asInt() > 1);
            assertThat(removed).containsExactlyInAnyOrder("room2", "#");
            assertThat(change.path("total").asInt()).isEqualTo(1);
            assertThat(change.path("changed").isEmpty()).isTrue();
        }
    }

    @Test
    void theRootAndWildcardPrefixesHaveIndexSocketsToo() throws Exception {
        try (WsTestClient sub = subscriber(server, "iroot.a.b", Map.of());
             WsTestClient root = WsTestClient.plain(ws(server, "/v1/index"));
             WsTestClient star = WsTestClient.plain(ws(server, "/v1/index/iroot/%2A"))) {
            JsonNode r = next(root);
            assertThat(r.path("prefix").asText()).isEmpty();
            assertThat(words(r.path("children"), "word")).contains("iroot");
            JsonNode s = next(star);
            assertThat(s.path("type").asText()).isEqualTo("index");
            assertThat(s.path("prefix").asText()).isEqualTo("iroot.*");
        }
    }

    @Test
    void showsOnlyWhatTheAskerMaySubscribeTo() throws Exception {
        String alice = AuthWebSocketTest.token("alice");
        String bob = AuthWebSocketTest.token("bob");
        try (WsTestClient bobInbox = subscriber(ruled, "user.bob.inbox", Map.of("Authorization", "Bearer " + bob));
             WsTestClient asAlice = WsTestClient.plain(ws(ruled, "/v1/index/user"), Map.of("Authorization", "Bearer " + alice));
             WsTestClient asBob = WsTestClient.plain(ws(ruled, "/v1/index/user"), Map.of("Authorization", "Bearer " + bob))) {
            JsonNode a = next(asAlice);
            assertThat(a.path("total").asInt()).isZero();
            assertThat(a.path("children").isEmpty()).isTrue();
            JsonNode b = next(asBob);
            assertThat(words(b.path("children"), "word")).containsExactly("bob");
            try (WsTestClient aliceInbox = subscriber(ruled, "user.alice.inbox", Map.of("Authorization", "Bearer " + alice))) {
                JsonNode change = next(asAlice);
                assertThat(words(change.path("changed"), "word")).containsExactly("alice");
                assertThat(change.path("total").asInt()).isEqualTo(1);
                // bob never hears of alice's topic: his next message is the close at the end, not a change
                assertThat(asBob.nothingWithin(java.time.Duration.ofMillis(2500))).isTrue();
            }
        }
    }

    @Test
    void badPrefixesAndPlainGetsAreRefusedAndMessagesCloseWith4004() throws Exception {
        WsTestClient.Refusal bad = WsTestClient.refused(ws(server, "/v1/index/a//b"), Map.of());
        assertThat(bad.status()).isEqualTo(400);
        assertThat(JSON.readTree(bad.body()).path("code").asText()).isEqualTo("bad_topic");
        WsTestClient.Refusal dotted = WsTestClient.refused(ws(server, "/v1/index/a.b"), Map.of());
        assertThat(dotted.status()).isEqualTo(400);

        java.net.http.HttpResponse<String> plain = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(server.http("/v1/index/a")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(plain.statusCode()).isEqualTo(400);
        assertThat(plain.body()).contains("WebSocket endpoint");

        try (WsTestClient index = WsTestClient.plain(ws(server, "/v1/index/quiet"))) {
            assertThat(next(index).path("type").asText()).isEqualTo("index");
            index.send("hello");
            WsTestClient.Received close = index.awaitClose();
            assertThat(close.closeCode()).isEqualTo(4004);
            assertThat(close.closeReason()).startsWith("receive-only");
        }
    }
}
