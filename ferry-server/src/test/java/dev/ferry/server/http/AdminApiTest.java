package dev.ferry.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import dev.ferry.server.auth.TestKeys;
import dev.ferry.server.config.ApiKeyConfig;
import dev.ferry.server.config.AuthConfig;
import dev.ferry.server.config.HttpConfig;
import dev.ferry.server.config.IssuerConfig;
import dev.ferry.server.config.PresenceConfig;
import dev.ferry.server.testing.Await;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.ManualClock;
import dev.ferry.server.testing.WsTestClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The server API under /v1/admin/ (docs/http-api.md, "Server API"), over real sockets. */
class AdminApiTest {
    static final String ISS = "https://id.example";
    static final String FULL = "full-access-key-0123456789";
    static final String OPS = "ops-key-0123456789abcdef";
    static final String BILLING = "billing-key-0123456789abcdef";
    static final ManualClock clock = new ManualClock();

    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension(clock, c -> c
            .withPresence(new PresenceConfig(List.of(new PresenceConfig.Rule("rooms", "chat.presence.*", true, 1000,
                    Duration.ofMillis(100), 256, 100)), Duration.ofSeconds(15)))
            .withHttp(new HttpConfig(List.of(FULL), 1 << 16, List.of(
                    new ApiKeyConfig("ops", OPS, List.of("admin #")),
                    new ApiKeyConfig("billing", BILLING, List.of("all #")))))
            .withAuth(new AuthConfig(true, "", true, Duration.ofSeconds(30), "ferry",
                    List.of("all chat.# authenticated", "subscribe public.# everyone", "admin # claim:role=ops"),
                    List.of(new IssuerConfig("main", ISS, TestKeys.SECRET, List.of(), null, null, Duration.ofMinutes(5), List.of())))));

    /** A server with API keys and no rules: every client may do everything, but no one may operate it. */
    @RegisterExtension
    static final FerryServerExtension open = new FerryServerExtension(c -> c
            .withHttp(new HttpConfig(List.of(FULL), 1 << 16, List.of())));

    static final HttpClient http = HttpClient.newHttpClient();
    static final ObjectMapper JSON = new ObjectMapper();

    static String token(String sub, String role) {
        var claims = TestKeys.claims(ISS, sub);
        if (role != null) {
            claims.claim("role", role);
        }
        return TestKeys.hs(JWSAlgorithm.HS256, TestKeys.SECRET, null, claims.build());
    }

    static WsTestClient user(String sub) {
        return WsTestClient.connect(server.wsUri(), Map.of("Authorization", "Bearer " + token(sub, null)));
    }

