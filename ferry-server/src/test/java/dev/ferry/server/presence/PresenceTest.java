package dev.ferry.server.presence;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.config.HttpConfig;
import dev.ferry.server.config.PresenceConfig;
import dev.ferry.server.testing.Await;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.WsTestClient;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Presence on one node: listing by command and HTTP, paging, limits, and the coalesced pushes. */
class PresenceTest {
    static final String KEY = "presence-test-key-0123456789";
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient http = HttpClient.newHttpClient();
    static final AtomicLong ids = new AtomicLong(100);

    static PresenceConfig config() {
        return new PresenceConfig(List.of(
                new PresenceConfig.Rule("a-exempt", "room.secret", false, 10, Duration.ofMillis(100), 64, 50),
                new PresenceConfig.Rule("burst", "burst.*", true, 1000, Duration.ofSeconds(2), 64, 3),
                new PresenceConfig.Rule("rooms", "room.*", true, 50, Duration.ofMillis(100), 64, 50),
                new PresenceConfig.Rule("small", "small.*", true, 2, Duration.ofMillis(100), 64, 50),
                new PresenceConfig.Rule("storm", "storm.*", true, 1000, Duration.ofSeconds(1), 64, 1000)),
                Duration.ofSeconds(15));
    }

    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension(c -> c.withPresence(config())
            .withHttp(new HttpConfig(List.of(KEY), 4096)));

    static long id() {
        return ids.incrementAndGet();
    }

    static JsonNode request(WsTestClient c, String frame) {
        long id = id();
        c.send("{\"id\":" + id + "," + frame.substring(1));
        return c.nextJson(n -> n.path("id").asLong() == id && !n.path("type").asText().equals("presence_diff"));
    }

    static void sub(WsTestClient c, String topic, String extra) {
        JsonNode r = request(c, "{\"type\":\"sub\",\"topic\":\"" + topic + "\"" + extra + "}");
        assertThat(r.path("type").asText()).as(r.toString()).isEqualTo("result");
    }

    static JsonNode query(WsTestClient c, String topic, String extra) {
        JsonNode r = request(c, "{\"type\":\"presence\",\"topic\":\"" + topic + "\"" + extra + "}");
        assertThat(r.path("type").asText()).as(r.toString()).isEqualTo("result");
        return r.path("data");
    }

    static HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(server.http(path)).header("Authorization", "Bearer " + KEY).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Waits until the topic's presence (by command) has {@code n} entries. */
    static JsonNode awaitCount(WsTestClient c, String topic, int n) {
        return Await.value("presence of " + topic + " has " + n + " entries", Await.DEFAULT, () -> query(c, topic, ""),
                page -> page.path("count").asInt() == n);
    }

