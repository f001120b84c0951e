package dev.ferry.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.server.FerryServer;
import dev.ferry.server.testing.WsTestClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Calls reach callees registered on other nodes, with the same outcomes as on one node; nodes restart. */
class ClusterRpcTest {
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

    private static void register(WsTestClient callee, String proc) {
        callee.send("{\"type\":\"register\",\"id\":1,\"proc\":\"" + proc + "\"}");
        assertThat(callee.nextJson().path("type").asText()).isEqualTo("result");
    }

    private static WsTestClient call(WsTestClient caller, int id, String proc, String args, int timeoutMs) {
        caller.send("{\"type\":\"call\",\"id\":" + id + ",\"proc\":\"" + proc + "\",\"args\":" + args
                + (timeoutMs > 0 ? ",\"timeout\":" + timeoutMs : "") + "}");
        return caller;
    }

    @Test
    void aCallReachesACalleeOnAnotherNodeAndItsReplyComesBack() {
        try (WsTestClient callee = WsTestClient.connect(a.webSocketUri()); WsTestClient caller = WsTestClient.connect(b.webSocketUri())) {
            register(callee, "math.add");
            call(caller, 7, "math.add", "[2,3]", 5000);
            JsonNode invoke = callee.nextJson();
            assertThat(invoke.path("type").asText()).isEqualTo("invoke");
            assertThat(invoke.path("args").toString()).isEqualTo("[2,3]");
            callee.send("{\"type\":\"reply\",\"id\":" + invoke.path("id").asLong() + ",\"data\":5}");
            JsonNode result = caller.nextJson();
            assertThat(result.toString()).isEqualTo("{\"type\":\"result\",\"id\":7,\"data\":5}");

            call(caller, 8, "math.add", "[1]", 5000);
            invoke = callee.nextJson();
            callee.send("{\"type\":\"reply\",\"id\":" + invoke.path("id").asLong()
                    + ",\"error\":{\"code\":\"bad_args\",\"message\":\"two numbers\",\"data\":{\"n\":1}}}");
            JsonNode error = caller.nextJson();
            assertThat(error.path("code").asText()).isEqualTo("callee_error");
            assertThat(error.path("message").asText()).isEqualTo("two numbers");
            assertThat(error.path("data").toString()).isEqualTo("{\"code\":\"bad_args\",\"data\":{\"n\":1}}");
        }
    }

    @Test
    void progressCrossesNodesInOrderBeforeTheResult() {
        try (WsTestClient callee = WsTestClient.connect(a.webSocketUri()); WsTestClient caller = WsTestClient.connect(b.webSocketUri())) {
            register(callee, "pg.remote");
            caller.send("{\"type\":\"call\",\"id\":5,\"proc\":\"pg.remote\",\"progress\":true}");
            JsonNode invoke = callee.nextJson();
            assertThat(invoke.path("progress").asBoolean()).isTrue();
            long inv = invoke.path("id").asLong();
            StringBuilder frames = new StringBuilder();
            for (int i = 1; i <= 20; i++) {
                frames.append("{\"type\":\"reply\",\"id\":").append(inv).append(",\"progress\":true,\"data\":").append(i).append("}\n");
            }
            callee.send(frames + "{\"type\":\"reply\",\"id\":" + inv + ",\"data\":\"end\"}");
            for (int i = 1; i <= 20; i++) {
                assertThat(caller.nextJson().toString()).isEqualTo("{\"type\":\"progress\",\"id\":5,\"data\":" + i + "}");
            }
            assertThat(caller.nextJson().toString()).isEqualTo("{\"type\":\"result\",\"id\":5,\"data\":\"end\"}");
        }
    }