    static HttpResponse<String> get(FerryServerExtension s, String path, String bearer) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(s.http(path)).GET();
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode getJson(String path) throws Exception {
        HttpResponse<String> r = get(server, path, OPS);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    static HttpResponse<String> post(String path, String bearer, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(server.http(path)).header("Authorization", "Bearer " + bearer)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The ids of the connections of {@code user}, once there are {@code count}. */
    static List<String> idsOf(String user, int count) throws Exception {
        return Await.value("connections of " + user, Await.DEFAULT, () -> {
            JsonNode page = getJson("/v1/admin/connections?user=" + user);
            List<String> ids = new java.util.ArrayList<>();
            page.path("connections").forEach(c -> ids.add(c.path("id").asText()));
            return ids;
        }, ids -> ids.size() == count);
    }

    @Test
    void onlyTheAdminActionOpensTheServerApi() throws Exception {
        assertThat(get(server, "/v1/admin/connections", null).statusCode()).isEqualTo(401);
        HttpResponse<String> plainKey = get(server, "/v1/admin/connections", FULL);
        assertThat(plainKey.statusCode()).isEqualTo(403);
        assertThat(JSON.readTree(plainKey.body()).path("code").asText()).isEqualTo("forbidden");
        assertThat(JSON.readTree(plainKey.body()).path("data").path("action").asText()).isEqualTo("admin");
        assertThat(get(server, "/v1/admin/connections", BILLING).statusCode()).as("all does not include admin").isEqualTo(403);
        assertThat(get(server, "/v1/admin/connections", token("alice", null)).statusCode()).isEqualTo(403);
        assertThat(get(server, "/v1/admin/connections", token("root", "ops")).statusCode()).isEqualTo(200);
        assertThat(get(server, "/v1/admin/connections", OPS).statusCode()).isEqualTo(200);
        assertThat(get(open, "/v1/admin/connections", FULL).statusCode()).as("no rules: open, but not to admin").isEqualTo(403);
        assertThat(get(server, "/v1/admin/nothing", OPS).statusCode()).isEqualTo(404);
        HttpResponse<String> notJson = http.send(HttpRequest.newBuilder(server.http("/v1/admin/broadcast"))
                .header("Authorization", "Bearer " + OPS).header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("{\"topics\":[\"a.b\"],\"data\":1}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(notJson.statusCode()).as(notJson.body()).isEqualTo(415);
        assertThat(JSON.readTree(notJson.body()).path("code").asText()).isEqualTo("unsupported_media_type");
        HttpResponse<String> wrongMethod = post("/v1/admin/connections", OPS, "{}");
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(wrongMethod.headers().firstValue("Allow")).hasValue("GET");
    }

    @Test
    void listsFiltersAndPagesConnections() throws Exception {
        try (WsTestClient carol = user("carol");
             WsTestClient carol2 = user("carol");
             WsTestClient anon = WsTestClient.connect(server.wsUri())) {
            carol.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"chat.room1\"}");
            assertThat(carol.nextJson().path("type").asText()).isEqualTo("result");
            anon.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"public.#\"}");
            assertThat(anon.nextJson().path("type").asText()).isEqualTo("result");
            carol.send("{\"type\":\"pub\",\"id\":2,\"topic\":\"chat.room1\",\"data\":{\"n\":1},\"ack\":true}");
            carol.nextJson(n -> n.path("type").asText().equals("result"));

            List<String> ids = idsOf("carol", 2);
            JsonNode one = getJson("/v1/admin/connections/" + ids.get(0));
            assertThat(one.path("identity").path("kind").asText()).isEqualTo("token");
            assertThat(one.path("identity").path("name").asText()).isEqualTo("carol");
            assertThat(one.path("identity").path("issuer").asText()).isEqualTo(ISS);
            assertThat(one.path("transport").asText()).isEqualTo("ws");
            assertThat(one.path("address").asText()).startsWith("127.0.0.1:");
            assertThat(one.path("subscriptions").toString()).isEqualTo("[\"chat.room1\"]");
            assertThat(one.path("messagesIn").asLong()).isEqualTo(1);
            assertThat(one.path("bytesIn").asLong()).isEqualTo("{\"n\":1}".length());
            assertThat(one.path("messagesOut").asLong()).as("its own publication, delivered to it").isEqualTo(1);
            assertThat(one.path("connectedAt").asText()).endsWith("Z");

            JsonNode byTopic = getJson("/v1/admin/connections?topic=chat.room1");
            assertThat(byTopic.path("connections")).hasSize(1);
            assertThat(byTopic.path("connections").get(0).path("id").asText()).isEqualTo(ids.get(0));
            JsonNode byPattern = getJson("/v1/admin/connections?topic=public.news");
            assertThat(byPattern.path("connections")).hasSize(1);
            assertThat(byPattern.path("connections").get(0).path("identity").path("kind").asText()).isEqualTo("anonymous");
            assertThat(getJson("/v1/admin/connections?transport=sse").path("connections")).isEmpty();
            // every transport name docs/http-api.md lists is a filter
            for (String t : List.of("ws", "multiplex", "topic", "sse", "fallback", "state", "wamp", "extension")) {
                assertThat(get(server, "/v1/admin/connections?transport=" + t, OPS).statusCode()).as(t).isEqualTo(200);
            }
            assertThat(getJson("/v1/admin/connections?address=127.0.0.1&user=carol").path("connections")).hasSize(2);

            JsonNode first = getJson("/v1/admin/connections?user=carol&limit=1");
            assertThat(first.path("connections")).hasSize(1);
            assertThat(first.path("next").asText()).isEqualTo(ids.get(0));
            JsonNode second = getJson("/v1/admin/connections?user=carol&limit=1&after=" + ids.get(0));
            assertThat(second.path("connections").get(0).path("id").asText()).isEqualTo(ids.get(1));
            assertThat(second.path("next").isNull()).isTrue();

            assertThat(get(server, "/v1/admin/connections?limit=0", OPS).statusCode()).isEqualTo(400);
            assertThat(get(server, "/v1/admin/connections?transport=pigeon", OPS).statusCode()).isEqualTo(400);
            assertThat(get(server, "/v1/admin/connections?after=nonsense", OPS).statusCode()).isEqualTo(400);
            HttpResponse<String> missing = get(server, "/v1/admin/connections/00000000-1", OPS);
            assertThat(missing.statusCode()).isEqualTo(404);
            assertThat(JSON.readTree(missing.body()).path("code").asText()).isEqualTo("no_such_connection");
        }
        idsOf("carol", 0);
    }

    @Test
    void disconnectsWithTheCodeAndReasonAndBansForAWhile() throws Exception {
        try (WsTestClient dave = user("dave");
             WsTestClient dave2 = user("dave");
             WsTestClient erin = user("erin")) {
            String id = idsOf("dave", 2).get(0);
            HttpResponse<String> r = post("/v1/admin/connections/" + id + "/disconnect", OPS,
                    "{\"code\":4100,\"reason\":\"maintenance\"}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(JSON.readTree(r.body()).path("disconnected").asInt()).isEqualTo(1);
            WsTestClient.Received close = dave.awaitClose();
            assertThat(close.closeCode()).isEqualTo(4100);
            assertThat(close.closeReason()).isEqualTo("maintenance");

            assertThat(post("/v1/admin/users/dave/disconnect", OPS, "{\"code\":3000}").statusCode()).isEqualTo(400);
            assertThat(post("/v1/admin/users/dave/disconnect", OPS, "{\"ban\":-1}").statusCode()).isEqualTo(400);
            assertThat(post("/v1/admin/users/dave/disconnect", OPS, "{\"reason\":" + "\"" + "x".repeat(124) + "\"}")
                    .statusCode()).isEqualTo(400);
            assertThat(post("/v1/admin/users/dave/disconnect", OPS, "{nope").statusCode()).isEqualTo(400);

            HttpResponse<String> all = post("/v1/admin/users/dave/disconnect", OPS, "{\"ban\":60}");
            assertThat(all.statusCode()).as(all.body()).isEqualTo(200);
            assertThat(JSON.readTree(all.body()).path("bannedUntil").asText()).endsWith("Z");
            WsTestClient.Received second = dave2.awaitClose();
            assertThat(second.closeCode()).isEqualTo(4011);
            assertThat(second.closeReason()).isEqualTo("disconnected by the operator");

            WsTestClient.Refusal refused = WsTestClient.refused(server.wsUri(),
                    Map.of("Authorization", "Bearer " + token("dave", null)), "ferry.v1");
            assertThat(refused.status()).isEqualTo(403);
            assertThat(refused.body()).contains("banned");

            HttpResponse<String> absent = post("/v1/admin/users/frank/disconnect", OPS, "{\"ban\":60}");
            assertThat(JSON.readTree(absent.body()).path("disconnected").asInt()).isZero();
            assertThat(WsTestClient.refused(server.wsUri(), Map.of("Authorization", "Bearer " + token("frank", null)),
                    "ferry.v1").status()).as("a user with no connection can be banned too").isEqualTo(403);

            erin.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"chat.x\"}");
            assertThat(erin.nextJson().path("type").asText()).as("others carry on").isEqualTo("result");

            clock.advance(Duration.ofSeconds(61));
            try (WsTestClient back = user("dave")) {
                back.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"chat.x\"}");
                assertThat(back.nextJson().path("type").asText()).isEqualTo("result");
            }
        }
    }

    @Test
    void anAnonymousConnectionCannotBeBanned() throws Exception {
        try (WsTestClient anon = WsTestClient.connect(server.wsUri())) {
            anon.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"public.anon\"}");
            assertThat(anon.nextJson().path("type").asText()).isEqualTo("result");
            String id = getJson("/v1/admin/connections?topic=public.anon").path("connections").get(0).path("id").asText();
            HttpResponse<String> r = post("/v1/admin/connections/" + id + "/disconnect", OPS, "{\"ban\":5}");
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(r.body()).contains("anonymous");
            assertThat(post("/v1/admin/connections/" + id + "/disconnect", OPS, "").statusCode()).isEqualTo(200);
            assertThat(anon.awaitClose().closeCode()).isEqualTo(4011);
        }
    }

