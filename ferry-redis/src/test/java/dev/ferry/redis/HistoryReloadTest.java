package dev.ferry.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.FerryServer;
import dev.ferry.server.config.ApiKeyConfig;
import dev.ferry.server.config.HistoryConfig;
import dev.ferry.server.config.HttpConfig;
import dev.ferry.server.config.ReloadResult;
import dev.ferry.server.testing.WsTestClient;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code history.*} reloads live on the Redis engine (docs/operations.md, "Reloading the configuration"): a topic's
 * stream is kept within the new size from its next publication on, while a subscriber stays connected and keeps
 * receiving.
 */
class HistoryReloadTest {
    static final String KEY = "history-reload-key-0123456789abcdef";
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient http = HttpClient.newHttpClient();

    private RedisCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    static HttpResponse<String> send(FerryServer node, String method, String path, String body) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(node.httpUri().resolve(path)).header("Authorization", "Bearer " + KEY);
        if (body != null) {
            r.header("Content-Type", "application/json");
        }
        r.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    static List<Integer> history(FerryServer node, String topic) throws Exception {
        HttpResponse<String> r = send(node, "GET", "/v1/history/" + topic, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<Integer> out = new java.util.ArrayList<>();
        JSON.readTree(r.body()).path("items").forEach(i -> out.add(i.path("data").asInt()));
        return out;
    }

    @Test
    void aSmallerHistoryAppliesFromTheTopicsNextPublication() throws Exception {
        cluster = new RedisCluster(new HistoryConfig(10, Duration.ofMinutes(5), 100, List.of()), RedisCluster.URI);
        var config = cluster.config().withHttp(new HttpConfig(List.of(), 1 << 16,
                List.of(new ApiKeyConfig("app", KEY, List.of("all #")))));
        FerryServer node = cluster.start(config);
        try (WsTestClient sub = WsTestClient.connect(node.webSocketUri(), Map.of("Authorization", "Bearer " + KEY))) {
            sub.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"kept.t\"}");
            assertThat(sub.nextJson().path("type").asText()).isEqualTo("result");
            for (int i = 1; i <= 5; i++) {
                assertThat(send(node, "POST", "/v1/publish/kept.t", Integer.toString(i)).statusCode()).isEqualTo(200);
            }
            assertThat(history(node, "kept.t")).containsExactly(1, 2, 3, 4, 5);

            ReloadResult r = node.reload(config.withHistory(new HistoryConfig(2, Duration.ofMinutes(5), 100, List.of())));
            assertThat(r.result()).as(r.describe()).isEqualTo(ReloadResult.Result.APPLIED);
            assertThat(r.changed()).containsExactly("history.size");

            assertThat(send(node, "POST", "/v1/publish/kept.t", "6").statusCode()).isEqualTo(200);
            assertThat(history(node, "kept.t")).as("trimmed to the new size").containsExactly(5, 6);
            for (int i = 1; i <= 6; i++) {
                JsonNode m = sub.nextJson(n -> n.path("type").asText().equals("msg"));
                assertThat(m.path("data").asInt()).isEqualTo(i);
            }
        }
    }
}
