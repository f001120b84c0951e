package dev.ferry.server.presence;

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
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.WsTestClient;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Presence reads are the permission action {@code presence}; entries carry the token's subject as the user. */
class PresencePermissionsTest {
    static final String ISS = "https://id.example";
    static final String READER_KEY = "presence-reader-key-0123456789";
    static final String OTHER_KEY = "presence-other-key-0123456789";
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient http = HttpClient.newHttpClient();

    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension(c -> c
            .withPresence(new PresenceConfig(List.of(new PresenceConfig.Rule("rooms", "room.*")), Duration.ofSeconds(15)))
            .withAuth(new AuthConfig(true, "ferry_token", true, Duration.ZERO, "ferry", List.of(
                    "subscribe room.# everyone",
                    "presence room.open everyone",
                    "presence room.{sub} authenticated"), List.of(
                    new IssuerConfig("main", ISS, TestKeys.SECRET, List.of(), null, null, Duration.ofMinutes(5), List.of("ferry")))))
            .withHttp(new HttpConfig(List.of(), 4096, List.of(
                    new ApiKeyConfig("reader", READER_KEY, List.of("presence room.*")),
                    new ApiKeyConfig("other", OTHER_KEY, List.of("subscribe room.*"))))));

    static String token(String sub) {
        return TestKeys.hs(JWSAlgorithm.HS256, TestKeys.SECRET, null,
                TestKeys.claims(ISS, sub).expirationTime(Date.from(Instant.now().plusSeconds(300))).build());
    }

    static HttpResponse<String> get(String path, String bearer) throws Exception {
        return http.send(HttpRequest.newBuilder(server.http(path)).header("Authorization", "Bearer " + bearer).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void entriesNameTheUserOfTheTokenAlsoAfterAuth() throws Exception {
        try (WsTestClient c = WsTestClient.connect(server.wsUri())) {
            c.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"room.open\",\"presence\":{\"k\":1},\"presence_events\":true}");
            assertThat(c.nextJson(n -> n.path("id").asLong() == 1).path("type").asText()).isEqualTo("result");
            JsonNode anonymous = c.nextJson(n -> n.path("type").asText().equals("presence_diff"));
            assertThat(anonymous.path("joins").get(0).path("user").isNull()).isTrue();
            c.send("{\"type\":\"auth\",\"id\":2,\"token\":\"" + token("carol") + "\"}");
            assertThat(c.nextJson(n -> n.path("id").asLong() == 2).path("type").asText()).isEqualTo("result");
            JsonNode changed = c.nextJson(n -> n.path("type").asText().equals("presence_diff"));
            assertThat(changed.path("leaves").get(0).path("user").isNull()).isTrue();
            assertThat(changed.path("joins").get(0).path("user").asText()).isEqualTo("carol");
            assertThat(changed.path("joins").get(0).path("info").path("k").asInt()).isEqualTo(1);
            assertThat(changed.path("joins").get(0).path("conn").asText())
                    .isEqualTo(anonymous.path("joins").get(0).path("conn").asText());
        }
    }

    @Test
    void presenceReadsFollowTheRules() throws Exception {
        try (WsTestClient anon = WsTestClient.connect(server.wsUri());
             WsTestClient ana = WsTestClient.connect(server.wsUri(), Map.of("Authorization", "Bearer " + token("ana")))) {
            anon.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"room.ana\"}");
            assertThat(anon.nextJson().path("type").asText()).isEqualTo("result");
            ana.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"room.ana\",\"presence_events\":true}");
            assertThat(ana.nextJson(n -> n.path("id").asLong() == 1).path("type").asText()).isEqualTo("result");

            anon.send("{\"type\":\"presence\",\"id\":2,\"topic\":\"room.ana\"}");
            JsonNode denied = anon.nextJson();
            assertThat(denied.path("code").asText()).isEqualTo("forbidden");
            assertThat(denied.path("data").path("action").asText()).isEqualTo("presence");
            assertThat(denied.path("data").path("topic").asText()).isEqualTo("room.ana");
            assertThat(denied.path("message").asText()).contains("presence on \"room.ana\"");

            anon.send("{\"type\":\"sub\",\"id\":3,\"topic\":\"room.ana\",\"presence_events\":true}");
            JsonNode deniedEvents = anon.nextJson();
            assertThat(deniedEvents.path("code").asText()).isEqualTo("forbidden");
            assertThat(deniedEvents.path("data").path("action").asText()).isEqualTo("presence");

            anon.send("{\"type\":\"presence\",\"id\":4,\"topic\":\"room.open\"}");
            assertThat(anon.nextJson().path("type").asText()).isEqualTo("result");

            ana.send("{\"type\":\"presence\",\"id\":5,\"topic\":\"room.ana\"}");
            JsonNode page = ana.nextJson(n -> n.path("id").asLong() == 5).path("data");
            assertThat(page.path("count").asInt()).isEqualTo(2);
            List<String> users = new java.util.ArrayList<>();
            page.path("entries").forEach(e -> users.add(e.path("user").isNull() ? null : e.path("user").asText()));
            assertThat(users).containsExactlyInAnyOrder("ana", null);

            assertThat(get("/v1/presence/room.ana", READER_KEY).statusCode()).isEqualTo(200);
            HttpResponse<String> forbidden = get("/v1/presence/room.ana", OTHER_KEY);
            assertThat(forbidden.statusCode()).isEqualTo(403);
            assertThat(JSON.readTree(forbidden.body()).path("code").asText()).isEqualTo("forbidden");
            assertThat(JSON.readTree(forbidden.body()).path("data").path("action").asText()).isEqualTo("presence");
            assertThat(get("/v1/presence/room.ana", token("ana")).statusCode()).isEqualTo(200);
            assertThat(get("/v1/presence/room.ana", token("bob")).statusCode()).isEqualTo(403);
            assertThat(get("/v1/presence/room.ana", "not-a-key-at-all-0123456789").statusCode()).isEqualTo(401);
        }
    }
}
