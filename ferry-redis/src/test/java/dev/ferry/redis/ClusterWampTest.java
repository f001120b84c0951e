package dev.ferry.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.FerryServer;
import dev.ferry.server.config.WampConfig;
import dev.ferry.server.testing.Await;
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
 * on node B through the same topics and procedures, realm prefix and payload mapping included; the meta API, the
 * pattern-based registrations and the session kill span both nodes.
 */
class ClusterWampTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static RedisCluster cluster;
    private static FerryServer a;
    private static FerryServer b;
    private static final String OPS_KEY = "ops-key-0123456789";

    @BeforeAll
    static void startNodes() {
        cluster = new RedisCluster();
        var config = cluster.config().withWamp(new WampConfig(List.of(new WampConfig.Realm("app1", "app1"),
                        new WampConfig.Realm("meta", "meta"), new WampConfig.Realm("kills", "kills"))))
                .withHttp(new dev.ferry.server.config.HttpConfig(List.of(), 1 << 20, List.of(
                        new dev.ferry.server.config.ApiKeyConfig("ops", OPS_KEY, List.of("all #", "admin #")))));
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
        return join(s, "app1", Map.of(), new long[1]);
    }

    /** A WAMP session of {@code realm} on {@code s} with the upgrade's {@code headers}; its id goes to {@code id[0]}. */
    private static WsTestClient join(FerryServer s, String realm, Map<String, String> headers, long[] id) {
        WsTestClient c = WsTestClient.plain(wampUri(s), headers, "wamp.2.json");
        c.send("[1,\"" + realm + "\",{\"roles\":{\"publisher\":{},\"subscriber\":{},\"caller\":{},\"callee\":{}}}]");
        JsonNode welcome = msg(c);
        assertThat(welcome.get(0).asInt()).as(welcome.toString()).isEqualTo(2);
        id[0] = welcome.get(1).asLong();
        return c;
    }

    /** A meta call's single result. */
    private static JsonNode metaCall(WsTestClient c, int request, String proc, String args) {
        c.send("[48," + request + ",{},\"" + proc + "\"," + args + "]");
        JsonNode r = msg(c);
        assertThat(r.get(0).asInt()).as(r.toString()).isEqualTo(50);
        return r.get(3).get(0);
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

    @Test
    void aCallerThatDisclosesItselfIsNamedToItsCalleeOnAnotherNode() {
        long[] namedId = new long[1];
        try (WsTestClient callee = join(b);
             WsTestClient named = join(a, "app1", Map.of("Authorization", "Bearer " + OPS_KEY), namedId);
             WsTestClient quiet = join(a)) {
            callee.send("[64,1,{},\"d.who\"]");
            assertThat(msg(callee).get(0).asInt()).isEqualTo(65); // REGISTERED once the cluster routes calls here

            named.send("[48,1,{\"disclose_me\":true},\"d.who\",[1]]");
            JsonNode inv = msg(callee);
            assertThat(inv.get(0).asInt()).as(inv.toString()).isEqualTo(68);
            assertThat(inv.get(3).path("caller").asLong()).as(inv.toString()).isEqualTo(namedId[0]);
            assertThat(inv.get(3).path("caller_authid").asText()).isEqualTo("ops");
            assertThat(inv.get(3).path("caller_authrole").asText()).isEqualTo("user");
            callee.send("[70," + inv.get(1).asLong() + ",{},[1]]");
            assertThat(msg(named).get(3).toString()).isEqualTo("[1]");

            named.send("[48,2,{},\"d.who\",[2]]"); // the same caller, not disclosing itself this time
            inv = msg(callee);
            assertThat(inv.get(3).has("caller")).as(inv.toString()).isFalse();
            assertThat(inv.get(3).has("caller_authid")).isFalse();
            assertThat(inv.get(3).has("caller_authrole")).isFalse();
            callee.send("[70," + inv.get(1).asLong() + ",{},[2]]");
            assertThat(msg(named).get(3).toString()).isEqualTo("[2]");

            quiet.send("[48,3,{\"disclose_me\":false},\"d.who\",[3]]");
            inv = msg(callee);
            assertThat(inv.get(3).has("caller")).as(inv.toString()).isFalse();
            assertThat(inv.get(3).has("caller_authid")).isFalse();
            callee.send("[70," + inv.get(1).asLong() + ",{},[3]]");
            assertThat(msg(quiet).get(3).toString()).isEqualTo("[3]");
        }
    }

    @Test
    void theMetaApiAnswersForEveryNodeAndItsEventsReachEveryNode() {
        long[] w = new long[1];
        long[] x = new long[1];
        long[] y = new long[1];
        try (WsTestClient watcher = join(a, "meta", Map.of(), w)) {
            watcher.send("[32,1,{},\"wamp.session.on_join\"]");
            long onJoin = msg(watcher).get(2).asLong();
            watcher.send("[32,2,{},\"wamp.session.on_leave\"]");
            long onLeave = msg(watcher).get(2).asLong();
            watcher.send("[32,3,{},\"wamp.subscription.on_subscribe\"]");
            long onSubscribe = msg(watcher).get(2).asLong();
            try (WsTestClient onB = join(b, "meta", Map.of(), x); WsTestClient onA = join(a, "meta", Map.of(), y)) {
                // the joins on node B (relayed) and on node A, in either order
                java.util.Set<Long> joins = new java.util.HashSet<>();
                for (int i = 0; i < 2; i++) {
                    JsonNode joined = msg(watcher);
                    assertThat(joined.get(1).asLong()).isEqualTo(onJoin);
                    joins.add(joined.get(4).get(0).get("session").asLong());
                }
                assertThat(joins).containsExactlyInAnyOrder(x[0], y[0]);

                assertThat(metaCall(watcher, 10, "wamp.session.count", "[]").asInt()).isEqualTo(3);
                List<Long> all = new java.util.ArrayList<>(List.of(w[0], x[0], y[0]));
                all.sort(Long::compare);
                assertThat(metaCall(watcher, 11, "wamp.session.list", "[]").toString())
                        .isEqualTo(all.toString().replace(" ", ""));
                assertThat(metaCall(watcher, 12, "wamp.session.count", "[[\"admin\"]]").asInt()).isZero();
                assertThat(metaCall(watcher, 13, "wamp.session.get", "[" + x[0] + "]").get("session").asLong()).isEqualTo(x[0]);
                watcher.send("[48,14,{},\"wamp.session.get\",[424242]]");
                assertThat(msg(watcher).get(4).asText()).isEqualTo("wamp.error.no_such_session");

                // one subscription id for one pattern on both nodes; the meta procedures count both nodes' subscribers
                onB.send("[32,1,{},\"m.topic\"]");
                long sub = msg(onB).get(2).asLong();
                onA.send("[32,1,{},\"m.topic\"]");
                assertThat(msg(onA).get(2).asLong()).isEqualTo(sub);
                onB.send("[32,2,{\"match\":\"prefix\"},\"m\"]");
                long pre = msg(onB).get(2).asLong();
                java.util.Set<String> subscribes = new java.util.HashSet<>();
                for (int i = 0; i < 3; i++) {
                    JsonNode subscribed = msg(watcher);
                    assertThat(subscribed.get(1).asLong()).isEqualTo(onSubscribe);
                    subscribes.add(subscribed.get(4).toString());
                }
                assertThat(subscribes).containsExactlyInAnyOrder("[" + x[0] + "," + sub + "]", "[" + y[0] + "," + sub + "]",
                        "[" + x[0] + "," + pre + "]");

                JsonNode list = metaCall(watcher, 20, "wamp.subscription.list", "[]");
                assertThat(list.get("exact").toString()).isEqualTo("[" + sub + "]");
                assertThat(list.get("prefix").toString()).isEqualTo("[" + pre + "]");
                assertThat(metaCall(watcher, 21, "wamp.subscription.lookup", "[\"m.topic\"]").asLong()).isEqualTo(sub);
                assertThat(metaCall(watcher, 22, "wamp.subscription.match", "[\"m.topic\"]").toString())
                        .isEqualTo("[" + Math.min(sub, pre) + "," + Math.max(sub, pre) + "]");
                assertThat(metaCall(watcher, 23, "wamp.subscription.count_subscribers", "[" + sub + "]").asInt()).isEqualTo(2);
                assertThat(metaCall(watcher, 24, "wamp.subscription.list_subscribers", "[" + sub + "]").toString())
                        .isEqualTo("[" + Math.min(x[0], y[0]) + "," + Math.max(x[0], y[0]) + "]");
                assertThat(metaCall(watcher, 25, "wamp.subscription.get", "[" + pre + "]").get("match").asText()).isEqualTo("prefix");

                onB.send("[64,3,{\"invoke\":\"roundrobin\"},\"m.proc\"]");
                long reg = msg(onB).get(2).asLong();
                onA.send("[64,3,{\"invoke\":\"roundrobin\"},\"m.proc\"]");
                assertThat(msg(onA).get(2).asLong()).isEqualTo(reg);
                assertThat(metaCall(watcher, 30, "wamp.registration.lookup", "[\"m.proc\"]").asLong()).isEqualTo(reg);
                assertThat(metaCall(watcher, 31, "wamp.registration.count_callees", "[" + reg + "]").asInt()).isEqualTo(2);
                assertThat(metaCall(watcher, 32, "wamp.registration.get", "[" + reg + "]").get("invoke").asText())
                        .isEqualTo("roundrobin");

                onB.send("[6,{},\"wamp.close.close_realm\"]");
                assertThat(msg(onB).get(0).asInt()).isEqualTo(6);
                JsonNode left = msg(watcher);
                while (left.get(1).asLong() != onLeave) { // the unsubscribes of the leaving session come first
                    left = msg(watcher);
                }
                assertThat(left.get(4).toString()).isEqualTo("[" + x[0] + ",\"anonymous\",\"anonymous\"]");
                assertThat(metaCall(watcher, 40, "wamp.subscription.count_subscribers", "[" + sub + "]").asInt()).isEqualTo(1);
            }
        }
    }

    @Test
    void patternRegistrationsAreReachedFromEveryNodeWithOnePrecedence() {
        try (WsTestClient caller = join(a); WsTestClient wildOnA = join(a); WsTestClient prefixOnB = join(b);
             WsTestClient exactOnB = join(b)) {
            wildOnA.send("[64,1,{\"match\":\"wildcard\"},\"pr..op\"]");
            assertThat(msg(wildOnA).get(0).asInt()).isEqualTo(65);
            prefixOnB.send("[64,1,{\"match\":\"prefix\"},\"pr.x\"]");
            JsonNode registered = msg(prefixOnB);
            assertThat(registered.get(0).asInt()).as(registered.toString()).isEqualTo(65);
            long prefix = registered.get(2).asLong();
            // the nodes share their registrations every second: wait until node A sees B's prefix registration
            Await.until("node A routes pr.x.op to B's prefix registration", () ->
                    metaCall(caller, 1, "wamp.registration.match", "[\"pr.x.op\"]").asLong() == prefix);

            caller.send("[48,2,{},\"pr.x.op\",[1]]");
            JsonNode inv = msg(prefixOnB);
            assertThat(inv.get(0).asInt()).as("prefix on B goes before wildcard on A: " + inv).isEqualTo(68);
            assertThat(inv.get(3).path("procedure").asText()).isEqualTo("pr.x.op");
            prefixOnB.send("[70," + inv.get(1).asLong() + ",{},[\"prefix\"]]");
            assertThat(msg(caller).get(3).toString()).isEqualTo("[\"prefix\"]");

            caller.send("[48,3,{},\"pr.y.op\",[2]]"); // only the wildcard matches
            inv = msg(wildOnA);
            assertThat(inv.get(0).asInt()).isEqualTo(68);
            wildOnA.send("[70," + inv.get(1).asLong() + ",{},[\"wildcard\"]]");
            assertThat(msg(caller).get(3).toString()).isEqualTo("[\"wildcard\"]");

            caller.send("[48,4,{},\"pr.x.deeper.still\",[3]]"); // the prefix only, from a node that has none
            inv = msg(prefixOnB);
            assertThat(inv.get(3).path("procedure").asText()).isEqualTo("pr.x.deeper.still");
            prefixOnB.send("[70," + inv.get(1).asLong() + ",{},[\"prefix\"]]");
            assertThat(msg(caller).get(3).toString()).isEqualTo("[\"prefix\"]");

            try (WsTestClient f = WsTestClient.connect(a.webSocketUri())) { // a ferry.v1 caller reaches it too
                f.send("{\"type\":\"call\",\"id\":1,\"proc\":\"app1.pr.x.v1\",\"args\":[5]}");
                inv = msg(prefixOnB);
                assertThat(inv.get(3).path("procedure").asText()).isEqualTo("pr.x.v1");
                prefixOnB.send("[70," + inv.get(1).asLong() + ",{},[\"prefix\"]]");
                JsonNode result = f.nextJson();
                assertThat(result.path("type").asText()).as(result.toString()).isEqualTo("result");
                assertThat(result.path("data").toString()).as("[value] is the value in ferry.v1").isEqualTo("\"prefix\"");
            }

            exactOnB.send("[64,1,{},\"pr.x.op\"]");
            long exact = msg(exactOnB).get(2).asLong();
            Await.until("node A routes pr.x.op to B's exact registration", () ->
                    metaCall(caller, 5, "wamp.registration.match", "[\"pr.x.op\"]").asLong() == exact);
            caller.send("[48,6,{},\"pr.x.op\",[4]]");
            inv = msg(exactOnB);
            assertThat(inv.get(0).asInt()).isEqualTo(68);
            exactOnB.send("[70," + inv.get(1).asLong() + ",{},[\"exact\"]]");
            assertThat(msg(caller).get(3).toString()).isEqualTo("[\"exact\"]");
            JsonNode regs = metaCall(caller, 7, "wamp.registration.list", "[]");
            assertThat(regs.get("exact").toString()).contains(Long.toString(exact));
            assertThat(regs.get("prefix").toString()).contains(Long.toString(prefix));
            assertThat(regs.get("wildcard")).hasSize(1);
        }
    }

    @Test
    void anAdminKillsSessionsOnEveryNodeButItsOwn() {
        long[] opsId = new long[1];
        long[] onBId = new long[1];
        long[] onAId = new long[1];
        try (WsTestClient ops = join(a, "kills", Map.of("Authorization", "Bearer " + OPS_KEY), opsId);
             WsTestClient onB = join(b, "kills", Map.of(), onBId); WsTestClient onA = join(a, "kills", Map.of(), onAId);
             WsTestClient other = join(b, "kills", Map.of(), new long[1])) {
            onA.send("[48,1,{},\"wamp.session.kill\",[" + onBId[0] + "]]");
            assertThat(msg(onA).get(4).asText()).as("no admin action").isEqualTo("wamp.error.not_authorized");

            ops.send("[48,2,{},\"wamp.session.kill\",[" + onBId[0] + "],{\"reason\":\"app.close.maintenance\",\"message\":\"bye\"}]");
            assertThat(msg(ops).get(0).asInt()).isEqualTo(50);
            JsonNode bye = msg(onB);
            assertThat(bye.get(0).asInt()).isEqualTo(6);
            assertThat(bye.get(1).path("message").asText()).isEqualTo("bye");
            assertThat(bye.get(2).asText()).isEqualTo("app.close.maintenance");
            onB.send("[6,{},\"wamp.close.goodbye_and_out\"]");
            assertThat(onB.awaitClose().closeCode()).isEqualTo(1000);
            ops.send("[48,3,{},\"wamp.session.kill\",[" + onBId[0] + "]]");
            assertThat(msg(ops).get(4).asText()).as("killed already").isEqualTo("wamp.error.no_such_session");

            assertThat(metaCall(ops, 4, "wamp.session.kill_by_authrole", "[\"anonymous\"]").asInt()).isEqualTo(2);
            assertThat(msg(onA).get(2).asText()).isEqualTo("wamp.close.killed");
            assertThat(msg(other).get(2).asText()).isEqualTo("wamp.close.killed");
            assertThat(metaCall(ops, 5, "wamp.session.list", "[]").toString()).isEqualTo("[" + opsId[0] + "]");
        }
    }
}
