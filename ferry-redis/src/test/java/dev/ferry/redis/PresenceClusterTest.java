package dev.ferry.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.FerryServer;
import dev.ferry.server.config.EngineConfig;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.config.HttpConfig;
import dev.ferry.server.config.PresenceConfig;
import dev.ferry.server.testing.WsTestClient;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Presence over Redis: every node sees (and hears of) the entries of all, and a dead node's entries expire. */
class PresenceClusterTest {
    static final String KEY = "presence-cluster-key-0123456789";
    static final ObjectMapper JSON = new ObjectMapper();

    private RedisCluster cluster;
    private Process crashed;

    static PresenceConfig presence(Duration expiry) {
        return new PresenceConfig(List.of(
                new PresenceConfig.Rule("rooms", "room.*", true, 1000, Duration.ofMillis(100), 1024, 100),
                new PresenceConfig.Rule("storms", "storm.*", true, 1000, Duration.ofSeconds(1), 1024, 1000)), expiry);
    }

    /** The Redis section of a node of the cluster under {@code prefix}. */
    static RedisConfig redis(String prefix) {
        return RedisConfig.DEFAULT.withUri(RedisCluster.URI).withPrefix(prefix);
    }

    static FerryConfig nodeConfig(String prefix, Duration expiry) {
        return FerryConfig.DEFAULT
                .withEngine(EngineConfig.DEFAULT.withEngine("redis"))
                .withPresence(presence(expiry))
                .withHttp(new HttpConfig(List.of(KEY), 4096));
    }