    @Test
    void joinsAndLeavesAreVisibleByCommandAndHttp() throws Exception {
        try (WsTestClient ana = WsTestClient.connect(server.wsUri()); WsTestClient bob = WsTestClient.connect(server.wsUri())) {
            sub(ana, "room.lobby", ",\"presence\":{\"name\":\"Ana\"}");
            sub(bob, "room.lobby", "");
            JsonNode page = query(bob, "room.lobby", "");
            assertThat(page.path("topic").asText()).isEqualTo("room.lobby");
            assertThat(page.path("count").asInt()).isEqualTo(2);
            assertThat(page.path("next").isNull()).isTrue();
            List<JsonNode> entries = new ArrayList<>();
            page.path("entries").forEach(entries::add);
            assertThat(entries).hasSize(2);
            assertThat(entries).allSatisfy(e -> {
                assertThat(e.path("conn").asText()).isNotEmpty();
                assertThat(e.path("user").isNull()).isTrue();
                assertThat(e.path("joined").asLong()).isPositive();
            });
            assertThat(entries).anySatisfy(e -> assertThat(e.path("info").path("name").asText()).isEqualTo("Ana"));
            assertThat(entries.get(0).path("conn").asText()).isLessThan(entries.get(1).path("conn").asText());

            HttpResponse<String> r = get("/v1/presence/room.lobby");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(r.body())).isEqualTo(page);

            request(ana, "{\"type\":\"unsub\",\"topic\":\"room.lobby\"}");
            JsonNode after = query(bob, "room.lobby", "");
            assertThat(after.path("count").asInt()).isEqualTo(1);
            assertThat(after.path("entries").get(0).has("info")).isFalse();

            sub(ana, "room.lobby", ",\"presence\":{\"name\":\"Ana 2\"}");
            sub(ana, "room.lobby", ",\"presence\":{\"name\":\"Ana 3\"}");
            JsonNode updated = query(bob, "room.lobby", "");
            assertThat(updated.path("count").asInt()).isEqualTo(2);
            assertThat(updated.toString()).contains("Ana 3").doesNotContain("Ana 2");
        }
        try (WsTestClient c = WsTestClient.connect(server.wsUri())) {
            awaitCount(c, "room.lobby", 0);
        }
    }

    @Test
    void pagesWalkEveryEntryOnceInConnectionOrder() throws Exception {
        List<WsTestClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 7; i++) {
                WsTestClient c = WsTestClient.connect(server.wsUri());
                clients.add(c);
                sub(c, "room.paged", ",\"presence\":{\"n\":" + i + "}");
            }
            WsTestClient reader = clients.get(0);
            List<String> seen = new ArrayList<>();
            String cursor = null;
            int pages = 0;
            do {
                JsonNode page = query(reader, "room.paged", ",\"limit\":3" + (cursor == null ? "" : ",\"cursor\":\"" + cursor + "\""));
                assertThat(page.path("count").asInt()).isEqualTo(7);
                page.path("entries").forEach(e -> seen.add(e.path("conn").asText()));
                cursor = page.path("next").isNull() ? null : page.path("next").asText();
                pages++;
            } while (cursor != null);
            assertThat(pages).isEqualTo(3);
            assertThat(seen).hasSize(7).doesNotHaveDuplicates().isSorted();

            List<String> overHttp = new ArrayList<>();
            String next = null;
            do {
                HttpResponse<String> r = get("/v1/presence/room.paged?limit=4" + (next == null ? "" : "&cursor=" + next));
                assertThat(r.statusCode()).isEqualTo(200);
                JsonNode page = JSON.readTree(r.body());
                page.path("entries").forEach(e -> overHttp.add(e.path("conn").asText()));
                next = page.path("next").isNull() ? null : page.path("next").asText();
            } while (next != null);
            assertThat(overHttp).isEqualTo(seen);
            assertThat(get("/v1/presence/room.paged?limit=0").statusCode()).isEqualTo(400);
            assertThat(get("/v1/presence/room.paged?limit=x").statusCode()).isEqualTo(400);
        } finally {
            clients.forEach(WsTestClient::close);
        }
    }

    @Test
    void topicsBeyondMaxEntriesStillSubscribeButAreNotListed() throws Exception {
        try (WsTestClient a = WsTestClient.connect(server.wsUri()); WsTestClient b = WsTestClient.connect(server.wsUri());
             WsTestClient c = WsTestClient.connect(server.wsUri())) {
            sub(a, "small.x", "");
            sub(b, "small.x", "");
            sub(c, "small.x", "");
            assertThat(query(c, "small.x", "").path("count").asInt()).isEqualTo(2);
            request(c, "{\"type\":\"pub\",\"topic\":\"small.x\",\"ack\":true,\"data\":1}");
            assertThat(c.nextJson(n -> n.path("type").asText().equals("msg")).path("data").asInt()).isEqualTo(1);
            // room again: the unlisted connection is listed when it subscribes again
            request(a, "{\"type\":\"unsub\",\"topic\":\"small.x\"}");
            sub(c, "small.x", ",\"presence\":{\"me\":\"c\"}");
            JsonNode page = query(c, "small.x", "");
            assertThat(page.path("count").asInt()).isEqualTo(2);
            assertThat(page.toString()).contains("\"me\":\"c\"");
        }
    }

    @Test
    void badPresenceInputIsRefusedWithBadPresence() throws Exception {
        try (WsTestClient c = WsTestClient.connect(server.wsUri())) {
            Map<String, String> refused = new java.util.LinkedHashMap<>();
            refused.put("{\"type\":\"sub\",\"topic\":\"room.a\",\"presence\":[1]}", "JSON object");
            refused.put("{\"type\":\"sub\",\"topic\":\"room.a\",\"presence\":\"x\"}", "JSON object");
            refused.put("{\"type\":\"sub\",\"topic\":\"room.a\",\"presence\":{\"pad\":\"" + "x".repeat(64) + "\"}}",
                    "max-info-bytes");
            refused.put("{\"type\":\"sub\",\"topic\":\"room.*\",\"presence_events\":true}", "concrete topic");
            refused.put("{\"type\":\"sub\",\"topic\":\"other.a\",\"presence\":{}}", "no presence.rules");
            refused.put("{\"type\":\"sub\",\"topic\":\"room.secret\",\"presence_events\":true}", "no presence.rules");
            refused.put("{\"type\":\"presence\",\"topic\":\"other.a\"}", "no presence.rules");
            for (Map.Entry<String, String> e : refused.entrySet()) {
                JsonNode r = request(c, e.getKey());
                assertThat(r.path("code").asText()).as(e.getKey()).isEqualTo("bad_presence");
                assertThat(r.path("message").asText()).as(e.getKey()).contains(e.getValue());
            }
            assertThat(request(c, "{\"type\":\"presence\",\"topic\":\"room.*\"}").path("code").asText()).isEqualTo("bad_topic");
            assertThat(request(c, "{\"type\":\"sub\",\"topic\":\"room.a\",\"presence_events\":\"yes\"}").path("code").asText())
                    .isEqualTo("bad_frame");
            // exactly at the limit is fine; the refused subscriptions were not made
            sub(c, "room.a", ",\"presence\":{\"pad\":\"" + "x".repeat(54) + "\"}");
            assertThat(query(c, "room.a", "").path("count").asInt()).isEqualTo(1);
            sub(c, "room.*", "");
            assertThat(query(c, "room.b", "").path("count").asInt()).isZero();
            assertThat(request(c, "{\"type\":\"presence\",\"topic\":\"room.secret\"}").path("code").asText())
                    .isEqualTo("bad_presence");
        }
        assertThat(get("/v1/presence/other.a").statusCode()).isEqualTo(404);
        assertThat(get("/v1/presence/room.%2A").statusCode()).isEqualTo(400);
    }

    @Test
    void watchersGetJoinsAndLeavesAsPushes() throws Exception {
        try (WsTestClient watcher = WsTestClient.connect(server.wsUri())) {
            sub(watcher, "room.events", ",\"presence_events\":true");
            JsonNode own = watcher.nextJson(n -> n.path("type").asText().equals("presence_diff"));
            assertThat(own.path("topic").asText()).isEqualTo("room.events");
            assertThat(own.path("joins")).hasSize(1);
            String ana;
            try (WsTestClient a = WsTestClient.connect(server.wsUri())) {
                sub(a, "room.events", ",\"presence\":{\"name\":\"Ana\"}");
                JsonNode join = watcher.nextJson(n -> n.path("type").asText().equals("presence_diff"));
                assertThat(join.path("joins")).hasSize(1);
                assertThat(join.path("leaves")).isEmpty();
                assertThat(join.path("joins").get(0).path("info").path("name").asText()).isEqualTo("Ana");
                ana = join.path("joins").get(0).path("conn").asText();
            }
            JsonNode leave = watcher.nextJson(n -> n.path("type").asText().equals("presence_diff"));
            assertThat(leave.path("joins")).isEmpty();
            assertThat(leave.path("leaves")).hasSize(1);
            assertThat(leave.path("leaves").get(0).path("conn").asText()).isEqualTo(ana);

            // subscribing again without presence_events stops the pushes
            sub(watcher, "room.events", "");
            try (WsTestClient b = WsTestClient.connect(server.wsUri())) {
                sub(b, "room.events", "");
                assertThat(query(b, "room.events", "").path("count").asInt()).isEqualTo(2);
            }
            assertThat(watcher.nothingWithin(Duration.ofMillis(400))).isTrue();
        }
    }

    @Test
    void aReconnectStormBecomesAFewPushesAndTheRightState() throws Exception {
        long started = System.nanoTime();
        try (WsTestClient watcher = WsTestClient.connect(server.wsUri())) {
            sub(watcher, "storm.a", ",\"presence_events\":true");
            Map<String, JsonNode> view = new HashMap<>();
            JsonNode initial = query(watcher, "storm.a", "");
            initial.path("entries").forEach(e -> view.put(e.path("conn").asText(), e));
            for (int i = 0; i < 200; i++) {
                try (WsTestClient c = WsTestClient.connect(server.wsUri())) {
                    sub(c, "storm.a", ",\"presence\":{\"user\":\"flaky\",\"attempt\":" + i + "}");
                }
            }
            WsTestClient last = WsTestClient.connect(server.wsUri());
            try {
                sub(last, "storm.a", ",\"presence\":{\"user\":\"flaky\",\"attempt\":\"final\"}");
                JsonNode expected = awaitCount(last, "storm.a", 2);
                int pushes = 0;
                Map<String, JsonNode> target = new HashMap<>();
                expected.path("entries").forEach(e -> target.put(e.path("conn").asText(), e));
                long deadline = System.nanoTime() + WsTestClient.TIMEOUT.toNanos();
                while (!view.equals(target) && System.nanoTime() < deadline) {
                    JsonNode d = watcher.nextJson(n -> n.path("type").asText().equals("presence_diff"));
                    pushes++;
                    assertThat(d.path("reset").asBoolean()).isFalse();
                    d.path("leaves").forEach(e -> view.remove(e.path("conn").asText()));
                    d.path("joins").forEach(e -> view.put(e.path("conn").asText(), e));
                }
                assertThat(view).isEqualTo(target);
                long windows = (System.nanoTime() - started) / 1_000_000_000L + 2;
                assertThat(pushes).as("pushes for 200 reconnects (400 changes), coalesced per 1 s window")
                        .isLessThanOrEqualTo((int) windows).isLessThan(100);
                HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(server.http("/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(metrics.body()).contains("ferry_presence_pushes_total").contains("ferry_presence_resets_total")
                        .contains("ferry_presence_unlisted_total");
            } finally {
                last.close();
            }
        }
    }

    @Test
    void moreChangesThanMaxDiffInOneWindowBecomeOneReset() throws Exception {
        List<WsTestClient> clients = new ArrayList<>();
        try (WsTestClient watcher = WsTestClient.connect(server.wsUri())) {
            sub(watcher, "burst.a", ",\"presence_events\":true");
            watcher.nextJson(n -> n.path("type").asText().equals("presence_diff"));
            // Connected first, then subscribed one right after the other: the ten joins are one burst, well inside
            // one window of the rule (2 s), however long connecting takes on a busy machine.
            for (int i = 0; i < 10; i++) {
                clients.add(WsTestClient.connect(server.wsUri()));
            }
            for (WsTestClient c : clients) {
                c.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"burst.a\"}");
            }
            for (WsTestClient c : clients) {
                c.nextJson();
            }
            JsonNode d = watcher.nextJson(n -> n.path("type").asText().equals("presence_diff"));
            assertThat(d.path("reset").asBoolean()).as(d.toString()).isTrue();
            assertThat(d.path("joins")).isEmpty();
            assertThat(query(watcher, "burst.a", "").path("count").asInt()).isEqualTo(11);
        } finally {
            clients.forEach(WsTestClient::close);
        }
    }
}
