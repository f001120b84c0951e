package dev.ferry.server.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.config.ApiKeyConfig;
import dev.ferry.server.config.HttpConfig;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.WsTestClient;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Discovery of event classes: {@code GET /v1/events}, the ferry.v1 {@code events} command, the topic index. */
class EventDiscoveryTest {
    private static final String KEY = "event-discovery-test-key";
    private static final String CHAT_KEY = "event-discovery-chat-only";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension(c -> c
            .withHttp(new HttpConfig(List.of(KEY), 1 << 16,
                    List.of(new ApiKeyConfig("chat", CHAT_KEY, List.of("subscribe chat.#")))))
            .withEvents(EventClassesTest.config()));

    private static HttpResponse<String> get(String path, String key) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(server.http(path)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + key).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void httpListsTheClassesTheKeyMaySubscribeTo() throws Exception {
        HttpResponse<String> all = get("/v1/events", KEY);
        assertThat(all.statusCode()).isEqualTo(200);
        assertThat(all.headers().firstValue("content-type")).hasValue("application/json");
        JsonNode classes = JSON.readTree(all.body()).path("classes");
        assertThat(classes).hasSize(2);
        assertThat(classes.get(0).toString()).isEqualTo("{\"name\":\"audit\",\"pattern\":\"audit.#\","
                + "\"description\":\"what operators did\",\"tags\":[\"actor\"]}");
        JsonNode chat = classes.get(1);
        assertThat(chat.path("name").asText()).isEqualTo("chat");
        assertThat(chat.path("schema").path("required").toString()).isEqualTo("[\"author\",\"text\"]");
        assertThat(chat.path("example").toString()).isEqualTo("{\"author\":\"ann\",\"text\":\"hello\"}");

        JsonNode chatOnly = JSON.readTree(get("/v1/events", CHAT_KEY).body()).path("classes");
        assertThat(chatOnly).extracting(c -> c.path("name").asText()).containsExactly("chat");

        assertThat(get("/v1/events", "not-a-key-of-this-server").statusCode()).isEqualTo(401);
    }

    @Test
    void ferryV1EventsCommandAnswersTheSameList() throws Exception {
        try (WsTestClient ws = WsTestClient.connect(server.wsUri())) {
            ws.send("{\"type\":\"events\",\"id\":3}");
            JsonNode r = ws.nextJson();
            assertThat(r.path("type").asText()).isEqualTo("result");
            assertThat(r.path("id").asInt()).isEqualTo(3);
            assertThat(r.path("data").toString()).isEqualTo(get("/v1/events", KEY).body());
        }
    }

    @Test
    void theTopicIndexMarksEachTopicsClass() throws Exception {
        try (WsTestClient sub = WsTestClient.connect(server.wsUri())) {
            sub.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"chat.lobby\"}");
            sub.send("{\"type\":\"sub\",\"id\":2,\"topic\":\"chat.lobby.thread\"}");
            sub.nextJson();
            sub.nextJson();
            sub.send("{\"type\":\"index\",\"id\":3,\"prefix\":\"chat\"}");
            JsonNode children = sub.nextJson().path("data").path("children");
            assertThat(children).hasSize(1);
            assertThat(children.get(0).path("class").asText()).isEqualTo("chat");
            sub.send("{\"type\":\"index\",\"id\":4,\"prefix\":\"chat.lobby\"}");
            JsonNode below = sub.nextJson().path("data").path("children");
            assertThat(below.get(0).path("topic").asText()).isEqualTo("chat.lobby.thread");
            assertThat(below.get(0).has("class")).isFalse();

            JsonNode viaHttp = JSON.readTree(get("/v1/topics?prefix=chat", KEY).body());
            assertThat(viaHttp.path("children").get(0).path("class").asText()).isEqualTo("chat");
        }
    }
}
