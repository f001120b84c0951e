package dev.ferry.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.server.FerryServer;
import dev.ferry.server.config.EngineConfig;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.config.HistoryConfig;
import dev.ferry.server.config.SessionConfig;
import dev.ferry.server.testing.WsTestClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Redis engine on a Redis Cluster ({@code redis.uri: redis-cluster://...}) of three masters: topics hash to
 * slots on every master, and two Ferry nodes still behave as one (fan-out across nodes, wildcard patterns,
 * recovery, calls, sessions).
 */
class RedisClusterModeTest {
    private static LocalRedisCluster redis;
    private static final List<FerryServer> nodes = new ArrayList<>();
    private static FerryServer a;
    private static FerryServer b;

    @BeforeAll
    static void start() throws Exception {
        redis = new LocalRedisCluster();
        FerryConfig config = FerryConfig.DEFAULT
                .withHistory(new HistoryConfig(1000, Duration.ofMinutes(5), 1000, List.of()))
                .withEngine(EngineConfig.DEFAULT.withEngine("redis"))
                .withSession(new SessionConfig(Duration.ofMinutes(5), RedisCluster.SECRET, "ferry_session"))
                .withPresence(PresenceClusterTest.presence(Duration.ofSeconds(3)));
        for (int i = 0; i < 2; i++) {
            FerryServer s = FerryServer.builder().config(config)
                    .extension(new RedisExtension(RedisConfig.DEFAULT.withUri(redis.uri()))).host("127.0.0.1").port(0).build();
            s.start();
            nodes.add(s);
        }
        a = nodes.get(0);
        b = nodes.get(1);
    }

    @AfterAll
    static void stop() {
        nodes.forEach(FerryServer::close);
        if (redis != null) {
            redis.close();
        }
    }

    private static JsonNode request(WsTestClient c, int id, String frame) {
        c.send(frame);
        return c.nextJson(n -> n.path("id").asInt() == id);
    }

    @Test
    void publicationsOfTopicsOnEveryMasterReachSubscribersOnTheOtherNodeInOrder() {
        try (WsTestClient sub = WsTestClient.connect(b.webSocketUri()); WsTestClient pub = WsTestClient.connect(a.webSocketUri())) {
            assertThat(request(sub, 1, "{\"type\":\"sub\",\"id\":1,\"topic\":\"spread.*\"}").path("type").asText()).isEqualTo("result");
            assertThat(request(sub, 2, "{\"type\":\"sub\",\"id\":2,\"topic\":\"spread.t7\"}").path("type").asText()).isEqualTo("result");
            StringBuilder batch = new StringBuilder();
            for (int round = 1; round <= 5; round++) {
                for (int t = 0; t < 30; t++) { // 30 topics: slots on all three masters
                    batch.append("{\"type\":\"pub\",\"topic\":\"spread.t").append(t).append("\",\"data\":").append(round).append("}\n");
                }
            }
            pub.send(batch.append("{\"type\":\"pub\",\"id\":9,\"ack\":true,\"topic\":\"sync.x\",\"data\":0}").toString());
            pub.nextJson(n -> n.path("id").asInt() == 9);
            Map<String, Long> last = new HashMap<>();
            for (int i = 0; i < 150; i++) {
                JsonNode m = sub.nextJson(n -> n.path("type").asText().equals("msg"));
                String topic = m.path("topic").asText();
                long offset = m.path("offset").asLong();
                assertThat(offset).as(topic).isEqualTo(last.getOrDefault(topic, 0L) + 1);
                last.put(topic, offset);
            }
            assertThat(last).hasSize(30).allSatisfy((t, o) -> assertThat(o).isEqualTo(5));
        }
    }

    @Test
    void aClientRecoversOnTheOtherNodeFromTheStreams() {
        String epoch;
        try (WsTestClient pub = WsTestClient.connect(a.webSocketUri())) {
            for (int i = 1; i <= 10; i++) {
                request(pub, i, "{\"type\":\"pub\",\"id\":" + i + ",\"ack\":true,\"topic\":\"rec.x\",\"data\":" + i + "}");
            }
            epoch = request(pub, 50, "{\"type\":\"history\",\"id\":50,\"topic\":\"rec.x\",\"limit\":1}").path("data").path("epoch").asText();
        }
        try (WsTestClient c = WsTestClient.connect(b.webSocketUri())) {
            JsonNode r = request(c, 1, "{\"type\":\"sub\",\"id\":1,\"topic\":\"rec.x\",\"since\":{\"offset\":4,\"epoch\":\"" + epoch + "\"}}");
            assertThat(r.path("data").path("recovered").asBoolean()).as(r.toString()).isTrue();
            for (int i = 5; i <= 10; i++) {
                assertThat(c.nextJson().path("offset").asLong()).isEqualTo(i);
            }
        }
    }

    @Test
    void callsReachACalleeOnTheOtherNode() {
        try (WsTestClient callee = WsTestClient.connect(a.webSocketUri()); WsTestClient caller = WsTestClient.connect(b.webSocketUri())) {
            assertThat(request(callee, 1, "{\"type\":\"register\",\"id\":1,\"proc\":\"cl.add\"}").path("type").asText()).isEqualTo("result");
            caller.send("{\"type\":\"call\",\"id\":2,\"proc\":\"cl.add\",\"args\":[2,3]}");
            JsonNode invoke = callee.nextJson();
            assertThat(invoke.path("type").asText()).isEqualTo("invoke");
            callee.send("{\"type\":\"reply\",\"id\":" + invoke.path("id").asLong() + ",\"data\":5}");
            JsonNode result = caller.nextJson(n -> n.path("id").asInt() == 2);
            assertThat(result.path("data").asInt()).as(result.toString()).isEqualTo(5);
        }
    }

    @Test
    void presenceIsSharedByTheNodes() {
        try (WsTestClient watcher = WsTestClient.connect(b.webSocketUri()); WsTestClient ana = WsTestClient.connect(a.webSocketUri())) {
            request(watcher, 1, "{\"type\":\"sub\",\"id\":1,\"topic\":\"room.cl\",\"presence_events\":true}");
            request(ana, 1, "{\"type\":\"sub\",\"id\":1,\"topic\":\"room.cl\",\"presence\":{\"name\":\"Ana\"}}");
            JsonNode page = request(watcher, 2, "{\"type\":\"presence\",\"id\":2,\"topic\":\"room.cl\"}").path("data");
            assertThat(page.path("count").asInt()).as(page.toString()).isEqualTo(2);
            assertThat(page.toString()).contains("\"name\":\"Ana\"");
            JsonNode diff;
            do {
                diff = watcher.nextJson(n -> n.path("type").asText().equals("presence_diff"));
            } while (!diff.toString().contains("Ana"));
        }
    }

    @Test
    void aDurableSessionResumesOnTheOtherNode() {
        String token;
        try (WsTestClient first = WsTestClient.connect(a.webSocketUri())) {
            request(first, 1, "{\"type\":\"sub\",\"id\":1,\"topic\":\"sess.x\",\"durable\":true}");
            token = request(first, 2, "{\"type\":\"session\",\"id\":2}").path("data").path("token").asText();
        }
        try (WsTestClient pub = WsTestClient.connect(a.webSocketUri())) {
            request(pub, 3, "{\"type\":\"pub\",\"id\":3,\"ack\":true,\"topic\":\"sess.x\",\"data\":1}");
        }
        try (WsTestClient second = WsTestClient.connect(b.webSocketUri())) {
            second.send("{\"type\":\"session\",\"id\":4,\"token\":\"" + token + "\"}");
            assertThat(second.nextJson().path("offset").asLong()).isEqualTo(1);
            JsonNode r = second.nextJson();
            assertThat(r.path("data").path("resumed").asBoolean()).as(r.toString()).isTrue();
        }
    }
}
