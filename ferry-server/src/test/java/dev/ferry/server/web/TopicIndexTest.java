package dev.ferry.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.testing.Await;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.WsTestClient;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** GET /v1/topics?prefix=, GET /v1/topics/a/b, and the ferry.v1 index command. */
class TopicIndexTest {
    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(server.http(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void sub(WsTestClient c, long id, String pattern) {
        c.send("{\"type\":\"sub\",\"id\":" + id + ",\"topic\":\"" + pattern + "\"}");
        assertThat(c.nextJson().path("type").asText()).isEqualTo("result");
    }

    @Test
    void childrenWithCounts() throws Exception {
        try (WsTestClient a = WsTestClient.connect(server.wsUri()); WsTestClient b = WsTestClient.connect(server.wsUri())) {
            sub(a, 1, "idx.room1");
            sub(b, 1, "idx.room1");
            sub(a, 2, "idx.room2.x");
            sub(a, 3, "idx.*");
            sub(a, 4, "idx");

            HttpResponse<String> r = get("/v1/topics?prefix=idx");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
            JsonNode idx = JSON.readTree(r.body());
            assertThat(idx.path("prefix").asText()).isEqualTo("idx");
            assertThat(idx.path("subscribers").asInt()).isEqualTo(1);
            assertThat(idx.path("total").asInt()).isEqualTo(5);
            JsonNode children = idx.path("children");
            assertThat(children).hasSize(3);
            assertThat(children.get(0).path("word").asText()).isEqualTo("*");
            assertThat(children.get(1).toString()).isEqualTo("{\"word\":\"room1\",\"topic\":\"idx.room1\",\"subscribers\":2,\"total\":2}");
            assertThat(children.get(2).toString()).isEqualTo("{\"word\":\"room2\",\"topic\":\"idx.room2\",\"subscribers\":0,\"total\":1}");

            JsonNode viaPath = JSON.readTree(get("/v1/topics/idx/room2").body());
            assertThat(viaPath.path("prefix").asText()).isEqualTo("idx.room2");
            assertThat(viaPath.path("children").get(0).path("topic").asText()).isEqualTo("idx.room2.x");

            JsonNode root = JSON.readTree(get("/v1/topics").body());
            assertThat(root.path("prefix").asText()).isEmpty();
            assertThat(root.path("children").findValuesAsText("word")).contains("idx");

            a.send("{\"type\":\"index\",\"id\":9,\"prefix\":\"idx\"}");
            JsonNode result = a.nextJson();
            assertThat(result.path("id").asInt()).isEqualTo(9);
            assertThat(result.path("data")).isEqualTo(idx);
        }
        JsonNode after = Await.value("the closed connections' subscriptions are gone", Await.DEFAULT,
                () -> JSON.readTree(get("/v1/topics?prefix=idx").body()), n -> n.path("total").asInt() == 0);
        assertThat(after.toString()).isEqualTo("{\"prefix\":\"idx\",\"subscribers\":0,\"total\":0,\"children\":[],\"truncated\":false}");
    }

    @Test
    void badPrefixesAndMethods() throws Exception {
        HttpResponse<String> r = get("/v1/topics?prefix=a..b");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("\"code\":\"bad_topic\"");
        assertThat(get("/v1/topics/a/b.c").statusCode()).isEqualTo(400);
        HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(server.http("/v1/topics/a"))
                .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("allow")).hasValue("GET");

        try (WsTestClient c = WsTestClient.connect(server.wsUri())) {
            c.send("{\"type\":\"index\",\"id\":1,\"prefix\":\"a..b\"}");
            JsonNode e = c.nextJson();
            assertThat(e.path("type").asText()).isEqualTo("error");
            assertThat(e.path("code").asText()).isEqualTo("bad_topic");
            c.send("{\"type\":\"index\",\"id\":2}");
            assertThat(c.nextJson().path("data").path("prefix").asText()).isEmpty();
        }
    }
}
