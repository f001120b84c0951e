package dev.ferry.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.config.SessionConfig;
import dev.ferry.server.config.WebSocketConfig;
import dev.ferry.server.testing.Await;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.ManualClock;
import dev.ferry.server.testing.TcpRelay;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The client keeps its session token and resumes its session after a network cut (docs/protocol.md §4.5). */
class DurableSessionTest {
    static final long TIMEOUT_S = 30;

    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension();
    /** session.ttl of {@link #shortSessions}: shorter than the history ttl (5 minutes), which runs on the same clock. */
    static final Duration SHORT_TTL = Duration.ofMinutes(1);
    /** The time of {@link #shortSessions}: it moves only when a test advances it. */
    static final ManualClock SHORT_SESSIONS_CLOCK = new ManualClock();
    @RegisterExtension
    static final FerryServerExtension shortSessions = new FerryServerExtension(SHORT_SESSIONS_CLOCK, c -> c.withSession(
            new SessionConfig(SHORT_TTL, null, "ferry_session"))
            // heartbeats and idle timeout far beyond the ttl: advancing the clock past the ttl must not also pass
            // the idle timeout of the publisher's connection, which answers pings only in real time
            .withWebSocket(new WebSocketConfig(1 << 20, Duration.ofSeconds(10), Duration.ofHours(1),
                    Duration.ofHours(2), 1000, 4 << 20)));

    private static List<String> take(BlockingQueue<Message> q, int n) throws InterruptedException {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Message m = q.poll(TIMEOUT_S, TimeUnit.SECONDS);
            assertThat(m).as("message " + (i + 1) + " of " + n).isNotNull();
            out.add(m.topic() + ":" + m.offset());
        }
        return out;
    }

    private static FerryClient client(TcpRelay relay, RecoveryTest.Events events) {
        return FerryClient.builder()
                .uri(URI.create("ws://127.0.0.1:" + relay.port() + "/v1/ws"))
                .backoff(Duration.ofMillis(50), Duration.ofMillis(200))
                .listener(events)
                .build().connect();
    }

    @Test
    void durableSubscriptionIsResumedAcrossANetworkCutWithNothingLostOrDuplicated() throws Exception {
        try (TcpRelay relay = new TcpRelay(server.port());
             FerryClient publisher = FerryClient.connect(server.wsUri())) {
            RecoveryTest.Events events = new RecoveryTest.Events();
            FerryClient c = client(relay, events);
            try {
                events.await("connected");
                String token = c.sessionToken().orElseThrow();
                BlockingQueue<Message> got = new LinkedBlockingQueue<>();
                c.subscribeDurable("keep.a", got::add).get(TIMEOUT_S, TimeUnit.SECONDS);
                c.subscribeDurable("keepp.*", got::add).get(TIMEOUT_S, TimeUnit.SECONDS);
                for (int i = 1; i <= 3; i++) {
                    publisher.publishAck("keep.a", i).get(TIMEOUT_S, TimeUnit.SECONDS);
                    publisher.publishAck("keepp.x", i).get(TIMEOUT_S, TimeUnit.SECONDS);
                }
                assertThat(take(got, 6)).containsExactly("keep.a:1", "keepp.x:1", "keep.a:2", "keepp.x:2",
                        "keep.a:3", "keepp.x:3");

                relay.block();
                relay.cutAll();
                events.await("disconnected");
                for (int i = 4; i <= 8; i++) {
                    publisher.publishAck("keep.a", i).get(TIMEOUT_S, TimeUnit.SECONDS);
                    publisher.publishAck("keepp.x", i).get(TIMEOUT_S, TimeUnit.SECONDS);
                }
                relay.unblock();
                events.await("reconnected");
                assertThat(c.sessionToken()).contains(token); // the same session, resumed
                publisher.publishAck("keep.a", 9).get(TIMEOUT_S, TimeUnit.SECONDS);

                List<String> after = take(got, 11);
                assertThat(after.stream().filter(s -> s.startsWith("keep.a:")))
                        .containsExactly("keep.a:4", "keep.a:5", "keep.a:6", "keep.a:7", "keep.a:8", "keep.a:9");
                assertThat(after.stream().filter(s -> s.startsWith("keepp.x:")))
                        .containsExactly("keepp.x:4", "keepp.x:5", "keepp.x:6", "keepp.x:7", "keepp.x:8");
                assertThat(got.poll(200, TimeUnit.MILLISECONDS)).as("no duplicate").isNull();
            } finally {
                c.close();
            }
        }
    }

    @Test
    void anExpiredSessionFallsBackToTheClientsOwnPositions() throws Exception {
        try (TcpRelay relay = new TcpRelay(shortSessions.port());
             FerryClient publisher = FerryClient.connect(shortSessions.wsUri())) {
            RecoveryTest.Events events = new RecoveryTest.Events();
            FerryClient c = client(relay, events);
            try {
                events.await("connected");
                String token = c.sessionToken().orElseThrow();
                BlockingQueue<Message> got = new LinkedBlockingQueue<>();
                c.subscribeDurable("lapse.a", got::add).get(TIMEOUT_S, TimeUnit.SECONDS);
                publisher.publishAck("lapse.a", 1).get(TIMEOUT_S, TimeUnit.SECONDS);
                assertThat(take(got, 1)).containsExactly("lapse.a:1");
                relay.block();
                relay.cutAll();
                events.await("disconnected");
                publisher.publishAck("lapse.a", 2).get(TIMEOUT_S, TimeUnit.SECONDS);
                publisher.publishAck("lapse.a", 3).get(TIMEOUT_S, TimeUnit.SECONDS);
                // The session outlives its ttl while the client is cut off.
                Await.until("the server lets the cut connection go",
                        () -> shortSessions.server().metrics().openSessions() == 1);
                SHORT_SESSIONS_CLOCK.advance(SHORT_TTL.plusSeconds(1));
                relay.unblock();
                events.await("reconnected");
                assertThat(c.sessionToken().orElseThrow()).isNotEqualTo(token); // a new session
                publisher.publishAck("lapse.a", 4).get(TIMEOUT_S, TimeUnit.SECONDS);
                assertThat(take(got, 3)).containsExactly("lapse.a:2", "lapse.a:3", "lapse.a:4");
                assertThat(got.poll(200, TimeUnit.MILLISECONDS)).as("no duplicate").isNull();
            } finally {
                c.close();
            }
        }
    }
}
