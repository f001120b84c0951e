package dev.ferry.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.FerryServer;
import dev.ferry.server.config.ApiKeyConfig;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.config.HttpConfig;
import dev.ferry.server.testing.Await;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The server API while a node cannot reach Redis (docs/http-api.md, "One node or a cluster"): the cut node answers
 * for itself and names the other as not answering, at once; the other names the cut node as not answering until its
 * liveness key expires; once Redis is back both answer for both.
 */
class AdminOutageTest {
    static final String OPS = "ops-key-0123456789abcdef";
    static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode nodes(FerryServer node) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(node.httpUri().resolve("/v1/admin/nodes"))
                .header("Authorization", "Bearer " + OPS).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    @Test
    void aNodeCutFromRedisAnswersForItselfAndIsFlaggedByTheOthers() throws Exception {
        try (RedisCluster cluster = new RedisCluster(); CuttableProxy proxy = new CuttableProxy(6379)) {
            FerryConfig config = cluster.config().withHttp(new HttpConfig(List.of(), 1 << 16,
                    List.of(new ApiKeyConfig("ops", OPS, List.of("admin #")))));
            FerryServer cut = cluster.start(config, cluster.redisConfig().withUri("redis://127.0.0.1:" + proxy.port()));
            FerryServer other = cluster.start(config);
            String cutName = nodes(cut).path("node").asText();
            String otherName = nodes(other).path("node").asText();
            Await.value("both nodes", Await.DEFAULT, () -> nodes(cut), n -> n.path("nodes").size() == 2
                    && !n.path("partial").asBoolean());

            proxy.cut();
            long start = System.nanoTime();
            JsonNode seenByCut = nodes(cut);
            assertThat(System.nanoTime() - start).as("no wait for a node it cannot ask").isLessThan(10_000_000_000L);
            assertThat(seenByCut.path("partial").asBoolean()).as(seenByCut.toString()).isTrue();
            assertThat(seenByCut.path("unanswered").toString()).isEqualTo("[\"" + otherName + "\"]");
            assertThat(seenByCut.path("nodes").toString()).contains("\"node\":\"" + cutName + "\"");

            JsonNode seenByOther = nodes(other);
            if (seenByOther.path("partial").asBoolean()) { // until the cut node's key expires
                assertThat(seenByOther.path("unanswered").toString()).isEqualTo("[\"" + cutName + "\"]");
            }
            Await.value("the cut node gone from the other's list", Await.DEFAULT, () -> nodes(other),
                    n -> n.path("nodes").size() == 1 && !n.path("partial").asBoolean());

            proxy.open();
            Await.value("both nodes again", Await.DEFAULT, () -> nodes(other), n -> n.path("nodes").size() == 2
                    && !n.path("partial").asBoolean());
            Await.value("both nodes again", Await.DEFAULT, () -> nodes(cut), n -> n.path("nodes").size() == 2
                    && !n.path("partial").asBoolean());
        }
    }
}
