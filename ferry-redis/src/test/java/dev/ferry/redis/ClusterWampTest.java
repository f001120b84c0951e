package dev.ferry.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.FerryServer;
import dev.ferry.server.config.WampConfig;
import dev.ferry.server.testing.WsTestClient;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * WAMP across nodes with the Redis engine (docs/wamp.md): a WAMP session on node A meets ferry.v1 and WAMP clients
 * on node B through the same topics and procedures, realm prefix and payload mapping included.
 */
class ClusterWampTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static RedisCluster cluster;
    private static FerryServer a;
    private static FerryServer b;

    @BeforeAll
    static void startNodes() {
        cluster = new RedisCluster();
        var config = cluster.config().withWamp(new WampConfig(List.of(new WampConfig.Realm("app1", "app1"))));
        a = cluster.start(config);
        b = cluster.start(config);
    }

    @AfterAll
    static void stopNodes() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static URI wampUri(FerryServer s) {
        return URI.create("ws://127.0.0.1:" + s.port() + "/v1/wamp");
    }

    /** A WAMP session of realm app1 on {@code s}, past its WELCOME. */
    private static WsTestClient join(FerryServer s) {
        WsTestClient c = WsTestClient.plain(wampUri(s), Map.of(), "wamp.2.json");
        c.send("[1,\"app1\",{\"roles\":{\"publisher\":{},\"subscriber\":{},\"caller\":{},\"callee\":{}}}]");
        assertThat(msg(c).get(0).asInt()).isEqualTo(2);
        return c;
    }

    private static JsonNode msg(WsTestClient c) {
        try {
            return JSON.readTree(c.nextText());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aWampSubscriberOnOneNodeGetsPublicationsMadeOnAnother() {
        try (WsTestClient w = join(a); WsTestClient f = WsTestClient.connect(b.webSocketUri()); WsTestClient p = join(b)) {
            w.send("[32,1,{},\"x.chat\"]");
            JsonNode subscribed = msg(w);
            assertThat(subscribed.get(0).asInt()).as(subscribed.toString()).isEqualTo(33);
            long sub = subscribed.get(2).asLong();
            w.send("[32,2,{\"match\":\"prefix\"},\"x.deep\"]");
            long prefix = msg(w).get(2).asLong();

            f.send("{\"type\":\"pub\",\"topic\":\"app1.x.chat\",\"data\":{\"text\":\"from B\"},\"ack\":true,\"id\":1}");
            JsonNode e = msg(w);
            assertThat(e.get(0).asInt()).isEqualTo(36);
            assertThat(e.get(1).asLong()).isEqualTo(sub);
            assertThat(e.get(3).path("topic").asText()).isEqualTo("x.chat");
            assertThat(e.get(4).toString()).isEqualTo("[]");
            assertThat(e.get(5).toString()).isEqualTo("{\"text\":\"from B\"}");

            p.send("[16,1,{\"acknowledge\":true,\"disclose_me\":true},\"x.deep.er\",[1,2]]");
            JsonNode published = msg(p);
            assertThat(published.get(0).asInt()).isEqualTo(17);
            e = msg(w);
            assertThat(e.get(1).asLong()).isEqualTo(prefix);
            assertThat(e.get(2).asLong()).as("one publication id on both nodes").isEqualTo(published.get(2).asLong());
            assertThat(e.get(3).path("topic").asText()).isEqualTo("x.deep.er");
            assertThat(e.get(3).path("publisher_authid").asText()).isEqualTo("anonymous");
            assertThat(e.get(4).toString()).isEqualTo("[1,2]");
        }
    }

    @Test
    void aWampCallerOnOneNodeCallsProceduresRegisteredOnAnother() {
        try (WsTestClient caller = join(a); WsTestClient f = WsTestClient.connect(b.webSocketUri()); WsTestClient callee = join(b)) {
            f.send("{\"type\":\"register\",\"id\":1,\"proc\":\"app1.x.add\"}");
            assertThat(f.nextJson().path("type").asText()).isEqualTo("result");
            caller.send("[48,1,{},\"x.add\",[2,3]]");
            JsonNode invoke = f.nextJson();
            assertThat(invoke.path("type").asText()).isEqualTo("invoke");
            assertThat(invoke.path("args").toString()).isEqualTo("[2,3]");
            f.send("{\"type\":\"reply\",\"id\":" + invoke.path("id").asLong() + ",\"data\":5}");
            JsonNode result = msg(caller);
            assertThat(result.get(0).asInt()).as(result.toString()).isEqualTo(50);
            assertThat(result.get(3).toString()).isEqualTo("[5]");

            callee.send("[64,1,{},\"x.mul\"]");
            assertThat(msg(callee).get(0).asInt()).isEqualTo(65); // REGISTERED once the cluster routes calls here
            caller.send("[48,2,{},\"x.mul\",[6,7]]");
            JsonNode inv = msg(callee);
            assertThat(inv.get(0).asInt()).isEqualTo(68);
            assertThat(inv.get(4).toString()).isEqualTo("[6,7]");
            callee.send("[70," + inv.get(1).asLong() + ",{},[42]]");
            assertThat(msg(caller).get(3).toString()).isEqualTo("[42]");

            callee.send("[8,68," + "1" + ",{},\"x.ignored\"]"); // an ERROR for an unknown invocation is dropped
            caller.send("[48,3,{},\"x.mul\",[0]]");
            inv = msg(callee);
            callee.send("[8,68," + inv.get(1).asLong() + ",{},\"app.error.bad\",[\"no zeros\"]]");
            JsonNode error = msg(caller);
            assertThat(error.get(0).asInt()).isEqualTo(8);
            assertThat(error.get(4).asText()).isEqualTo("app.error.bad");
            assertThat(error.get(5).toString()).isEqualTo("[\"no zeros\"]");

            caller.send("[48,4,{},\"x.nobody\",[]]");
            assertThat(msg(caller).get(4).asText()).isEqualTo("wamp.error.no_such_procedure");
        }
    }
}
