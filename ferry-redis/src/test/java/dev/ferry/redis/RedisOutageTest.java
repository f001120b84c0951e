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
    static int readyz(FerryServer node) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(node.httpUri() + "/readyz")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    static void awaitReadyz(FerryServer node, int status) {
        Await.value("/readyz answers " + status, Await.DEFAULT, () -> readyz(node), s -> s == status);
    }

    @Test
    void aNodeSurvivesARedisOutage() throws Exception {
        try (RedisCluster cluster = new RedisCluster(); CuttableProxy proxy = new CuttableProxy(6379)) {
            RedisConfig viaProxy = cluster.redisConfig().withUri("redis://127.0.0.1:" + proxy.port());
            FerryServer node = cluster.start(cluster.config(), viaProxy);
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

    /**
     * A session lookup that cannot reach Redis is {@code unavailable}, never {@code resumed:false} with a new
     * token: the session still exists, and the client's retry once Redis is back resumes it.
     */
    @Test
    void aSessionLookupThatCannotReachRedisIsUnavailableAndItsRetryResumes() throws Exception {
        try (RedisCluster cluster = new RedisCluster(); CuttableProxy proxy = new CuttableProxy(6379)) {
            RedisConfig viaProxy = cluster.redisConfig().withUri("redis://127.0.0.1:" + proxy.port());
            FerryServer node = cluster.start(cluster.config(), viaProxy);
            FerryServer other = cluster.start();
            String token;
            try (WsTestClient first = WsTestClient.connect(other.webSocketUri())) {
                first.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"kept.t\",\"durable\":true}");
                first.nextJson(n -> n.path("id").asInt() == 1);
                first.send("{\"type\":\"session\",\"id\":2}");
                token = first.nextJson(n -> n.path("id").asInt() == 2).path("data").path("token").asText();
            }
            try (WsTestClient again = WsTestClient.connect(node.webSocketUri())) {
                proxy.cut();
                awaitReadyz(node, 503);
                again.send("{\"type\":\"session\",\"id\":3,\"token\":\"" + token + "\"}");
                JsonNode lookup = again.nextJson(n -> n.path("id").asInt() == 3);
                assertThat(lookup.path("type").asText()).as(lookup.toString()).isEqualTo("error");
                assertThat(lookup.path("code").asText()).isEqualTo("unavailable");

                proxy.open();
                awaitReadyz(node, 200);
                again.send("{\"type\":\"session\",\"id\":4,\"token\":\"" + token + "\"}");
                JsonNode resumed = again.nextJson(n -> n.path("id").asInt() == 4);
                assertThat(resumed.path("data").path("resumed").asBoolean()).as(resumed.toString()).isTrue();
                assertThat(resumed.path("data").path("token").asText()).isEqualTo(token);
            }
        }
    }

    /**
     * The Java client keeps its session token through an unreachable store: its node gone, it reconnects to a node
     * that cannot reach Redis, is told {@code unavailable}, asks again, and resumes the session once Redis answers.
     */
    @Test
    void theJavaClientKeepsItsSessionWhileTheStoreIsUnreachableAndResumesIt() throws Exception {
        try (RedisCluster cluster = new RedisCluster(); CuttableProxy proxy = new CuttableProxy(6379)) {
            FerryServer home = cluster.start();
            RedisConfig viaProxy = cluster.redisConfig().withUri("redis://127.0.0.1:" + proxy.port());
            FerryServer spare = cluster.start(cluster.config(), viaProxy);
            java.util.concurrent.BlockingQueue<dev.ferry.client.Message> got = new java.util.concurrent.LinkedBlockingQueue<>();
            try (dev.ferry.client.FerryClient c = dev.ferry.client.FerryClient.builder().uri(home.webSocketUri())
                    .failover(spare.webSocketUri()).backoff(java.time.Duration.ofMillis(50), java.time.Duration.ofMillis(200))
                    .connect()) {
                c.subscribeDurable("keep.c", got::add).get(10, java.util.concurrent.TimeUnit.SECONDS);
                c.publishAck("keep.c", 1).get(10, java.util.concurrent.TimeUnit.SECONDS);
                assertThat(got.poll(10, java.util.concurrent.TimeUnit.SECONDS)).isNotNull();
                String token = c.sessionToken().orElseThrow();

                proxy.cut();
                awaitReadyz(spare, 503);
                home.close(); // the client fails over to the node that cannot reach Redis
                Await.until("the client reaches the spare node", () -> spare.metrics().openSessions() > 0);
                proxy.open();
                Await.until("the session is resumed", () -> c.sessionsResumed() > 0);
                assertThat(c.sessionToken()).contains(token);
            }
        }
    }
}