    @Test
    void cancelReachesTheCalleeOnItsNode() {
        try (WsTestClient callee = WsTestClient.connect(a.webSocketUri()); WsTestClient caller = WsTestClient.connect(b.webSocketUri())) {
            register(callee, "cx.remote");
            call(caller, 6, "cx.remote", "1", 30_000);
            long inv = callee.nextJson().path("id").asLong();
            caller.send("{\"type\":\"cancel\",\"id\":6,\"mode\":\"kill\"}");
            assertThat(callee.nextJson().toString())
                    .isEqualTo("{\"type\":\"interrupt\",\"id\":" + inv + ",\"mode\":\"kill\",\"reason\":\"cancel\"}");
            callee.send("{\"type\":\"reply\",\"id\":" + inv + ",\"error\":{\"code\":\"wamp.error.canceled\",\"message\":\"stopped\"}}");
            JsonNode error = caller.nextJson();
            assertThat(error.path("code").asText()).isEqualTo("canceled");
            assertThat(error.path("data").path("code").asText()).isEqualTo("wamp.error.canceled");

            call(caller, 7, "cx.remote", "2", 30_000);
            inv = callee.nextJson().path("id").asLong();
            caller.send("{\"type\":\"cancel\",\"id\":7}");
            assertThat(caller.nextJson().path("code").asText()).isEqualTo("canceled");
            assertThat(callee.nextJson().toString())
                    .isEqualTo("{\"type\":\"interrupt\",\"id\":" + inv + ",\"mode\":\"killnowait\",\"reason\":\"cancel\"}");
        }
    }

    @Test
    void aCallerLeavingInterruptsTheCalleeOnAnotherNode() {
        try (WsTestClient callee = WsTestClient.connect(a.webSocketUri())) {
            register(callee, "cx.leaver");
            WsTestClient caller = WsTestClient.connect(b.webSocketUri());
            call(caller, 1, "cx.leaver", "1", 30_000);
            long inv = callee.nextJson().path("id").asLong();
            caller.close();
            assertThat(callee.nextJson().toString())
                    .isEqualTo("{\"type\":\"interrupt\",\"id\":" + inv + ",\"mode\":\"killnowait\",\"reason\":\"cancel\"}");
        }
    }

    @Test
    void theProcedureListingCoversEveryNode() {
        try (WsTestClient onA = WsTestClient.connect(a.webSocketUri()); WsTestClient alsoOnA = WsTestClient.connect(a.webSocketUri());
             WsTestClient asker = WsTestClient.connect(b.webSocketUri())) {
            register(onA, "list.remote");
            register(alsoOnA, "list.remote");
            // each node shares its procedures with its heartbeat: the listing on b shows a's within a few
            JsonNode[] last = new JsonNode[1];
            dev.ferry.server.testing.Await.until("b lists a's procedure with its two callees", () -> {
                asker.send("{\"type\":\"procedures\",\"id\":1,\"prefix\":\"list\"}");
                last[0] = asker.nextJson().path("data").path("procedures");
                return last[0].size() == 1 && last[0].get(0).path("callees").asInt() == 2;
            });
            assertThat(last[0].get(0).path("proc").asText()).isEqualTo("list.remote");
            assertThat(last[0].get(0).path("invoke").asText()).isEqualTo("roundrobin");
        }
    }

    @Test
    void noSuchProcedureWhenNoNodeHasACallee() {
        try (WsTestClient caller = WsTestClient.connect(b.webSocketUri())) {
            call(caller, 1, "nobody.home", "null", 0);
            JsonNode error = caller.nextJson();
            assertThat(error.path("id").asInt()).isEqualTo(1);
            assertThat(error.path("code").asText()).isEqualTo("no_such_procedure");
        }
    }

    @Test
    void callTimeoutWhenTheRemoteCalleeDoesNotAnswer() {
        try (WsTestClient callee = WsTestClient.connect(a.webSocketUri()); WsTestClient caller = WsTestClient.connect(b.webSocketUri())) {
            register(callee, "slow.op");
            call(caller, 2, "slow.op", "{}", 300);
            assertThat(callee.nextJson().path("type").asText()).isEqualTo("invoke");
            JsonNode error = caller.nextJson();
            assertThat(error.path("code").asText()).isEqualTo("call_timeout");
            // the callee's node times the call out too, and interrupts it
            assertThat(callee.nextJson().path("reason").asText()).isEqualTo("timeout");
        }
    }

