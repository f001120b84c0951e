package dev.ferry.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.server.FerryServer;
import dev.ferry.server.testing.WsTestClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Three nodes sharing one Redis behave as one. */
class ClusterTest {
    private static RedisCluster cluster;
    private static FerryServer a;
    private static FerryServer b;
    private static FerryServer c;

    @BeforeAll
    static void startNodes() {
        cluster = new RedisCluster();
        a = cluster.start();
        b = cluster.start();
        c = cluster.start();
    }

    @AfterAll
    static void stopNodes() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static JsonNode sub(WsTestClient client, int id, String topic) {
        client.send("{\"type\":\"sub\",\"id\":" + id + ",\"topic\":\"" + topic + "\"}");
        return client.nextJson(n -> n.path("id").asInt() == id);
    }

    /** Publishes data from..to on a topic and waits until the node has handed them all to Redis. */
    private static void publish(WsTestClient pub, String topic, int from, int to) {
        StringBuilder batch = new StringBuilder();
        for (int i = from; i <= to; i++) {
            batch.append("{\"type\":\"pub\",\"topic\":\"").append(topic).append("\",\"data\":").append(i).append("}\n");
        }
        batch.append("{\"type\":\"pub\",\"id\":999999,\"ack\":true,\"topic\":\"sync.").append(from).append("\",\"data\":0}");
        pub.send(batch.toString());
        pub.nextJson(n -> n.path("id").asInt() == 999999);
    }

    @Test
    void aPublicationOnOneNodeReachesSubscribersOnEveryNodeInOrder() {
        try (WsTestClient sa = WsTestClient.connect(a.webSocketUri());
             WsTestClient sb = WsTestClient.connect(b.webSocketUri());
             WsTestClient sc = WsTestClient.connect(c.webSocketUri());
             WsTestClient pub = WsTestClient.connect(b.webSocketUri())) {
            sub(sa, 1, "fan.*");
            sub(sb, 1, "fan.#");
            sub(sc, 1, "fan.x");
            sub(sc, 2, "#.y"); // overlapping with nothing else here, but a second glob on node c
            publish(pub, "fan.x", 1, 100);
            publish(pub, "fan.y", 1, 50);
            for (WsTestClient s : List.of(sa, sb)) {
                long x = 0;
                long y = 0;
                while (x < 100 || y < 50) {
                    JsonNode m = s.nextJson(n -> n.path("type").asText().equals("msg"));
                    if (m.path("topic").asText().equals("fan.x")) {
                        assertThat(m.path("offset").asLong()).isEqualTo(++x);
                        assertThat(m.path("data").asInt()).isEqualTo((int) x);
                    } else {
                        assertThat(m.path("topic").asText()).isEqualTo("fan.y");
                        assertThat(m.path("offset").asLong()).isEqualTo(++y);
                    }
                }
            }
            long x = 0;
            long y = 0;
            while (x < 100 || y < 50) {
                JsonNode m = sc.nextJson(n -> n.path("type").asText().equals("msg"));
                if (m.path("topic").asText().equals("fan.x")) {
                    assertThat(m.path("offset").asLong()).isEqualTo(++x);
                } else {
                    assertThat(m.path("offset").asLong()).isEqualTo(++y);
                }
            }
        }
    }

    @Test
    void offsetsAreUniqueAcrossNodesUnderConcurrentPublishing() throws Exception {
        int perNode = 300;
        try (WsTestClient sub = WsTestClient.connect(a.webSocketUri())) {
            sub(sub, 1, "race.t");
            List<CompletableFuture<List<Long>>> publishers = new ArrayList<>();
            for (FerryServer node : List.of(a, b, c)) {
                publishers.add(CompletableFuture.supplyAsync(() -> {
                    try (WsTestClient pub = WsTestClient.connect(node.webSocketUri())) {
                        StringBuilder batch = new StringBuilder();
                        for (int i = 1; i <= perNode; i++) {
                            batch.append("{\"type\":\"pub\",\"id\":").append(i)
                                    .append(",\"ack\":true,\"topic\":\"race.t\",\"data\":").append(i).append("}\n");
                        }
                        pub.send(batch.toString());
                        List<Long> offsets = new ArrayList<>();
                        long lastOffset = 0;
                        for (int i = 1; i <= perNode; i++) {
                            JsonNode r = pub.nextJson();
                            assertThat(r.path("id").asInt()).isEqualTo(i); // acks in publication order
                            long o = r.path("data").path("offset").asLong();
                            assertThat(o).isGreaterThan(lastOffset); // one connection's publications keep their order
                            lastOffset = o;
                            offsets.add(o);
                        }
                        return offsets;
                    }
                }));
            }
            Set<Long> all = new HashSet<>();
            for (CompletableFuture<List<Long>> p : publishers) {
                all.addAll(p.get(60, TimeUnit.SECONDS));
            }
            assertThat(all).hasSize(3 * perNode);
            assertThat(all).allMatch(o -> o >= 1 && o <= 3 * perNode);
            for (long expected = 1; expected <= 3 * perNode; expected++) {
                assertThat(sub.nextJson().path("offset").asLong()).isEqualTo(expected);
            }
        }
    }

