package dev.ferry.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.server.FerryServer;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Servers that go away and come back on the same port; each test runs its own. */
class ReconnectTest {
    static final long TIMEOUT_S = 30;

    private final List<FerryServer> servers = new CopyOnWriteArrayList<>();
    private final List<FerryClient> clients = new CopyOnWriteArrayList<>();

    @AfterEach
    void cleanUp() {
        clients.forEach(FerryClient::close);
        servers.forEach(FerryServer::close);
    }

    private FerryServer startServer(int port) {
        FerryServer s = FerryServer.builder().host("127.0.0.1").port(port).build();
        servers.add(s);
        s.start();
        return s;
    }

    private FerryClient client(FerryClient.Builder b) {
        FerryClient c = b.build();
        clients.add(c);
        return c.connect();
    }

    /** Records connection events and lets tests wait for them. */
    static final class Events implements ConnectionListener {
        final BlockingQueue<String> log = new LinkedBlockingQueue<>();

        @Override
        public void onConnected(boolean reconnect) {
            log.add(reconnect ? "reconnected" : "connected");
        }

        @Override
        public void onDisconnected(int closeCode, String reason, boolean willReconnect) {
            log.add("disconnected " + closeCode + (willReconnect ? " will-reconnect" : " final"));
        }

        @Override
        public void onReconnectFailed(Throwable cause) {
            log.add("reconnect-failed");
        }

        /** Waits for the next event other than failed reconnect attempts. */
        String next() throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
            while (System.nanoTime() < deadline) {
                String e = log.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (e != null && !e.equals("reconnect-failed")) {
                    return e;
                }
            }
            throw new AssertionError("no connection event within " + TIMEOUT_S + " s");
        }
    }

    @Test
    void restoresSubscriptionsAndRegistrationsAfterTheServerRestarts() throws Exception {
        FerryServer first = startServer(0);
        int port = first.port();
        URI uri = first.webSocketUri();
        Events events = new Events();
        FerryClient client = client(FerryClient.builder().uri(uri).backoff(Duration.ofMillis(20), Duration.ofMillis(200))
                .listener(events));
        assertThat(events.next()).isEqualTo("connected");
        BlockingQueue<Message> inbox = new LinkedBlockingQueue<>();
        client.subscribe("news.#", inbox::add).get(TIMEOUT_S, TimeUnit.SECONDS);
        client.register("echo", args -> args).get(TIMEOUT_S, TimeUnit.SECONDS);

        first.close(); // goaway, then close 1001
        assertThat(events.next()).isEqualTo("disconnected 1001 will-reconnect");
        assertThat(client.state()).isIn(FerryClient.State.RECONNECTING, FerryClient.State.CONNECTED);

        startServer(port);
        assertThat(events.next()).isEqualTo("reconnected");
        assertThat(client.isConnected()).isTrue();

        FerryClient other = client(FerryClient.builder().uri(uri).reconnect(false));
        other.publishAck("news.today", "back").get(TIMEOUT_S, TimeUnit.SECONDS);
        Message m = inbox.poll(TIMEOUT_S, TimeUnit.SECONDS);
        assertThat(m).isNotNull();
        assertThat(m.data().asText()).isEqualTo("back");
        JsonNode echoed = other.call("echo", "ping", Duration.ofSeconds(5)).get(TIMEOUT_S, TimeUnit.SECONDS);
        assertThat(echoed.asText()).isEqualTo("ping");
    }

    @Test
    void commandsInFlightFailWhenTheConnectionDrops() throws Exception {
        FerryServer server = startServer(0);
        FerryClient client = client(FerryClient.builder().uri(server.webSocketUri()).reconnect(false));
        CountDownLatch invoked = new CountDownLatch(1);
        client.register("hang", args -> {
            invoked.countDown();
            return new CompletableFuture<>();
        }).get(TIMEOUT_S, TimeUnit.SECONDS);
        // Calling itself: when the connection goes, nobody is left to be told callee_gone.
        CompletableFuture<JsonNode> call = client.call("hang", null, Duration.ofSeconds(60));
        assertThat(invoked.await(TIMEOUT_S, TimeUnit.SECONDS)).isTrue();

        server.close();

        Throwable t = catchThrowable(() -> call.get(TIMEOUT_S, TimeUnit.SECONDS));
        assertThat(t).isInstanceOf(ExecutionException.class).cause()
                .isInstanceOfSatisfying(FerryException.class, e -> {
                    assertThat(e.code()).isEqualTo(FerryException.CONNECTION_LOST);
                    assertThat(e.getMessage()).contains("1001");
                });
        Throwable end = catchThrowable(() -> client.terminated().get(TIMEOUT_S, TimeUnit.SECONDS));
        assertThat(end).hasCauseInstanceOf(FerryException.class);
        assertThat(client.state()).isEqualTo(FerryClient.State.CLOSED);
        Throwable later = catchThrowable(() -> client.publishAck("a", 1).get(TIMEOUT_S, TimeUnit.SECONDS));
        assertThat(((FerryException) later.getCause()).code()).isEqualTo(FerryException.CLIENT_CLOSED);
    }

    @Test
    void closeStopsReconnecting() throws Exception {
        FerryServer first = startServer(0);
        int port = first.port();
        Events events = new Events();
        FerryClient client = client(FerryClient.builder().uri(first.webSocketUri())
                .backoff(Duration.ofMillis(20), Duration.ofMillis(100)).listener(events));
        assertThat(events.next()).isEqualTo("connected");

        first.close();
        assertThat(events.next()).isEqualTo("disconnected 1001 will-reconnect");
        client.close();
        assertThat(client.state()).isEqualTo(FerryClient.State.CLOSED);
        client.terminated().get(TIMEOUT_S, TimeUnit.SECONDS);

        // The server is back, and the client would find it within its goaway delay (≤ 1.5 s) plus one backoff
        // step if it were still trying. Absence can only be checked by waiting that long.
        startServer(port);
        String event = events.log.poll(2500, TimeUnit.MILLISECONDS);
        assertThat(event).isNull();
        assertThat(client.state()).isEqualTo(FerryClient.State.CLOSED);
    }

    @Test
    void firstConnectFailureIsReportedAndMayBeRetried() throws Exception {
        FerryServer probe = startServer(0);
        int port = probe.port();
        probe.close();
        FerryClient client = FerryClient.builder().uri("ws://127.0.0.1:" + port + "/v1/ws")
                .connectTimeout(Duration.ofSeconds(2)).build();
        clients.add(client);
        Throwable t = catchThrowable(client::connect);
        assertThat(t).isInstanceOfSatisfying(FerryException.class, e -> {
            assertThat(e.code()).isEqualTo(FerryException.CONNECT_FAILED);
            assertThat(e.getMessage()).contains("127.0.0.1:" + port);
        });
        startServer(port);
        assertThat(client.connect().isConnected()).isTrue();
    }

    @Test
    void refusedUpgradeNamesTheServersReason() {
        FerryServer server = startServer(0);
        FerryClient client = FerryClient.builder().uri("ws://127.0.0.1:" + server.port() + "/nope").build();
        clients.add(client);
        Throwable t = catchThrowable(client::connect);
        assertThat(t).isInstanceOfSatisfying(FerryException.class,
                e -> assertThat(e.getMessage()).contains("HTTP 4"));
    }
}
