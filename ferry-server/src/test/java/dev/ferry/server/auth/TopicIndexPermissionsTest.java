package dev.ferry.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.WsTestClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The topic index (HTTP and the ferry.v1 {@code index} command) lists and counts only the topics and patterns the
 * asker may subscribe to, under the rules of {@link AuthWebSocketTest#RULES}: public.# for everyone, chat.# for
 * authenticated clients, user.{sub}.# for its owner.
 */
class TopicIndexPermissionsTest {
    @RegisterExtension
    static final FerryServerExtension open = new FerryServerExtension(c -> c.withAuth(AuthWebSocketTest.auth(true)));
    @RegisterExtension
    static final FerryServerExtension closed = new FerryServerExtension(c -> c.withAuth(AuthWebSocketTest.auth(false)));

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String ALICE = AuthWebSocketTest.token("alice");
    private static final String BOB = AuthWebSocketTest.token("bob");
    private static final java.util.List<WsTestClient> subscribers = new java.util.ArrayList<>();

    @BeforeAll
    static void subscribe() {
        sub(BOB, "user.bob.inbox");
        sub(BOB, "user.bob.#");
        sub(ALICE, "user.alice.inbox");
        sub(ALICE, "chat.room1");
        sub(null, "public.news");
        sub(null, "public.*");
    }

    @AfterAll
    static void close() {
        subscribers.forEach(WsTestClient::close);
    }

    private static void sub(String token, String pattern) {
        WsTestClient c = token == null ? WsTestClient.connect(open.wsUri())
                : WsTestClient.connect(open.wsUri(), Map.of("Authorization", "Bearer " + token));
        subscribers.add(c);
        c.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"" + pattern + "\"}");
        assertThat(c.nextJson().path("type").asText()).as(pattern).isEqualTo("result");
    }

    private static HttpResponse<String> get(FerryServerExtension s, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode index(String path, String token) throws Exception {
        HttpResponse<String> r = get(open, path, token);
        assertThat(r.statusCode()).as(path).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static List<String> topics(JsonNode index) {
        return index.path("children").findValuesAsText("topic");
    }

    @Test
    void anAnonymousAskerSeesNothingOfAnotherUsersNamespace() throws Exception {
        JsonNode bob = index("/v1/topics/user/bob", null);
        assertThat(bob.path("total").asInt()).isZero();
        assertThat(bob.path("subscribers").asInt()).isZero();
        assertThat(bob.path("children")).isEmpty();
        assertThat(bob.toString()).doesNotContain("inbox");
        assertThat(index("/v1/topics?prefix=user", null).path("children")).isEmpty();
        JsonNode root = index("/v1/topics", null);
        assertThat(topics(root)).containsExactly("public");
        assertThat(root.path("total").asInt()).isEqualTo(2); // public.news and public.*, nothing else counted
    }

    @Test
    void aUserSeesItsOwnNamespaceAndWhatItsRulesAllowButNotAnothers() throws Exception {
        JsonNode user = index("/v1/topics?prefix=user", ALICE);
        assertThat(topics(user)).containsExactly("user.alice");
        assertThat(user.path("total").asInt()).isEqualTo(1);
        assertThat(index("/v1/topics/user/bob", ALICE).path("total").asInt()).isZero();
        JsonNode root = index("/v1/topics", ALICE);
        assertThat(topics(root)).containsExactly("chat", "public", "user");
        assertThat(root.path("total").asInt()).isEqualTo(4);
        JsonNode own = index("/v1/topics/user/bob", BOB);
        assertThat(own.path("subscribers").asInt()).isZero();
        assertThat(own.path("total").asInt()).isEqualTo(2);
        assertThat(topics(own)).containsExactly("user.bob.#", "user.bob.inbox");
    }

    @Test
    void theIndexCommandShowsTheSameAsTheHttpIndexForTheSameAsker() throws Exception {
        try (WsTestClient anon = WsTestClient.connect(open.wsUri());
             WsTestClient alice = WsTestClient.connect(open.wsUri(), Map.of("Authorization", "Bearer " + ALICE))) {
            for (String prefix : List.of("", "user", "user.bob", "public", "chat")) {
                anon.send("{\"type\":\"index\",\"id\":1,\"prefix\":\"" + prefix + "\"}");
                assertThat(anon.nextJson().path("data")).as(prefix).isEqualTo(index("/v1/topics?prefix=" + prefix, null));
                alice.send("{\"type\":\"index\",\"id\":1,\"prefix\":\"" + prefix + "\"}");
                assertThat(alice.nextJson().path("data")).as(prefix).isEqualTo(index("/v1/topics?prefix=" + prefix, ALICE));
            }
            anon.send("{\"type\":\"index\",\"id\":2,\"prefix\":\"user.bob\"}");
            assertThat(anon.nextJson().path("data").toString()).doesNotContain("inbox");
        }
    }

    @Test
    void withoutAnonymousAccessTheIndexNeedsCredentials() throws Exception {
        HttpResponse<String> none = get(closed, "/v1/topics", null);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(JSON.readTree(none.body()).path("code").asText()).isEqualTo("unauthorized");
        assertThat(get(closed, "/v1/topics", "garbage").statusCode()).isEqualTo(401);
        assertThat(get(closed, "/v1/topics", ALICE).statusCode()).isEqualTo(200);
    }

    /** The pruning of the index's walk: it may look into too much, never too little. */
    @Test
    void mayCoverAtOrBelowRulesOutOnlyWhatNoPatternAtOrBelowCanMatch() {
        String[] own = {"user", "alice", "#"};
        assertThat(TopicPatterns.mayCoverAtOrBelow(own, new String[] {"user"})).isTrue();
        assertThat(TopicPatterns.mayCoverAtOrBelow(own, new String[] {"user", "alice", "x", "y"})).isTrue();
        assertThat(TopicPatterns.mayCoverAtOrBelow(own, new String[] {"user", "bob"})).isFalse();
        assertThat(TopicPatterns.mayCoverAtOrBelow(new String[] {"a", "*"}, new String[] {"a", "b"})).isTrue();
        assertThat(TopicPatterns.mayCoverAtOrBelow(new String[] {"a", "*"}, new String[] {"a", "b", "c"})).isFalse();
        assertThat(TopicPatterns.mayCoverAtOrBelow(new String[] {"a"}, new String[] {"b"})).isFalse();
        for (String[] prefix : List.of(new String[] {"user", "alice"}, new String[] {"user", "alice", "inbox"})) {
            String[] below = java.util.Arrays.copyOf(prefix, prefix.length + 1);
            below[prefix.length] = "inbox";
            assertThat(TopicPatterns.covers(own, below)).isTrue();
            assertThat(TopicPatterns.mayCoverAtOrBelow(own, prefix)).isTrue();
        }
    }
}
