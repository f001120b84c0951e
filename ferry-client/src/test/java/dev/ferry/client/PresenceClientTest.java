package dev.ferry.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.server.config.PresenceConfig;
import dev.ferry.server.testing.Await;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.TcpRelay;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Java client's presence: the query, paging, listeners of joins and leaves, and a reset after a reconnect. */
class PresenceClientTest {
    static final long TIMEOUT_S = 30;

    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension(c -> c.withPresence(new PresenceConfig(List.of(
            new PresenceConfig.Rule("rooms", "room.*", true, 1000, Duration.ofMillis(100), 256, 100)), Duration.ofSeconds(15))));

    static Presence.Diff next(BlockingQueue<Presence.Diff> q) throws InterruptedException {
        Presence.Diff d = q.poll(TIMEOUT_S, TimeUnit.SECONDS);
        assertThat(d).as("a presence diff within " + TIMEOUT_S + " s").isNotNull();
        return d;
    }

    @Test
    void listenersHearJoinsAndLeavesAndQueriesPage() throws Exception {
        BlockingQueue<Presence.Diff> diffs = new LinkedBlockingQueue<>();
        try (FerryClient ana = FerryClient.connect(server.wsUri())) {
            ana.subscribe("room.java", m -> { }, Map.of("name", "Ana"), diffs::add).get(TIMEOUT_S, TimeUnit.SECONDS);
            Presence.Diff own = next(diffs);
            assertThat(own.joins()).singleElement().satisfies(e -> {
                assertThat(e.info().path("name").asText()).isEqualTo("Ana");
                assertThat(e.user()).isNull();
            });
            String bobConn;
            try (FerryClient bob = FerryClient.connect(server.wsUri())) {
                bob.subscribe("room.java", m -> { }, null, null).get(TIMEOUT_S, TimeUnit.SECONDS);
                Presence.Diff join = next(diffs);
                assertThat(join.joins()).hasSize(1);
                assertThat(join.leaves()).isEmpty();
                bobConn = join.joins().get(0).conn();
                assertThat(join.joins().get(0).info()).isNull();

                Presence.Page page = bob.presence("room.java").get(TIMEOUT_S, TimeUnit.SECONDS);
                assertThat(page.count()).isEqualTo(2);
                assertThat(page.next()).isNull();
                assertThat(page.entries()).extracting(Presence.Entry::conn).contains(bobConn, own.joins().get(0).conn());

                Presence.Page first = bob.presence("room.java", null, 1).get(TIMEOUT_S, TimeUnit.SECONDS);
                assertThat(first.entries()).hasSize(1);
                Presence.Page second = bob.presence("room.java", first.next(), 1).get(TIMEOUT_S, TimeUnit.SECONDS);
                assertThat(second.entries()).hasSize(1);
                assertThat(second.next()).isNull();
                assertThat(List.of(first.entries().get(0), second.entries().get(0))).isEqualTo(page.entries());
            }
            Presence.Diff leave = next(diffs);
            assertThat(leave.leaves()).extracting(Presence.Entry::conn).containsExactly(bobConn);
        }
    }

    @Test
    void refusedPresenceFailsTheSubscription() {
        try (FerryClient c = FerryClient.connect(server.wsUri())) {
            assertThatThrownBy(() -> c.subscribe("elsewhere.x", m -> { }, Map.of("a", 1), null).get(TIMEOUT_S, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(FerryException.class)
                    .cause().satisfies(e -> assertThat(((FerryException) e).code()).isEqualTo("bad_presence"));
            assertThatThrownBy(() -> c.subscribe("room.x", m -> { }, List.of(1, 2), null).get(TIMEOUT_S, TimeUnit.SECONDS))
                    .cause().satisfies(e -> assertThat(((FerryException) e).code()).isEqualTo("bad_presence"));
            assertThatThrownBy(() -> c.presence("elsewhere.x").get(TIMEOUT_S, TimeUnit.SECONDS))
                    .cause().satisfies(e -> assertThat(((FerryException) e).code()).isEqualTo("bad_presence"));
        }
    }

    @Test
    void aDurableTopicRestoredByItsSessionGetsItsPresenceBack() throws Exception {
        BlockingQueue<Presence.Diff> diffs = new LinkedBlockingQueue<>();
        try (TcpRelay relay = new TcpRelay(server.port());
             FerryClient c = FerryClient.builder().uri(URI.create("ws://127.0.0.1:" + relay.port() + "/v1/ws"))
                     .backoff(Duration.ofMillis(50), Duration.ofMillis(200)).build().connect();
             FerryClient observer = FerryClient.connect(server.wsUri())) {
            c.subscribeDurable("room.durable", m -> { }).get(TIMEOUT_S, TimeUnit.SECONDS);
            c.subscribe("room.durable", m -> { }, Map.of("name", "D"), diffs::add).get(TIMEOUT_S, TimeUnit.SECONDS);
            String before = next(diffs).joins().get(0).conn();
            relay.cutAll();
            List<Presence.Entry> now = Await.value("the reconnected client is present again", Await.DEFAULT,
                    () -> observer.presence("room.durable").get(TIMEOUT_S, TimeUnit.SECONDS).entries(),
                    e -> e.size() == 1 && !e.get(0).conn().equals(before) && e.get(0).info() != null);
            assertThat(now).singleElement().satisfies(e -> {
                assertThat(e.conn()).isNotEqualTo(before);
                assertThat(e.info().path("name").asText()).isEqualTo("D");
            });
            Presence.Diff reset = next(diffs);
            while (!reset.reset()) {
                reset = next(diffs);
            }
        }
    }

    @Test
    void afterAReconnectTheListenerIsResetAndTheInfoIsSentAgain() throws Exception {
        BlockingQueue<Presence.Diff> diffs = new LinkedBlockingQueue<>();
        try (TcpRelay relay = new TcpRelay(server.port());
             FerryClient watcher = FerryClient.builder().uri(URI.create("ws://127.0.0.1:" + relay.port() + "/v1/ws"))
                     .backoff(Duration.ofMillis(50), Duration.ofMillis(200)).build().connect();
             FerryClient observer = FerryClient.connect(server.wsUri())) {
            watcher.subscribe("room.cut", m -> { }, Map.of("name", "W"), diffs::add).get(TIMEOUT_S, TimeUnit.SECONDS);
            String before = next(diffs).joins().get(0).conn();
            relay.cutAll();
            Map<String, Presence.Entry> view = new HashMap<>();
            boolean reset = false;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
            while (System.nanoTime() < deadline && (!reset || view.isEmpty())) {
                Presence.Diff d = next(diffs);
                if (d.reset()) {
                    reset = true;
                    view.clear();
                    watcher.presence("room.cut").get(TIMEOUT_S, TimeUnit.SECONDS).entries().forEach(e -> view.put(e.conn(), e));
                } else {
                    d.leaves().forEach(e -> view.remove(e.conn()));
                    d.joins().forEach(e -> view.put(e.conn(), e));
                }
            }
            assertThat(reset).isTrue();
            List<Presence.Entry> now = new ArrayList<>(observer.presence("room.cut").get(TIMEOUT_S, TimeUnit.SECONDS).entries());
            assertThat(now).singleElement().satisfies(e -> {
                assertThat(e.conn()).isNotEqualTo(before);
                assertThat(e.info().path("name").asText()).isEqualTo("W");
            });
        }
    }
}
