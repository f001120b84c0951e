package dev.ferry.server.hooks;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.server.config.EventsOutConfig;
import dev.ferry.server.config.PresenceConfig;
import dev.ferry.server.testing.Await;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.ManualClock;
import dev.ferry.server.testing.Prometheus;
import dev.ferry.server.testing.WsTestClient;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Events out ({@code hooks.events.*}, docs/hooks.md "Events out") to the example backend's sink: what a connection
 * does arrives there in batches, a batch the backend refuses is sent again after the backoff, and a queue pushed
 * past its bound drops the oldest events and counts them. Flushes and backoffs wait on a {@link ManualClock}.
 */
class EventsOutTest {
    static final ManualClock clock = new ManualClock();
    static final Duration FLUSH = Duration.ofSeconds(1);
    static final Duration BACKOFF = Duration.ofSeconds(2);
    static final int BATCH = 50;
    static final int QUEUE = 100;

    private static ExampleBackend backend;

    @RegisterExtension
    @Order(1)
    static final BeforeAllCallback startBackend = context -> backend = ExampleBackend.start();

    @AfterAll
    static void stopBackend() throws Exception {
        if (backend != null) {
            backend.close();
        }
    }

    @RegisterExtension
    @Order(2)
    static final FerryServerExtension server = new FerryServerExtension(clock, c -> c
            .withPresence(new PresenceConfig(List.of(new PresenceConfig.Rule("rooms", "room.*", true, 100,
                    Duration.ofMillis(100), 1024, 100)), Duration.ofSeconds(15)))
            .withHooks(c.hooks().withEvents(new EventsOutConfig(URI.create(backend.url("/ferry/events")), Duration.ofSeconds(10),
                    Map.of(), BATCH, FLUSH, QUEUE, Set.copyOf(EventsOutConfig.KINDS), 2, BACKOFF))));

    @BeforeEach
    void clearTheSink() {
        flushAll();
        backend.request("DELETE", "/ferry/events", null);
    }

    /** Advances the clock until the server's queue is empty and no batch is in flight. */
    private static void flushAll() {
        Await.until("the events queue empty", () -> {
            clock.advance(FLUSH);
            return value("ferry_hook_events_queue") == 0;
        });
    }

