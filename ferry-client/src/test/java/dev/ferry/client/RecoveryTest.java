package dev.ferry.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.config.HistoryConfig;
import dev.ferry.server.testing.FerryServerExtension;
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

/** The client recovers what it missed while its network was down, from the server's history, exactly once. */
class RecoveryTest {
    static final long TIMEOUT_S = 30;

    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension(c -> c.withHistory(
            new HistoryConfig(20, Duration.ofMinutes(5), 20, List.of())));

    /** Connection events, to wait for the disconnect before publishing what the client must miss. */
    static final class Events implements ConnectionListener {
        final BlockingQueue<String> log = new LinkedBlockingQueue<>();

        @Override
        public void onConnected(boolean reconnect) {
            log.add(reconnect ? "reconnected" : "connected");
        }

        @Override
        public void onDisconnected(int closeCode, String reason, boolean willReconnect) {
            log.add("disconnected");
        }

        @Override
        public void onNotRecovered(String topic, String epoch, long offset) {
            log.add("not-recovered " + topic + " " + offset);
        }

        void await(String prefix) throws InterruptedException {
            while (true) {
                String e = log.poll(TIMEOUT_S, TimeUnit.SECONDS);
                assertThat(e).as("waiting for " + prefix).isNotNull();
                if (e.startsWith(prefix)) {
                    return;
                }
            }
        }
    }