    @AfterEach
    void stop() {
        if (crashed != null) {
            crashed.destroyForcibly();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private FerryServer start() {
        return cluster.start(nodeConfig(cluster.prefix, Duration.ofSeconds(2)));
    }

    static JsonNode query(WsTestClient c, String topic, String extra) {
        c.send("{\"type\":\"presence\",\"id\":99,\"topic\":\"" + topic + "\"" + extra + "}");
        JsonNode r = c.nextJson(n -> n.path("id").asLong() == 99);
        assertThat(r.path("type").asText()).as(r.toString()).isEqualTo("result");
        return r.path("data");
    }

    static JsonNode nextDiff(WsTestClient c) {
        return c.nextJson(n -> n.path("type").asText().equals("presence_diff"));
    }

    @Test
    void nodesSeeAndHearEachOthersEntries() throws Exception {
        cluster = new RedisCluster();
        FerryServer a = start();
        FerryServer b = start();
        try (WsTestClient watcher = WsTestClient.connect(b.webSocketUri())) {
            watcher.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"room.x\",\"presence_events\":true}");
            assertThat(watcher.nextJson(n -> n.path("id").asLong() == 1).path("type").asText()).isEqualTo("result");
            assertThat(nextDiff(watcher).path("joins")).hasSize(1); // its own
            String anaConn;
            try (WsTestClient ana = WsTestClient.connect(a.webSocketUri())) {
                ana.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"room.x\",\"presence\":{\"name\":\"Ana\"}}");
                assertThat(ana.nextJson().path("type").asText()).isEqualTo("result");
                // the entry is stored before the sub is answered: every node sees it now
                JsonNode page = query(watcher, "room.x", "");
                assertThat(page.path("count").asInt()).isEqualTo(2);
                assertThat(page.toString()).contains("\"name\":\"Ana\"");
                JsonNode join = nextDiff(watcher);
                assertThat(join.path("joins")).hasSize(1);
                anaConn = join.path("joins").get(0).path("conn").asText();
                assertThat(join.path("joins").get(0).path("info").path("name").asText()).isEqualTo("Ana");

                HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(a.httpUri() + "/v1/presence/room.x?limit=1")).header("Authorization", "Bearer " + KEY)
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
                JsonNode first = JSON.readTree(r.body());
                assertThat(first.path("count").asInt()).isEqualTo(2);
                assertThat(first.path("entries")).hasSize(1);
                JsonNode second = query(ana, "room.x", ",\"limit\":1,\"cursor\":\"" + first.path("next").asText() + "\"");
                assertThat(second.path("entries")).hasSize(1);
                assertThat(second.path("next").isNull()).isTrue();
                assertThat(second.path("entries").get(0).path("conn").asText())
                        .isGreaterThan(first.path("entries").get(0).path("conn").asText());
            }
            JsonNode leave = nextDiff(watcher);
            assertThat(leave.path("leaves")).hasSize(1);
            assertThat(leave.path("leaves").get(0).path("conn").asText()).isEqualTo(anaConn);
            assertThat(query(watcher, "room.x", "").path("count").asInt()).isEqualTo(1);
        }
    }

    @Test
    void aReconnectStormOnOneNodeIsAFewPushesOnAnother() throws Exception {
        long started = System.nanoTime();
        cluster = new RedisCluster();
        FerryServer a = start();
        FerryServer b = start();
        try (WsTestClient watcher = WsTestClient.connect(b.webSocketUri())) {
            watcher.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"storm.x\",\"presence_events\":true}");
            watcher.nextJson(n -> n.path("id").asLong() == 1);
            java.util.Map<String, JsonNode> view = new java.util.HashMap<>();
            nextDiff(watcher).path("joins").forEach(e -> view.put(e.path("conn").asText(), e));
            for (int i = 0; i < 100; i++) {
                try (WsTestClient c = WsTestClient.connect(a.webSocketUri())) {
                    c.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"storm.x\",\"presence\":{\"attempt\":" + i + "}}");
                    c.nextJson();
                }
            }
            try (WsTestClient last = WsTestClient.connect(a.webSocketUri())) {
                last.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"storm.x\",\"presence\":{\"attempt\":\"last\"}}");
                last.nextJson();
                int pushes = 0;
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (System.nanoTime() < deadline
                        && !(view.size() == 2 && view.toString().contains("\"attempt\":\"last\""))) {
                    JsonNode d = nextDiff(watcher);
                    pushes++;
                    d.path("leaves").forEach(e -> view.remove(e.path("conn").asText()));
                    d.path("joins").forEach(e -> view.put(e.path("conn").asText(), e));
                }
                assertThat(view).hasSize(2);
                assertThat(view.toString()).contains("\"attempt\":\"last\"");
                long windows = (System.nanoTime() - started) / 1_000_000_000L + 2;
                assertThat(pushes).as("pushes for 100 reconnects on another node (coalesced per 1 s window)")
                        .isLessThanOrEqualTo((int) windows).isLessThan(50);
                JsonNode page = query(watcher, "storm.x", "");
                assertThat(page.path("count").asInt()).isEqualTo(2);
            }
        }
    }

    @Test
    void theEntriesOfAKilledNodeExpireWithLeaves() throws Exception {
        cluster = new RedisCluster();
        FerryServer survivor = start();
        URI doomed = startProcess();
        try (WsTestClient watcher = WsTestClient.connect(survivor.webSocketUri());
             WsTestClient victim = WsTestClient.connect(doomed)) {
            watcher.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"room.y\",\"presence_events\":true}");
            watcher.nextJson(n -> n.path("id").asLong() == 1);
            victim.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"room.y\",\"presence\":{\"doomed\":true}}");
            assertThat(victim.nextJson().path("type").asText()).isEqualTo("result");
            List<String> joined = new ArrayList<>();
            while (joined.size() < 2) { // its own join and the victim's (queries would skip pushes: none before)
                nextDiff(watcher).path("joins").forEach(e -> joined.add(e.path("conn").asText()));
            }
            assertThat(query(watcher, "room.y", "").path("count").asInt()).isEqualTo(2);
            long killedAt = System.nanoTime();
            crashed.destroyForcibly().waitFor();
            JsonNode leave = nextDiff(watcher);
            assertThat(leave.path("leaves")).hasSize(1);
            assertThat(leave.path("leaves").get(0).path("info").path("doomed").asBoolean()).isTrue();
            long ms = (System.nanoTime() - killedAt) / 1_000_000;
            assertThat(ms).as("ms until the leave").isLessThan(2_000 + 700 + 1_000);
            assertThat(query(watcher, "room.y", "").path("count").asInt()).isEqualTo(1);
        }
    }

    private URI startProcess() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        crashed = new ProcessBuilder(java, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                PresenceNodeMain.class.getName(), cluster.prefix).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(crashed.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null) {
            if (line.startsWith("PORT ")) {
                Thread drain = new Thread(() -> out.lines().forEach(l -> { }), "presence-node-output");
                drain.setDaemon(true);
                drain.start();
                return URI.create("ws://127.0.0.1:" + line.substring(5).trim() + "/v1/ws");
            }
        }
        throw new AssertionError("the node did not start");
    }
}