    @Test
    void calleeGoneWhenTheRemoteCalleeDisconnectsBeforeReplying() {
        try (WsTestClient caller = WsTestClient.connect(b.webSocketUri())) {
            WsTestClient callee = WsTestClient.connect(a.webSocketUri());
            register(callee, "gone.op");
            call(caller, 3, "gone.op", "{}", 10_000);
            assertThat(callee.nextJson().path("type").asText()).isEqualTo("invoke");
            callee.close();
            JsonNode error = caller.nextJson();
            assertThat(error.path("code").asText()).isEqualTo("callee_gone");
            // its registration went with it
            call(caller, 4, "gone.op", "{}", 1000);
            assertThat(caller.nextJson().path("code").asText()).isEqualTo("no_such_procedure");
        }
    }

    @Test
    void callsAreSpreadOverTheCalleesOfOtherNodes() throws Exception {
        FerryServer third = cluster.start();
        try (WsTestClient ca = WsTestClient.connect(a.webSocketUri());
             WsTestClient cb = WsTestClient.connect(third.webSocketUri());
             WsTestClient caller = WsTestClient.connect(b.webSocketUri())) {
            register(ca, "rr.op");
            register(cb, "rr.op");
            int atA = 0;
            int atThird = 0;
            for (int i = 10; i < 16; i++) {
                call(caller, i, "rr.op", "null", 5000);
                WsTestClient who = whoHasAMessage(ca, cb);
                JsonNode invoke = who.nextJson();
                who.send("{\"type\":\"reply\",\"id\":" + invoke.path("id").asLong() + ",\"data\":" + i + "}");
                assertThat(caller.nextJson().path("data").asInt()).isEqualTo(i);
                if (who == ca) {
                    atA++;
                } else {
                    atThird++;
                }
            }
            assertThat(atA).isEqualTo(3);
            assertThat(atThird).isEqualTo(3);
        } finally {
            third.close();
        }
    }

    /** The one of two clients that receives something first (within 10 s), without consuming it. */
    private static WsTestClient whoHasAMessage(WsTestClient x, WsTestClient y) throws InterruptedException {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            if (!x.nothingWithin(java.time.Duration.ofMillis(20))) {
                return x;
            }
            if (!y.nothingWithin(java.time.Duration.ofMillis(20))) {
                return y;
            }
        }
        throw new AssertionError("neither callee was invoked within 10 s");
    }

    @Test
    void aRestartedNodeServesRecoveryFromRedis() {
        FerryServer node = cluster.start();
        String epoch;
        try (WsTestClient pub = WsTestClient.connect(a.webSocketUri());
             WsTestClient s = WsTestClient.connect(node.webSocketUri())) {
            s.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"restart.t\"}");
            s.nextJson();
            pub.send("{\"type\":\"pub\",\"id\":1,\"ack\":true,\"topic\":\"restart.t\",\"data\":1}");
            pub.nextJson();
            epoch = s.nextJson().path("epoch").asText();
            node.close();
            s.awaitClose();
            pub.send("{\"type\":\"pub\",\"id\":2,\"ack\":true,\"topic\":\"restart.t\",\"data\":2}");
            assertThat(pub.nextJson().path("data").path("offset").asLong()).isEqualTo(2);
        }
        FerryServer again = cluster.start();
        try (WsTestClient s = WsTestClient.connect(again.webSocketUri())) {
            s.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"restart.t\",\"since\":{\"offset\":1,\"epoch\":\"" + epoch + "\"}}");
            assertThat(s.nextJson().path("data").path("recovered").asBoolean()).isTrue();
            JsonNode m = s.nextJson();
            assertThat(m.path("offset").asLong()).isEqualTo(2);
            assertThat(m.path("epoch").asText()).isEqualTo(epoch); // the epoch lives in Redis, not in the node
        } finally {
            again.close();
        }
    }
}
