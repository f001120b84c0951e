package dev.ferry.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.server.FerryServer;
import dev.ferry.server.config.EngineConfig;
import dev.ferry.server.testing.Await;
import dev.ferry.server.testing.WsTestClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * Redis goes away under a node: it reports not ready, fails what needs Redis with {@code unavailable}, tells
 * subscribers to recover (1013), keeps local RPC working, and comes back by itself.
 */
class RedisOutageTest {
    private static int readyz(FerryServer node) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(node.httpUri() + "/readyz")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    private static void awaitReadyz(FerryServer node, int status) {
        Await.value("/readyz answers " + status, Await.DEFAULT, () -> readyz(node), s -> s == status);
    }

    @Test
    void aNodeSurvivesARedisOutage() throws Exception {
        try (RedisCluster cluster = new RedisCluster(); CuttableProxy proxy = new CuttableProxy(6379)) {
            EngineConfig viaProxy = cluster.config().engine().withRedis("redis://127.0.0.1:" + proxy.port(), cluster.prefix);
            FerryServer node = cluster.start(cluster.config().withEngine(viaProxy));
            FerryServer other = cluster.start();
            assertThat(readyz(node)).isEqualTo(200);
            try (WsTestClient sub = WsTestClient.connect(node.webSocketUri());
                 WsTestClient callee = WsTestClient.connect(node.webSocketUri());
                 WsTestClient caller = WsTestClient.connect(node.webSocketUri())) {
                sub.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"out.t\"}");
                sub.nextJson();
                callee.send("{\"type\":\"register\",\"id\":1,\"proc\":\"local.op\"}");
                callee.nextJson();

                proxy.cut();
                assertThat(sub.awaitClose().closeCode()).isEqualTo(1013);
                awaitReadyz(node, 503);
                assertThat(readyz(other)).isEqualTo(200);

                caller.send("{\"type\":\"pub\",\"id\":2,\"ack\":true,\"topic\":\"out.t\",\"data\":1}");
                assertThat(caller.nextJson().path("code").asText()).isEqualTo("unavailable");
                caller.send("{\"type\":\"call\",\"id\":3,\"proc\":\"local.op\",\"args\":1}");
                JsonNode invoke = callee.nextJson();
                callee.send("{\"type\":\"reply\",\"id\":" + invoke.path("id").asLong() + ",\"data\":2}");
                assertThat(caller.nextJson().path("data").asInt()).isEqualTo(2); // local RPC needs no Redis

                proxy.open();
                awaitReadyz(node, 200);
            }
            try (WsTestClient sub = WsTestClient.connect(node.webSocketUri());
                 WsTestClient pub = WsTestClient.connect(other.webSocketUri())) {
                sub.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"out.t\"}");
                sub.nextJson();
                pub.send("{\"type\":\"pub\",\"topic\":\"out.t\",\"data\":42}");
                assertThat(sub.nextJson().path("data").asInt()).isEqualTo(42);
            }
        }
    }
}