    @Test
    void aClientRecoversOnAnotherNode() {
        try (WsTestClient pub = WsTestClient.connect(c.webSocketUri())) {
            String epoch;
            try (WsTestClient first = WsTestClient.connect(a.webSocketUri())) {
                assertThat(sub(first, 1, "rec.a").path("data").toString()).isEqualTo("{\"topic\":\"rec.a\",\"offset\":0}");
                publish(pub, "rec.a", 1, 3);
                JsonNode m = null;
                for (int i = 1; i <= 3; i++) {
                    m = first.nextJson();
                    assertThat(m.path("offset").asLong()).isEqualTo(i);
                }
                epoch = m.path("epoch").asText();
            }
            publish(pub, "rec.a", 4, 8);
            try (WsTestClient back = WsTestClient.connect(b.webSocketUri())) {
                back.send("{\"type\":\"sub\",\"id\":2,\"topic\":\"rec.a\",\"since\":{\"offset\":3,\"epoch\":\"" + epoch + "\"}}");
                assertThat(back.nextJson().path("data").toString())
                        .isEqualTo("{\"topic\":\"rec.a\",\"epoch\":\"" + epoch + "\",\"offset\":8,\"recovered\":true}");
                for (int i = 4; i <= 8; i++) {
                    JsonNode m = back.nextJson();
                    assertThat(m.path("offset").asLong()).isEqualTo(i);
                    assertThat(m.path("data").asInt()).isEqualTo(i);
                }
                publish(pub, "rec.a", 9, 9);
                assertThat(back.nextJson().path("offset").asLong()).isEqualTo(9);
                back.send("{\"type\":\"history\",\"id\":3,\"topic\":\"rec.a\",\"reverse\":true,\"limit\":2}");
                JsonNode page = back.nextJson().path("data");
                assertThat(page.path("first").asLong()).isEqualTo(1);
                assertThat(page.path("items").findValuesAsText("offset")).containsExactly("9", "8");
            }
        }
    }