    private static double value(String series) {
        try {
            return Prometheus.value(Prometheus.scrape(server.port()), series);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static List<JsonNode> kinds(List<JsonNode> events, String conn) {
        return events.stream().filter(e -> conn.equals(e.path("conn").asText())).toList();
    }

    @Test
    void aConnectionsLifeArrivesInOrder() {
        String conn;
        try (WsTestClient c = WsTestClient.connect(server.wsUri())) {
            c.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"news.*\"}");
            assertThat(c.nextJson().path("type").asText()).isEqualTo("result");
            c.send("{\"type\":\"sub\",\"id\":2,\"topic\":\"room.a\",\"presence\":{\"name\":\"ann\"}}");
            assertThat(c.nextJson(j -> j.path("id").asInt() == 2).path("type").asText()).isEqualTo("result");
            c.send("{\"type\":\"unsub\",\"id\":3,\"topic\":\"news.*\"}");
            c.nextJson(j -> j.path("id").asInt() == 3);
            c.send("{\"type\":\"procedures\",\"id\":4}");
            c.nextJson(j -> j.path("id").asInt() == 4);
        }
        // the close is seen on the server's side in its own time
        Await.until("the connection's close at the sink", () -> {
            clock.advance(FLUSH);
            // the presence entry is left on the connection's own loop, possibly after its close is told
            List<JsonNode> got = backend.events();
            return got.stream().anyMatch(e -> e.path("kind").asText().equals("connection_closed"))
                    && got.stream().anyMatch(e -> e.path("kind").asText().equals("presence_left"));
        });
        List<JsonNode> events = backend.events();
        assertThat(events).isNotEmpty();
        conn = events.get(0).path("conn").asText();
        List<String> seen = kinds(events, conn).stream()
                .map(e -> e.path("kind").asText() + (e.has("pattern") ? " " + e.path("pattern").asText() : "")
                        + (e.has("topic") ? " @" + e.path("topic").asText() : ""))
                .toList();
        assertThat(seen).containsSubsequence("connection_opened", "subscribed news.*", "subscribed room.a",
                "unsubscribed news.*", "unsubscribed room.a", "connection_closed");
        assertThat(seen).contains("presence_joined @room.a", "presence_left @room.a");
        JsonNode opened = events.get(0);
        assertThat(opened.path("kind").asText()).isEqualTo("connection_opened");
        assertThat(opened.path("transport").asText()).isEqualTo("ws");
        assertThat(opened.path("address").asText()).startsWith("127.0.0.1:");
        assertThat(opened.path("user").isNull()).isTrue();
        assertThat(opened.path("time").asLong()).isPositive();
        JsonNode batch = backend.request("GET", "/ferry/events", null).path("batches").get(0);
        assertThat(batch.path("node").asText()).matches("[0-9a-f]{8}");
        assertThat(batch.path("batch").asLong()).isPositive();
    }

    @Test
    void aBatchTheBackendRefusesIsSentAgainAfterTheBackoff() {
        backend.request("POST", "/ferry/events/fail", "{\"count\":1}");
        double sentBefore = value("ferry_hook_events_total{outcome=\"sent\"}");
        try (WsTestClient c = WsTestClient.connect(server.wsUri())) {
            c.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"retry.me\"}");
            c.nextJson();
        }
        Await.until("the events queued", () -> value("ferry_hook_events_total{outcome=\"queued\"}") > 0
                && value("ferry_hook_events_queue") >= 3);
        clock.advance(FLUSH); // the first try, refused with 500
        Await.until("the first try refused", () -> backend.request("GET", "/ferry/events", null).path("refused").size() == 1);
        assertThat(backend.events()).isEmpty();
        flushAll(); // the retry after the backoff
        List<JsonNode> events = backend.events();
        assertThat(events).extracting(e -> e.path("kind").asText()).contains("subscribed", "connection_closed");
        JsonNode refused = backend.request("GET", "/ferry/events", null).path("refused").get(0);
        JsonNode took = backend.request("GET", "/ferry/events", null).path("batches").get(0);
        assertThat(took.path("batch").asLong()).isEqualTo(refused.path("batch").asLong());
        assertThat(value("ferry_hook_events_total{outcome=\"sent\"}")).isGreaterThan(sentBefore);
    }

    @Test
    void aQueuePushedPastItsBoundDropsTheOldestAndCountsThem() {
        // the first batch is refused at its try and both retries (hooks.events.max-retries: 2), then dropped
        backend.request("POST", "/ferry/events/fail", "{\"count\":3}");
        double droppedBefore = value("ferry_hook_events_total{outcome=\"dropped\"}");
        double failedBefore = value("ferry_hook_events_total{outcome=\"failed\"}");
        double queuedBefore = value("ferry_hook_events_total{outcome=\"queued\"}");
        try (WsTestClient c = WsTestClient.connect(server.wsUri())) {
            for (int i = 1; i <= 150; i++) {
                c.send("{\"type\":\"sub\",\"id\":" + i + ",\"topic\":\"bound." + i + "\"}");
            }
            c.nextJson(j -> j.path("id").asInt() == 150);
            // 151 events (the opening and 150 subscriptions): the first batch of 50 goes (and is refused, then
            // retried), the rest wait in a queue of 100 with the batch in flight
            Await.until("the queue at its bound", () -> value("ferry_hook_events_queue") == QUEUE);
            assertThat(value("ferry_hook_events_total{outcome=\"dropped\"}") - droppedBefore)
                    .as("queued %s", value("ferry_hook_events_total{outcome=\"queued\"}") - queuedBefore).isEqualTo(51);
        }
        flushAll();
        assertThat(value("ferry_hook_events_total{outcome=\"failed\"}") - failedBefore).isEqualTo(BATCH);
        assertThat(backend.request("GET", "/ferry/events", null).path("refused").size()).isEqualTo(3);
        // what was kept arrives after the failed batch: the newest events, the connection's close last
        List<JsonNode> kept = backend.events();
        assertThat(kept.get(kept.size() - 1).path("kind").asText()).isEqualTo("connection_closed");
    }
}
