package dev.ferry.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.protocol.state.JsonPatch;
import dev.ferry.server.FerryServer;
import dev.ferry.server.config.StateConfig;
import dev.ferry.server.testing.WsTestClient;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * State channels on two nodes sharing the real Redis (docs/redis.md): both serve the same document, a change made
 * on one reaches followers on the other, and concurrent writers on both nodes lose no update (without
 * {@code if_version}) or see exactly one winner per version (with it).
 */
class StateClusterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static RedisCluster cluster;
    private static FerryServer a;
    private static FerryServer b;

    @BeforeAll
    static void startNodes() {
        cluster = new RedisCluster();
        var config = cluster.config().withState(new StateConfig(1 << 16, true,
                List.of(new StateConfig.Channel("docs", "doc.#", 1 << 16))));
        a = cluster.start(config);
        b = cluster.start(config);
    }

    @AfterAll
    static void stopNodes() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static JsonNode json(String s) throws Exception {
        return JSON.readTree(s.replace('\'', '"'));
    }

    private static JsonNode reply(WsTestClient c, long id) {
        return c.nextJson(n -> n.path("id").asLong() == id && (n.path("type").asText().equals("result")
                || n.path("type").asText().equals("error")));
    }

    private static JsonNode send(WsTestClient c, long id, String frame) {
        c.send(frame.replace('\'', '"'));
        return reply(c, id);
    }

    @Test
    void bothNodesServeTheSameStateAndFollowersSeeChangesMadeOnTheOther() throws Exception {
        try (WsTestClient onA = WsTestClient.connect(a.webSocketUri()); WsTestClient onB = WsTestClient.connect(b.webSocketUri());
             WsTestClient follower = WsTestClient.connect(b.webSocketUri())) {
            follower.send("{\"type\":\"state_sub\",\"id\":1,\"topic\":\"doc.shared\"}");
            assertThat(follower.nextJson().path("type").asText()).isEqualTo("result");
            JsonNode snapshot = follower.nextJson();
            assertThat(snapshot.path("type").asText()).isEqualTo("state");
            assertThat(snapshot.path("data")).isEqualTo(json("{}"));

            JsonNode w = send(onA, 1, "{'type':'state_update','id':1,'topic':'doc.shared','merge':{'title':'x','n':1}}");
            assertThat(w.path("data").path("version").asLong()).isEqualTo(1);
            JsonNode patch = follower.nextJson();
            assertThat(patch.path("type").asText()).isEqualTo("state_patch");
            assertThat(patch.path("version").asLong()).isEqualTo(1);
            assertThat(patch.path("epoch").asText()).isEqualTo(w.path("data").path("epoch").asText());

            send(onB, 2, "{'type':'state_update','id':2,'topic':'doc.shared','patch':[{'op':'replace','path':'/n','value':2}]}");
            assertThat(follower.nextJson().path("version").asLong()).isEqualTo(2);
            JsonNode fromA = send(onA, 3, "{'type':'state_get','id':3,'topic':'doc.shared'}").path("data");
            JsonNode fromB = send(onB, 4, "{'type':'state_get','id':4,'topic':'doc.shared'}").path("data");
            assertThat(fromA).isEqualTo(fromB);
            assertThat(fromA.path("data")).isEqualTo(json("{'title':'x','n':2}"));
            assertThat(fromA.path("version").asLong()).isEqualTo(2);

            // a late joiner on the other node catches up with one snapshot
            try (WsTestClient late = WsTestClient.connect(a.webSocketUri())) {
                late.send("{\"type\":\"state_sub\",\"id\":1,\"topic\":\"doc.shared\"}");
                late.nextJson();
                JsonNode s = late.nextJson();
                assertThat(s.path("type").asText()).isEqualTo("state");
                assertThat(s.path("version").asLong()).isEqualTo(2);
                assertThat(s.path("data")).isEqualTo(json("{'title':'x','n':2}"));
            }
            // a client that reconnects to the other node with its version gets only the patches since
            send(onA, 5, "{'type':'state_update','id':5,'topic':'doc.shared','merge':{'n':3}}");
            try (WsTestClient back = WsTestClient.connect(a.webSocketUri())) {
                back.send("{\"type\":\"state_sub\",\"id\":1,\"topic\":\"doc.shared\",\"version\":1,\"epoch\":\""
                        + patch.path("epoch").asText() + "\"}");
                assertThat(back.nextJson().path("data").path("recovered").asBoolean()).isTrue();
                assertThat(back.nextJson().path("version").asLong()).isEqualTo(2);
                assertThat(back.nextJson().path("version").asLong()).isEqualTo(3);
            }
        }
    }

    @Test
    void concurrentWritersOnBothNodesWithoutIfVersionLoseNoUpdate() throws Exception {
        int perNode = 3;
        int each = 20;
        try (WsTestClient follower = WsTestClient.connect(b.webSocketUri());
             WsTestClient setup = WsTestClient.connect(a.webSocketUri())) {
            send(setup, 1, "{'type':'state_update','id':1,'topic':'doc.race','merge':{'items':[]}}");
            follower.send("{\"type\":\"state_sub\",\"id\":1,\"topic\":\"doc.race\"}");
            follower.nextJson();
            JsonNode first = follower.nextJson();
            JsonNode replica = first.path("data");
            long version = first.path("version").asLong();
            List<CompletableFuture<Void>> runs = new ArrayList<>();
            for (int w = 0; w < perNode * 2; w++) {
                FerryServer node = w % 2 == 0 ? a : b;
                int me = w;
                runs.add(CompletableFuture.runAsync(() -> {
                    try (WsTestClient c = WsTestClient.connect(node.webSocketUri())) {
                        for (int i = 1; i <= each; i++) {
                            c.send("{\"type\":\"state_update\",\"id\":" + i + ",\"topic\":\"doc.race\",\"patch\":"
                                    + "[{\"op\":\"add\",\"path\":\"/items/-\",\"value\":\"w" + me + "-" + i + "\"}]}");
                        }
                        for (int i = 1; i <= each; i++) {
                            JsonNode r = c.nextJson();
                            assertThat(r.path("type").asText()).as(r.toString()).isEqualTo("result");
                        }
                    }
                }));
            }
            CompletableFuture.allOf(runs.toArray(CompletableFuture[]::new)).get(180, TimeUnit.SECONDS);
            int total = perNode * 2 * each;
            JsonNode now = send(setup, 2, "{'type':'state_get','id':2,'topic':'doc.race'}").path("data");
            assertThat(now.path("version").asLong()).isEqualTo(1 + total);
            Set<String> items = new HashSet<>();
            now.path("data").path("items").forEach(n -> items.add(n.asText()));
            assertThat(items).hasSize(total);
            while (version < now.path("version").asLong()) {
                JsonNode p = follower.nextJson(n -> n.path("type").asText().equals("state_patch"));
                assertThat(p.path("version").asLong()).isEqualTo(version + 1);
                replica = JsonPatch.apply(replica, p.path("patch"));
                version++;
            }
            assertThat(replica).isEqualTo(now.path("data"));
        }
    }

    @Test
    void concurrentWritersOnBothNodesWithIfVersionHaveExactlyOneWinnerPerVersion() throws Exception {
        int writers = 6;
        List<WsTestClient> clients = new ArrayList<>();
        try (WsTestClient setup = WsTestClient.connect(a.webSocketUri())) {
            for (int w = 0; w < writers; w++) {
                clients.add(WsTestClient.connect((w % 2 == 0 ? a : b).webSocketUri()));
            }
            long version = send(setup, 1, "{'type':'state_update','id':1,'topic':'doc.cas','merge':{'round':0}}")
                    .path("data").path("version").asLong();
            for (int round = 1; round <= 10; round++) {
                long v = version;
                int r = round;
                List<CompletableFuture<JsonNode>> tries = new ArrayList<>();
                for (int w = 0; w < writers; w++) {
                    WsTestClient c = clients.get(w);
                    int me = w;
                    tries.add(CompletableFuture.supplyAsync(() -> send(c, r, "{'type':'state_update','id':" + r
                            + ",'topic':'doc.cas','if_version':" + v + ",'merge':{'round':" + r + ",'by':" + me + "}}")));
                }
                int won = 0;
                for (CompletableFuture<JsonNode> t : tries) {
                    JsonNode n = t.get(20, TimeUnit.SECONDS);
                    if (n.path("type").asText().equals("result")) {
                        won++;
                        assertThat(n.path("data").path("version").asLong()).isEqualTo(v + 1);
                    } else {
                        assertThat(n.path("code").asText()).as(n.toString()).isEqualTo("state_conflict");
                        assertThat(n.path("data").path("version").asLong()).isGreaterThanOrEqualTo(v + 1);
                    }
                }
                assertThat(won).as("round " + round).isEqualTo(1);
                version = v + 1;
            }
            JsonNode now = send(setup, 2, "{'type':'state_get','id':2,'topic':'doc.cas'}").path("data");
            assertThat(now.path("version").asLong()).isEqualTo(version);
            assertThat(now.path("data").path("round").asInt()).isEqualTo(10);
        } finally {
            clients.forEach(WsTestClient::close);
        }
    }

    @Test
    void aChannelCreatedOnWriteRefusesPlainPublicationsOnEveryNode() {
        try (WsTestClient onA = WsTestClient.connect(a.webSocketUri()); WsTestClient onB = WsTestClient.connect(b.webSocketUri())) {
            assertThat(send(onA, 1, "{'type':'state_update','id':1,'topic':'dyn.one','merge':{'x':1}}")
                    .path("type").asText()).isEqualTo("result");
            JsonNode refused = send(onB, 2, "{'type':'pub','id':2,'topic':'dyn.one','data':1,'ack':true}");
            assertThat(refused.path("code").asText()).isEqualTo("state_channel");
            assertThat(send(onB, 3, "{'type':'state_get','id':3,'topic':'dyn.one'}").path("data").path("data").path("x").asInt())
                    .isEqualTo(1);
            assertThat(send(onB, 4, "{'type':'pub','id':4,'topic':'dyn.plain','data':1,'ack':true}").path("type").asText())
                    .isEqualTo("result");
            assertThat(send(onA, 5, "{'type':'state_update','id':5,'topic':'dyn.plain','merge':{'x':1}}").path("code").asText())
                    .isEqualTo("not_state_channel");
        }
    }
}