    @Test
    void noGapAndNoDuplicateAtTheSeamWhileHoppingBetweenNodes() throws Exception {
        int total = 2000;
        AtomicBoolean running = new AtomicBoolean(true);
        CompletableFuture<Void> publisher = CompletableFuture.runAsync(() -> {
            try (WsTestClient pub = WsTestClient.connect(c.webSocketUri())) {
                for (int i = 1; i <= total && running.get(); i += 10) {
                    StringBuilder batch = new StringBuilder();
                    for (int j = i; j < i + 10; j++) {
                        batch.append("{\"type\":\"pub\",\"topic\":\"seam.t\",\"data\":").append(j).append("}\n");
                    }
                    pub.send(batch.toString());
                    // Pacing, not synchronisation: spreads the publications over the hops between nodes.
                    java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
                }
                pub.send("{\"type\":\"ping\",\"id\":1}");
                pub.nextJson(n -> n.path("type").asText().equals("pong"));
            }
        });
        long last = 0;
        String epoch = "";
        int hops = 0;
        try {
            while (last < total) {
                FerryServer node = List.of(a, b, c).get(hops++ % 3);
                try (WsTestClient cl = WsTestClient.connect(node.webSocketUri())) {
                    cl.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"seam.t\",\"since\":{\"offset\":" + last + ",\"epoch\":\"" + epoch + "\"}}");
                    JsonNode result = cl.nextJson();
                    assertThat(result.path("data").path("recovered").asBoolean()).as(result + " after " + last + " " + epoch).isTrue();
                    epoch = result.path("data").path("epoch").asText(epoch);
                    long until = Math.min(total, last + 150);
                    while (last < until) {
                        JsonNode m = cl.nextJson();
                        assertThat(m.path("offset").asLong()).as(m.toString()).isEqualTo(last + 1);
                        last = m.path("offset").asLong();
                        epoch = m.path("epoch").asText();
                    }
                }
            }
        } finally {
            running.set(false);
        }
        publisher.get(60, TimeUnit.SECONDS);
        assertThat(last).isEqualTo(total);
        assertThat(hops).isGreaterThan(3);
    }

    @Test
    void theEpochChangesWhenTheStreamIsDeleted() {
        try (WsTestClient pub = WsTestClient.connect(a.webSocketUri()); WsTestClient s = WsTestClient.connect(b.webSocketUri())) {
            publish(pub, "ep.t", 1, 5);
            s.send("{\"type\":\"history\",\"id\":1,\"topic\":\"ep.t\",\"limit\":1}");
            String epoch = s.nextJson().path("data").path("epoch").asText();
            assertThat(epoch).isNotEmpty();
            cluster.redis.sync().del(cluster.prefix + ":s:{ep.t}");
            s.send("{\"type\":\"sub\",\"id\":2,\"topic\":\"ep.t\",\"since\":{\"offset\":5,\"epoch\":\"" + epoch + "\"}}");
            JsonNode r = s.nextJson().path("data");
            assertThat(r.path("recovered").asBoolean()).isFalse();
            publish(pub, "ep.t", 1, 1);
            JsonNode m = s.nextJson();
            assertThat(m.path("offset").asLong()).isEqualTo(1);
            assertThat(m.path("epoch").asText()).isNotEqualTo(epoch);
        }
    }

    @Test
    void lossyTopicsKeepNoHistoryButStillFanOut() {
        try (WsTestClient pub = WsTestClient.connect(a.webSocketUri()); WsTestClient s = WsTestClient.connect(c.webSocketUri())) {
            sub(s, 1, "ticks.*");
            publish(pub, "ticks.eur", 1, 3);
            for (int i = 1; i <= 3; i++) {
                assertThat(s.nextJson().path("offset").asLong()).isEqualTo(i);
            }
            s.send("{\"type\":\"history\",\"id\":2,\"topic\":\"ticks.eur\"}");
            JsonNode page = s.nextJson().path("data");
            assertThat(page.path("offset").asLong()).isEqualTo(3);
            assertThat(page.path("items").size()).isZero();
            assertThat(cluster.redis.sync().exists(cluster.prefix + ":s:{ticks.eur}")).isZero();
        }
    }

    @Test
    void tagsTravelAcrossNodesIntoFiltersAndHistory() {
        try (WsTestClient pub = WsTestClient.connect(a.webSocketUri());
             WsTestClient east = WsTestClient.connect(b.webSocketUri());
             WsTestClient all = WsTestClient.connect(c.webSocketUri())) {
            east.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"tagged.*\",\"filter\":\"tags.region == 'east'\"}");
            east.nextJson(n -> n.path("id").asInt() == 1);
            sub(all, 1, "tagged.*");
            pub.send("{\"type\":\"pub\",\"topic\":\"tagged.x\",\"data\":1,\"tags\":{\"region\":\"west\"}}\n"
                    + "{\"type\":\"pub\",\"topic\":\"tagged.x\",\"data\":2,\"tags\":{\"region\":\"east\",\"line\":\"a\\nb\"}}\n"
                    + "{\"type\":\"pub\",\"topic\":\"tagged.x\",\"data\":3}\n"
                    + "{\"type\":\"pub\",\"id\":9,\"ack\":true,\"topic\":\"tagged.x\",\"data\":\"\\n\",\"tags\":{\"region\":\"east\"}}");
            pub.nextJson(n -> n.path("id").asInt() == 9);

            JsonNode m = east.nextJson(n -> n.path("type").asText().equals("msg"));
            assertThat(m.path("data").asInt()).isEqualTo(2);
            assertThat(m.path("tags").path("region").asText()).isEqualTo("east");
            assertThat(m.path("tags").path("line").asText()).isEqualTo("a\nb");
            m = east.nextJson(n -> n.path("type").asText().equals("msg"));
            assertThat(m.path("data").asText()).isEqualTo("\n");
            assertThat(m.path("offset").asLong()).isEqualTo(4);

            for (int i = 1; i <= 4; i++) {
                m = all.nextJson(n -> n.path("type").asText().equals("msg"));
                assertThat(m.path("offset").asLong()).isEqualTo(i);
                assertThat(m.has("tags")).isEqualTo(i != 3);
            }

            all.send("{\"type\":\"history\",\"id\":2,\"topic\":\"tagged.x\"}");
            JsonNode items = all.nextJson(n -> n.path("id").asInt() == 2).path("data").path("items");
            assertThat(items.size()).isEqualTo(4);
            assertThat(items.get(0).path("tags").path("region").asText()).isEqualTo("west");
            assertThat(items.get(1).path("tags").path("line").asText()).isEqualTo("a\nb");
            assertThat(items.get(2).has("tags")).isFalse();
            assertThat(items.get(3).path("data").asText()).isEqualTo("\n");

            // recovery from history applies the filter too
            try (WsTestClient late = WsTestClient.connect(b.webSocketUri())) {
                late.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"tagged.x\",\"filter\":\"tags.region == 'east'\","
                        + "\"since\":[{\"topic\":\"tagged.x\",\"offset\":0,\"epoch\":\""
                        + items.get(0).path("epoch").asText(m.path("epoch").asText()) + "\"}]}");
                late.nextJson(n -> n.path("id").asInt() == 1);
                assertThat(late.nextJson(n -> n.path("type").asText().equals("msg")).path("offset").asLong()).isEqualTo(2);
                assertThat(late.nextJson(n -> n.path("type").asText().equals("msg")).path("offset").asLong()).isEqualTo(4);
            }
        }
    }

    @Test
    void readyzReportsTheEngine() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(a.httpUri() + "/readyz")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"status\":\"ready\",\"engine\":\"redis\"}");
    }
}
