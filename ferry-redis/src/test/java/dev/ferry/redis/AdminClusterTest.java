package dev.ferry.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.FerryServer;
import dev.ferry.server.config.ApiKeyConfig;
import dev.ferry.server.config.HttpConfig;
import dev.ferry.server.testing.Await;
import dev.ferry.server.testing.WsTestClient;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The server API over two nodes sharing Redis (docs/http-api.md, "Server API"; docs/redis.md, "Server API across
 * nodes"): either node lists and acts on the connections of both.
 */
class AdminClusterTest {
    static final String OPS = "ops-key-0123456789abcdef";
    static final String KEY = "plain-key-0123456789abcdef";
    /** The key of user "carol", whose connections the tests close and ban. */
    static final String CAROL = "carol-key-0123456789abcdef";
    static final Map<String, String> AS_CAROL = Map.of("Authorization", "Bearer " + CAROL);
    /** The key of user "dan", banned before a node joins. */
    static final String DAN = "dan-key-0123456789abcdef";
    static final Map<String, String> AS_DAN = Map.of("Authorization", "Bearer " + DAN);
    static final HttpClient http = HttpClient.newHttpClient();
    static final ObjectMapper JSON = new ObjectMapper();

    private static RedisCluster cluster;
    private static FerryServer a;
    private static FerryServer b;

    @BeforeAll
    static void startNodes() {
        cluster = new RedisCluster();
        var config = cluster.config().withHttp(new HttpConfig(List.of(KEY), 1 << 16,
                List.of(new ApiKeyConfig("ops", OPS, List.of("admin #", "all #")),
                        new ApiKeyConfig("carol", CAROL, List.of("all #")),
                        new ApiKeyConfig("dan", DAN, List.of("all #")))));
        a = cluster.start(config);
        b = cluster.start(config);
    }

    @AfterAll
    static void stopNodes() {
        if (cluster != null) {
            cluster.close();
        }
    }

    static HttpResponse<String> send(FerryServer node, String method, String path, String body) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(node.httpUri().resolve(path)).header("Authorization", "Bearer " + OPS);
        if (body != null) {
            r.header("Content-Type", "application/json");
        }
        r.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode ok(FerryServer node, String method, String path, String body) throws Exception {
        HttpResponse<String> r = send(node, method, path, body);
        assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    /** The ids of the open connections the cluster lists, asked of {@code node}, once {@code done} holds. */
    static List<String> ids(FerryServer node, String query, java.util.function.Predicate<List<String>> done) {
        return Await.value("connections", Await.DEFAULT, () -> {
            List<String> ids = new ArrayList<>();
            ok(node, "GET", "/v1/admin/connections" + query, null).path("connections")
                    .forEach(c -> ids.add(c.path("id").asText()));
            return ids;
        }, done);
    }

    static String nodeOf(FerryServer node) throws Exception {
        return ok(node, "GET", "/v1/admin/nodes", null).path("node").asText();
    }

    @Test
    void eitherNodeListsTheConnectionsOfBothAndPagesAcrossThem() throws Exception {
        try (WsTestClient ca = WsTestClient.connect(a.webSocketUri());
             WsTestClient cb = WsTestClient.connect(b.webSocketUri());
             WsTestClient cb2 = WsTestClient.connect(b.webSocketUri())) {
            String na = nodeOf(a);
            String nb = nodeOf(b);
            for (FerryServer asked : List.of(a, b)) {
                List<String> ids = ids(asked, "?transport=ws", l -> l.size() >= 3);
                Set<String> nodes = new TreeSet<>();
                ids.forEach(id -> nodes.add(id.substring(0, id.indexOf('-'))));
                assertThat(nodes).containsExactlyInAnyOrder(na, nb);
            }
            // pages of one across the nodes: every connection once, in node order
            List<String> all = ids(a, "?transport=ws", l -> l.size() >= 3);
            List<String> paged = new ArrayList<>();
            String next = null;
            do {
                JsonNode page = ok(b, "GET", "/v1/admin/connections?transport=ws&limit=1" + (next == null ? "" : "&after=" + next), null);
                assertThat(page.path("partial").asBoolean()).isFalse();
                page.path("connections").forEach(c -> paged.add(c.path("id").asText()));
                next = page.path("next").isNull() ? null : page.path("next").asText();
            } while (next != null);
            assertThat(paged).containsExactlyElementsOf(all);

            String onB = all.stream().filter(id -> id.startsWith(nb + "-")).findFirst().orElseThrow();
            JsonNode one = ok(a, "GET", "/v1/admin/connections/" + onB, null);
            assertThat(one.path("id").asText()).isEqualTo(onB);
            assertThat(one.path("transport").asText()).isEqualTo("ws");
            assertThat(send(a, "GET", "/v1/admin/connections/" + nb + "-999999", null).statusCode()).isEqualTo(404);
            assertThat(send(a, "GET", "/v1/admin/connections/00000000-1", null).statusCode()).isEqualTo(404);
        }
    }

    @Test
    void theNodesEndpointListsEveryNodeAndFlagsOneThatDoesNotAnswer() throws Exception {
        JsonNode nodes = Await.value("both nodes", Await.DEFAULT, () -> ok(a, "GET", "/v1/admin/nodes", null),
                n -> n.path("nodes").size() == 2);
        assertThat(nodes.path("partial").asBoolean()).isFalse();
        for (JsonNode n : nodes.path("nodes")) {
            assertThat(n.path("answered").asBoolean()).isTrue();
            assertThat(n.path("address").asText()).startsWith("127.0.0.1:");
            assertThat(n.path("engine").asText()).isEqualTo("redis");
            assertThat(n.has("connections")).isTrue();
            assertThat(n.has("subscriptions")).isTrue();
            assertThat(n.has("publicationRate")).isTrue();
            assertThat(n.has("deliveryRate")).isTrue();
            assertThat(n.path("uptime").asLong()).isGreaterThanOrEqualTo(0);
        }

        // a node listed alive that answers nothing (hung, or cut from Redis's pub/sub): flagged, the answer partial
        cluster.redis.sync().set(cluster.prefix + ":admin-alive:ffffffff", "1", io.lettuce.core.SetArgs.Builder.px(60_000));
        cluster.redis.sync().sadd(cluster.prefix + ":admin-nodes", "ffffffff");
        try {
            long start = System.nanoTime();
            JsonNode withMute = ok(b, "GET", "/v1/admin/nodes", null);
            assertThat(withMute.path("partial").asBoolean()).isTrue();
            assertThat(withMute.path("unanswered").toString()).isEqualTo("[\"ffffffff\"]");
            assertThat(withMute.path("nodes")).hasSize(3);
            JsonNode mute = withMute.path("nodes").get(2);
            assertThat(mute.path("node").asText()).isEqualTo("ffffffff");
            assertThat(mute.path("answered").asBoolean()).isFalse();
            assertThat(System.nanoTime() - start).as("bounded by the timeout").isLessThan(30_000_000_000L);
            assertThat(ok(a, "GET", "/v1/admin/connections", null).path("partial").asBoolean()).isTrue();
        } finally {
            cluster.redis.sync().del(cluster.prefix + ":admin-alive:ffffffff");
        }

        // a node that stops leaves the list at once
        FerryServer c = cluster.start(a.config());
        String nc = nodeOf(c);
        Await.value("the third node listed", Await.DEFAULT, () -> ok(a, "GET", "/v1/admin/nodes", null).path("nodes").toString(),
                n -> n.contains(nc));
        c.close();
        JsonNode after = ok(a, "GET", "/v1/admin/nodes", null);
        assertThat(after.path("nodes").toString()).doesNotContain(nc).doesNotContain("ffffffff");
        assertThat(after.path("nodes")).hasSize(2);
        assertThat(after.path("partial").asBoolean()).isFalse();
    }

    @Test
    void aConnectionOnTheOtherNodeIsDisconnectedAndSubscribedByTheServer() throws Exception {
        try (WsTestClient onB = WsTestClient.connect(b.webSocketUri());
             WsTestClient publisher = WsTestClient.connect(a.webSocketUri())) {
            String nb = nodeOf(b);
            onB.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"marker.x\"}");
            onB.nextJson(n -> n.path("id").asInt() == 1);
            String id = ids(a, "?topic=marker.x", l -> l.size() == 1).get(0);
            assertThat(id).startsWith(nb + "-");

            JsonNode subscribed = ok(a, "POST", "/v1/admin/connections/" + id + "/subscribe", "{\"pattern\":\"alerts.*\"}");
            assertThat(subscribed.path("subscribed").asBoolean()).isTrue();
            assertThat(onB.nextJson(n -> n.path("type").asText().equals("server_sub")).path("topic").asText())
                    .isEqualTo("alerts.*");
            Await.value("the subscription listed", Await.DEFAULT, () -> ok(a, "GET", "/v1/admin/connections/" + id, null)
                    .path("subscriptions").toString(), subs -> subs.contains("alerts.*"));
            publisher.send("{\"type\":\"pub\",\"id\":5,\"ack\":true,\"topic\":\"alerts.fire\",\"data\":1}");
            publisher.nextJson(n -> n.path("id").asInt() == 5);
            assertThat(onB.nextJson(n -> n.path("type").asText().equals("msg")).path("topic").asText()).isEqualTo("alerts.fire");

            JsonNode closed = ok(a, "POST", "/v1/admin/connections/" + id + "/disconnect", "{\"reason\":\"bye\"}");
            assertThat(closed.path("disconnected").asInt()).isEqualTo(1);
            WsTestClient.Received close = onB.awaitClose();
            assertThat(close.closeCode()).isEqualTo(4011);
            assertThat(close.closeReason()).isEqualTo("bye");
            ids(a, "?topic=marker.x", List::isEmpty);
            assertThat(send(a, "POST", "/v1/admin/connections/" + id + "/disconnect", "{}").statusCode()).isEqualTo(404);
        }
    }

    @Test
    void aUsersConnectionsOnEveryNodeAreSubscribedDisconnectedAndBanned() throws Exception {
        try (WsTestClient onA = WsTestClient.connect(a.webSocketUri(), AS_CAROL);
             WsTestClient onB = WsTestClient.connect(b.webSocketUri(), AS_CAROL)) {
            ids(a, "?user=carol", l -> l.size() == 2);
            JsonNode subscribed = ok(b, "POST", "/v1/admin/users/carol/subscribe", "{\"pattern\":\"ops.*\"}");
            assertThat(subscribed.path("subscribed").asInt()).isEqualTo(2);
            for (WsTestClient c : List.of(onA, onB)) {
                assertThat(c.nextJson(n -> n.path("type").asText().equals("server_sub")).path("topic").asText()).isEqualTo("ops.*");
            }
            JsonNode future = ok(a, "POST", "/v1/admin/users/carol/subscribe", "{\"pattern\":\"later.*\",\"for\":60}");
            assertThat(future.path("subscribed").asInt()).isEqualTo(2);
            assertThat(future.path("future").asBoolean()).isTrue();
            for (WsTestClient c : List.of(onA, onB)) {
                c.nextJson(n -> n.path("type").asText().equals("server_sub") && n.path("topic").asText().equals("later.*"));
            }
            try (WsTestClient newOnB = WsTestClient.connect(b.webSocketUri(), AS_CAROL)) {
                assertThat(newOnB.nextJson(n -> n.path("type").asText().equals("server_sub") && n.path("topic").asText().equals("later.*")))
                        .as("a new connection on the node that was not asked").isNotNull();
            }
            assertThat(ok(b, "POST", "/v1/admin/users/carol/unsubscribe", "{\"pattern\":\"later.*\"}").path("future").asBoolean()).isTrue();
            ids(a, "?user=carol", l -> l.size() == 2); // the new one closed
            JsonNode closed = ok(b, "POST", "/v1/admin/users/carol/disconnect", "{\"code\":4020,\"ban\":1}");
            assertThat(closed.path("disconnected").asInt()).isEqualTo(2);
            assertThat(closed.path("ids")).hasSize(2);
            assertThat(closed.has("bannedUntil")).isTrue();
            assertThat(onA.awaitClose().closeCode()).isEqualTo(4020);
            assertThat(onB.awaitClose().closeCode()).isEqualTo(4020);
            assertThat(WsTestClient.refused(a.webSocketUri(), AS_CAROL, "ferry.v1").status()).as("banned on the other node too").isEqualTo(403);
        }
        // the one-second ban ends on both nodes
        for (FerryServer node : List.of(a, b)) {
            Await.until("the ban over", () -> {
                try (WsTestClient c = WsTestClient.connect(node.webSocketUri(), AS_CAROL)) {
                    return true;
                } catch (RuntimeException e) {
                    return false;
                }
            });
        }
    }

    @Test
    void aNodeThatJoinsLaterHoldsTheBansAndFutureSubscriptionsMadeBefore() throws Exception {
        JsonNode banned = ok(a, "POST", "/v1/admin/users/dan/disconnect", "{\"ban\":600}");
        assertThat(banned.path("disconnected").asInt()).isZero();
        ok(b, "POST", "/v1/admin/users/carol/subscribe", "{\"pattern\":\"joined.*\",\"for\":600}");
        FerryServer c = cluster.start(a.config());
        try {
            assertThat(WsTestClient.refused(c.webSocketUri(), AS_DAN, "ferry.v1").status()).as("banned before it started")
                    .isEqualTo(403);
            try (WsTestClient carol = WsTestClient.connect(c.webSocketUri(), AS_CAROL)) {
                assertThat(carol.nextJson(n -> n.path("type").asText().equals("server_sub")).path("topic").asText())
                        .isEqualTo("joined.*");
            }
        } finally {
            c.close();
            ok(a, "POST", "/v1/admin/users/carol/unsubscribe", "{\"pattern\":\"joined.*\"}");
        }
    }

    /**
     * A node whose clock is an hour ahead of the others still holds a ten-minute ban and future subscription made
     * before it joined: what it adopts is the time each has left, not when it ends on the other node's clock.
     */
    @Test
    void aJoiningNodeWhoseClockDisagreesHoldsTheBansForTheTimeTheyHaveLeft() throws Exception {
        ok(a, "POST", "/v1/admin/users/dan/disconnect", "{\"ban\":600}");
        ok(b, "POST", "/v1/admin/users/carol/subscribe", "{\"pattern\":\"skewed.*\",\"for\":600}");
        FerryServer c = FerryServer.builder().config(a.config()).extension(new RedisExtension(cluster.redisConfig()))
                .clock(new SkewedClock(java.time.Duration.ofHours(1))).host("127.0.0.1").port(0).build();
        try {
            c.start();
            assertThat(WsTestClient.refused(c.webSocketUri(), AS_DAN, "ferry.v1").status())
                    .as("banned on a node whose clock is an hour ahead").isEqualTo(403);
            try (WsTestClient carol = WsTestClient.connect(c.webSocketUri(), AS_CAROL)) {
                assertThat(carol.nextJson(n -> n.path("type").asText().equals("server_sub")
                        && n.path("topic").asText().equals("skewed.*"))).isNotNull();
            }
        } finally {
            c.close();
            ok(a, "POST", "/v1/admin/users/carol/unsubscribe", "{\"pattern\":\"skewed.*\"}");
        }
    }

    /** The system clock, its wall time {@code ahead} of the others' (its timers and nanoTime as the system's). */
    static final class SkewedClock extends dev.ferry.server.time.ServerClock {
        private final dev.ferry.server.time.ServerClock system = dev.ferry.server.time.ServerClock.system();
        private final long aheadMillis;

        SkewedClock(java.time.Duration ahead) {
            this.aheadMillis = ahead.toMillis();
        }

        @Override
        public long millis() {
            return system.millis() + aheadMillis;
        }

        @Override
        public long nanoTime() {
            return system.nanoTime();
        }

        @Override
        public java.util.concurrent.ScheduledFuture<?> schedule(java.util.concurrent.ScheduledExecutorService executor,
                                                                Runnable task, long delay,
                                                                java.util.concurrent.TimeUnit unit) {
            return system.schedule(executor, task, delay, unit);
        }

        @Override
        public java.util.concurrent.ScheduledFuture<?> scheduleAtFixedRate(
                java.util.concurrent.ScheduledExecutorService executor, Runnable task, long period,
                java.util.concurrent.TimeUnit unit) {
            return system.scheduleAtFixedRate(executor, task, period, unit);
        }
    }

    @Test
    void clearingATopicsHistoryOnOneNodeGivesItANewEpochEverywhere() throws Exception {
        try (WsTestClient pub = WsTestClient.connect(a.webSocketUri())) {
            String epoch = null;
            for (int i = 1; i <= 3; i++) {
                pub.send("{\"type\":\"pub\",\"id\":" + i + ",\"ack\":true,\"topic\":\"cleared.t\",\"data\":" + i + "}");
                epoch = pub.nextJson(n -> n.path("type").asText().equals("result")).path("data").path("epoch").asText();
            }
            JsonNode topic = ok(b, "GET", "/v1/admin/topics/cleared.t", null);
            assertThat(topic.path("history").asLong()).isEqualTo(3);
            assertThat(topic.path("rate").asDouble()).as("3 publications through node a").isGreaterThan(0);

            JsonNode cleared = ok(b, "DELETE", "/v1/admin/topics/cleared.t/history", null);
            assertThat(cleared.path("cleared").asLong()).isEqualTo(3);
            JsonNode after = ok(a, "GET", "/v1/admin/topics/cleared.t", null);
            assertThat(after.path("history").asLong()).isZero();
            assertThat(after.path("epoch").asText()).isNotEqualTo(epoch);

            try (WsTestClient late = WsTestClient.connect(b.webSocketUri())) {
                late.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"cleared.t\",\"since\":{\"offset\":2,\"epoch\":\""
                        + epoch + "\"}}");
                JsonNode position = late.nextJson(n -> n.path("id").asInt() == 1).path("data");
                assertThat(position.path("recovered").asBoolean()).as(position.toString()).isFalse();
                assertThat(position.path("epoch").asText()).isNotEqualTo(epoch);
                pub.send("{\"type\":\"pub\",\"id\":9,\"ack\":true,\"topic\":\"cleared.t\",\"data\":9}");
                JsonNode made = pub.nextJson(n -> n.path("id").asInt() == 9).path("data");
                assertThat(made.path("offset").asLong()).isEqualTo(1);
                JsonNode m = late.nextJson(n -> n.path("type").asText().equals("msg"));
                assertThat(m.path("offset").asLong()).isEqualTo(1);
                assertThat(m.path("epoch").asText()).isEqualTo(made.path("epoch").asText()).isNotEqualTo(epoch);
            }
        }
    }

    @Test
    void topicsAndProceduresAreListedAcrossTheNodes() throws Exception {
        try (WsTestClient callee = WsTestClient.connect(b.webSocketUri());
             WsTestClient pub = WsTestClient.connect(a.webSocketUri())) {
            callee.send("{\"type\":\"register\",\"id\":1,\"proc\":\"cluster.echo\"}");
            callee.nextJson(n -> n.path("id").asInt() == 1);
            JsonNode procs = Await.value("the procedure", Await.DEFAULT, () -> ok(a, "GET", "/v1/admin/procedures", null),
                    p -> p.path("procedures").toString().contains("cluster.echo"));
            JsonNode echo = procs.path("procedures").get(0);
            assertThat(echo.path("proc").asText()).isEqualTo("cluster.echo");
            assertThat(echo.path("callees").asInt()).isEqualTo(1);
            assertThat(echo.path("nodes").path(nodeOf(b)).asInt()).isEqualTo(1);

            pub.send("{\"type\":\"pub\",\"id\":2,\"ack\":true,\"topic\":\"listed.t\",\"data\":1}");
            pub.nextJson(n -> n.path("id").asInt() == 2);
            JsonNode topics = ok(b, "GET", "/v1/admin/topics?prefix=listed.", null);
            assertThat(topics.path("active")).hasSize(1);
            JsonNode t = topics.path("active").get(0);
            assertThat(t.path("topic").asText()).isEqualTo("listed.t");
            assertThat(t.path("publications").asLong()).isEqualTo(1);
            assertThat(t.path("rate").asDouble()).isGreaterThan(0);
            assertThat(t.path("history").asLong()).isEqualTo(1);
        }
    }
}
