package dev.ferry.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.FerryServer;
import dev.ferry.server.testing.Await;
import dev.ferry.server.testing.WsTestClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The topic index of any node counts the subscriptions of every node. */
class ClusterIndexTest {
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

    private static JsonNode index(FerryServer node, String prefix) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(node.httpUri() + "/v1/topics?prefix=" + prefix)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return new ObjectMapper().readTree(r.body());
    }

    @Test
    void everyNodeSeesTheSubscriptionsOfAll() throws Exception {
        try (WsTestClient onA = WsTestClient.connect(a.webSocketUri()); WsTestClient onB = WsTestClient.connect(b.webSocketUri());
             WsTestClient onB2 = WsTestClient.connect(b.webSocketUri())) {
            onA.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"idx.x\"}");
            onA.nextJson();
            onB.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"idx.y\"}");
            onB.nextJson();
            onB2.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"idx.y\"}");
            onB2.nextJson();
            // The nodes share their counts at every heartbeat (1 s): wait until both views are complete.
            JsonNode[] views = Await.value("both nodes count every subscription", Await.DEFAULT,
                    () -> new JsonNode[] {index(a, "idx"), index(b, "idx")},
                    v -> v[0].path("total").asInt() >= 3 && v[1].path("total").asInt() >= 3);
            JsonNode fromA = views[0];
            JsonNode fromB = views[1];
            for (JsonNode view : new JsonNode[] {fromA, fromB}) {
                assertThat(view.path("total").asInt()).isEqualTo(3);
                assertThat(view.path("children").toString())
                        .isEqualTo("[{\"word\":\"x\",\"topic\":\"idx.x\",\"subscribers\":1,\"total\":1},"
                                + "{\"word\":\"y\",\"topic\":\"idx.y\",\"subscribers\":2,\"total\":2}]");
            }
        }
    }
}