    @Test
    void serverSideSubscriptionsOfAConnectionAUserAndAToken() throws Exception {
        String withSubs = TestKeys.hs(JWSAlgorithm.HS256, TestKeys.SECRET, null, TestKeys.claims(ISS, "gina")
                .claim("ferry.subs", List.of("news.#", "bad..pattern")).build());
        try (WsTestClient gina = WsTestClient.connect(server.wsUri(), Map.of("Authorization", "Bearer " + withSubs));
             WsTestClient hal = user("hal");
             WsTestClient mux = WsTestClient.plain(URI.create(server.wsUri().toString().replace("/v1/ws", "/v1/multiplex")))) {
            assertThat(gina.nextJson().toString()).as("a token's ferry.subs, refused patterns skipped")
                    .isEqualTo("{\"type\":\"server_sub\",\"topic\":\"news.#\"}");

            HttpResponse<String> r = post("/v1/admin/users/hal/subscribe", OPS, "{\"pattern\":\"ops.*\",\"for\":60}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(JSON.readTree(r.body()).path("subscribed").asInt()).isEqualTo(1);
            assertThat(JSON.readTree(r.body()).path("future").asBoolean()).isTrue();
            assertThat(hal.nextJson().toString()).isEqualTo("{\"type\":\"server_sub\",\"topic\":\"ops.*\"}");
            assertThat(post("/v1/admin/broadcast", OPS, "{\"topics\":[\"ops.x\",\"news.eu\"],\"data\":7}").statusCode())
                    .isEqualTo(200);
            assertThat(hal.nextJson().path("topic").asText()).as("not a subscription hal may make itself").isEqualTo("ops.x");
            assertThat(gina.nextJson().path("topic").asText()).isEqualTo("news.eu");
            String halId = idsOf("hal", 1).get(0);
            assertThat(getJson("/v1/admin/connections/" + halId).path("subscriptions").toString()).isEqualTo("[\"ops.*\"]");

            try (WsTestClient hal2 = user("hal")) {
                assertThat(hal2.nextJson().toString()).as("a later connection of the user, within the time")
                        .isEqualTo("{\"type\":\"server_sub\",\"topic\":\"ops.*\"}");
            }
            HttpResponse<String> off = post("/v1/admin/users/hal/unsubscribe", OPS, "{\"pattern\":\"ops.*\"}");
            assertThat(JSON.readTree(off.body()).path("unsubscribed").asInt()).isEqualTo(1);
            assertThat(hal.nextJson().toString()).isEqualTo("{\"type\":\"server_unsub\",\"topic\":\"ops.*\"}");
            try (WsTestClient hal3 = user("hal")) {
                hal3.send("{\"type\":\"ping\",\"id\":9}");
                assertThat(hal3.nextJson().path("type").asText()).as("no longer for new connections").isEqualTo("pong");
            }

            String muxId = getJson("/v1/admin/connections?transport=multiplex").path("connections").get(0).path("id").asText();
            HttpResponse<String> unsupported = post("/v1/admin/connections/" + muxId + "/subscribe", OPS, "{\"pattern\":\"a.b\"}");
            assertThat(unsupported.statusCode()).isEqualTo(409);
            assertThat(JSON.readTree(unsupported.body()).path("code").asText()).isEqualTo("unsupported_transport");
            HttpResponse<String> bad = post("/v1/admin/connections/" + halId + "/subscribe", OPS, "{\"pattern\":\"a..b\"}");
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(JSON.readTree(bad.body()).path("code").asText()).isEqualTo("bad_topic");
            assertThat(post("/v1/admin/users/hal/subscribe", OPS, "{}").statusCode()).isEqualTo(400);
            assertThat(post("/v1/admin/users/hal/subscribe", OPS, "{\"pattern\":\"a.b\",\"for\":-1}").statusCode()).isEqualTo(400);
        }
    }

    @Test
    void theConsolePageIsServedWithoutCredentialsAndAsksForThem() throws Exception {
        HttpResponse<String> page = get(server, "/admin", null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
        assertThat(page.body()).contains("<title>Ferry admin</title>", "id=\"login-form\"", "src=\"/admin.js\"");
        HttpResponse<String> script = get(server, "/admin.js", null);
        assertThat(script.statusCode()).isEqualTo(200);
        assertThat(script.body()).contains("/v1/admin/connections", "Authorization: 'Bearer '");
    }

    @Test
    void readsATopicsPresenceWhateverTheRules() throws Exception {
        try (WsTestClient ivy = user("ivy")) {
            ivy.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"chat.presence.a\"}");
            assertThat(ivy.nextJson().path("type").asText()).isEqualTo("result");
            JsonNode page = Await.value("ivy in the presence of chat.presence.a", Await.DEFAULT,
                    () -> getJson("/v1/admin/topics/chat.presence.a/presence"), p -> p.path("count").asInt() == 1);
            assertThat(page.path("entries").get(0).path("user").asText()).isEqualTo("ivy");
            assertThat(get(server, "/v1/admin/topics/chat.presence.a/presence", FULL).statusCode()).isEqualTo(403);
            assertThat(get(server, "/v1/admin/topics/other.a/presence", OPS).statusCode()).isEqualTo(404);
            assertThat(get(server, "/v1/admin/topics/chat.presence.a/presence?limit=0", OPS).statusCode()).isEqualTo(400);
        }
    }

    @Test
    void listsTopicsAndBroadcasts() throws Exception {
        try (WsTestClient sub = WsTestClient.connect(server.wsUri())) {
            sub.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"public.cast.*\"}");
            assertThat(sub.nextJson().path("type").asText()).isEqualTo("result");
            JsonNode topics = getJson("/v1/admin/topics?prefix=public.cast");
            assertThat(topics.path("topics").toString()).isEqualTo("[{\"pattern\":\"public.cast.*\",\"subscribers\":1}]");

            HttpResponse<String> r = post("/v1/admin/broadcast", OPS,
                    "{\"topics\":[\"public.cast.a\",\"public.cast.b\"],\"data\":{\"hello\":true}}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            JsonNode results = JSON.readTree(r.body()).path("results");
            assertThat(results).hasSize(2);
            assertThat(results.get(1).path("topic").asText()).isEqualTo("public.cast.b");
            assertThat(results.get(1).path("offset").asLong()).isEqualTo(1);
            JsonNode a = sub.nextJson();
            JsonNode b = sub.nextJson();
            assertThat(List.of(a.path("topic").asText(), b.path("topic").asText()))
                    .containsExactlyInAnyOrder("public.cast.a", "public.cast.b");
            assertThat(a.path("data").toString()).isEqualTo("{\"hello\":true}");

            JsonNode topic = getJson("/v1/admin/topics/public.cast.a");
            assertThat(topic.path("subscribers").asInt()).isEqualTo(1);
            assertThat(topic.path("offset").asLong()).isEqualTo(1);
            assertThat(topic.path("history").asLong()).isEqualTo(1);

            assertThat(post("/v1/admin/broadcast", OPS, "{\"topics\":[\"a.*\"],\"data\":1}").statusCode()).isEqualTo(400);
            assertThat(post("/v1/admin/broadcast", OPS, "{\"topics\":[],\"data\":1}").statusCode()).isEqualTo(400);
            assertThat(post("/v1/admin/broadcast", OPS, "{\"topic\":\"a.b\"}").statusCode()).isEqualTo(400);
            assertThat(get(server, "/v1/admin/topics/a.*", OPS).statusCode()).isEqualTo(400);
        }
    }
}