    private static List<String> take(BlockingQueue<Message> q, int n) throws InterruptedException {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Message m = q.poll(TIMEOUT_S, TimeUnit.SECONDS);
            assertThat(m).as("message " + (i + 1) + " of " + n).isNotNull();
            out.add(m.topic() + ":" + m.offset());
        }
        return out;
    }

    @Test
    void missedPublicationsAreReplayedOnceAfterANetworkCut() throws Exception {
        try (TcpRelay relay = new TcpRelay(server.port());
             FerryClient publisher = FerryClient.connect(server.wsUri())) {
            Events events = new Events();
            FerryClient c = FerryClient.builder()
                    .uri(URI.create("ws://127.0.0.1:" + relay.port() + "/v1/ws"))
                    .backoff(Duration.ofMillis(50), Duration.ofMillis(200))
                    .listener(events)
                    .build().connect();
            try {
                events.await("connected");
                BlockingQueue<Message> got = new LinkedBlockingQueue<>();
                c.subscribe("cut.exact", got::add).get(TIMEOUT_S, TimeUnit.SECONDS);
                c.subscribe("cutp.*", got::add).get(TIMEOUT_S, TimeUnit.SECONDS);
                for (int i = 1; i <= 3; i++) {
                    publisher.publishAck("cut.exact", i).get(TIMEOUT_S, TimeUnit.SECONDS);
                    publisher.publishAck("cutp.a", i).get(TIMEOUT_S, TimeUnit.SECONDS);
                }
                assertThat(take(got, 6)).containsExactly("cut.exact:1", "cutp.a:1", "cut.exact:2", "cutp.a:2",
                        "cut.exact:3", "cutp.a:3");

                relay.block();
                relay.cutAll();
                events.await("disconnected");
                for (int i = 4; i <= 8; i++) {
                    publisher.publishAck("cut.exact", i).get(TIMEOUT_S, TimeUnit.SECONDS);
                    publisher.publishAck("cutp.a", i).get(TIMEOUT_S, TimeUnit.SECONDS);
                }
                relay.unblock();
                events.await("reconnected");
                publisher.publishAck("cut.exact", 9).get(TIMEOUT_S, TimeUnit.SECONDS);

                List<String> after = take(got, 11);
                assertThat(after.stream().filter(s -> s.startsWith("cut.exact:")))
                        .containsExactly("cut.exact:4", "cut.exact:5", "cut.exact:6", "cut.exact:7", "cut.exact:8", "cut.exact:9");
                assertThat(after.stream().filter(s -> s.startsWith("cutp.a:")))
                        .containsExactly("cutp.a:4", "cutp.a:5", "cutp.a:6", "cutp.a:7", "cutp.a:8");
                assertThat(got.poll(200, TimeUnit.MILLISECONDS)).as("no duplicate").isNull();
            } finally {
                c.close();
            }
        }
    }

    @Test
    void aGapBeyondHistoryIsReported() throws Exception {
        try (TcpRelay relay = new TcpRelay(server.port());
             FerryClient publisher = FerryClient.connect(server.wsUri())) {
            Events events = new Events();
            FerryClient c = FerryClient.builder()
                    .uri(URI.create("ws://127.0.0.1:" + relay.port() + "/v1/ws"))
                    .backoff(Duration.ofMillis(50), Duration.ofMillis(200))
                    .listener(events)
                    .build().connect();
            try {
                BlockingQueue<Message> got = new LinkedBlockingQueue<>();
                c.subscribe("gap.t", got::add).get(TIMEOUT_S, TimeUnit.SECONDS);
                publisher.publishAck("gap.t", 0).get(TIMEOUT_S, TimeUnit.SECONDS);
                assertThat(take(got, 1)).containsExactly("gap.t:1");
                relay.block();
                relay.cutAll();
                events.await("disconnected");
                for (int i = 2; i <= 40; i++) { // history keeps 20: 2..20 are gone
                    publisher.publishAck("gap.t", i).get(TIMEOUT_S, TimeUnit.SECONDS);
                }
                relay.unblock();
                events.await("not-recovered gap.t 40");
                publisher.publishAck("gap.t", 41).get(TIMEOUT_S, TimeUnit.SECONDS);
                assertThat(take(got, 1)).containsExactly("gap.t:41");
            } finally {
                c.close();
            }
        }
    }

    @Test
    void aGracefulRestartChangesTheEpochAndTheClientIsTold() throws Exception {
        dev.ferry.server.FerryServer first = dev.ferry.server.FerryServer.builder().host("127.0.0.1").port(0).build();
        int port = first.start();
        Events events = new Events();
        FerryClient c = FerryClient.builder().uri(URI.create("ws://127.0.0.1:" + port + "/v1/ws"))
                .backoff(Duration.ofMillis(50), Duration.ofMillis(200)).listener(events).build().connect();
        dev.ferry.server.FerryServer second = null;
        try {
            BlockingQueue<Message> got = new LinkedBlockingQueue<>();
            c.subscribe("restart.t", got::add).get(TIMEOUT_S, TimeUnit.SECONDS);
            try (FerryClient p = FerryClient.connect(first.webSocketUri())) {
                p.publishAck("restart.t", 1).get(TIMEOUT_S, TimeUnit.SECONDS);
                p.publishAck("restart.t", 2).get(TIMEOUT_S, TimeUnit.SECONDS);
            }
            assertThat(take(got, 2)).containsExactly("restart.t:1", "restart.t:2");
            first.close(); // graceful: goaway, then 1001; the in-memory history goes with the process
            events.await("disconnected");
            second = dev.ferry.server.FerryServer.builder().host("127.0.0.1").port(port).build();
            second.start();
            try (FerryClient p = FerryClient.connect(second.webSocketUri())) {
                p.publishAck("restart.t", "after").get(TIMEOUT_S, TimeUnit.SECONDS);
            }
            // The client comes back with {offset 2, old epoch}: the new server cannot recover it and says so.
            events.await("not-recovered restart.t");
            try (FerryClient p = FerryClient.connect(second.webSocketUri())) {
                p.publishAck("restart.t", "live").get(TIMEOUT_S, TimeUnit.SECONDS);
            }
            // "after" arrives too when the client was back before it was published; nothing of the old epoch does.
            Message live = got.poll(TIMEOUT_S, TimeUnit.SECONDS);
            while (live != null && live.data().asText().equals("after")) {
                live = got.poll(TIMEOUT_S, TimeUnit.SECONDS);
            }
            assertThat(live).isNotNull();
            assertThat(live.data().asText()).isEqualTo("live");
            assertThat(live.offset()).isEqualTo(2); // a new epoch: offsets start again
        } finally {
            c.close();
            first.close();
            if (second != null) {
                second.close();
            }
        }
    }
}
