package dev.ferry.server.hooks;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.ferry.server.testing.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The shared backend client against a JDK HTTP server on loopback: answers, statuses, timeouts, the bound on calls
 * in flight and the circuit breaker on a manual clock.
 */
class BackendClientTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private final ManualClock clock = new ManualClock();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger status = new AtomicInteger(200);
    private HttpServer server;
    private BackendClient client;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/echo", x -> {
            byte[] in = x.getRequestBody().readAllBytes();
            String auth = String.valueOf(x.getRequestHeaders().getFirst("Authorization"));
            byte[] out = ("{\"got\":" + new String(in, StandardCharsets.UTF_8) + ",\"auth\":\"" + auth + "\"}")
                    .getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(status.get(), out.length);
            try (OutputStream o = x.getResponseBody()) {
                o.write(out);
            }
        });
        server.createContext("/slow", x -> {
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            x.sendResponseHeaders(200, 2);
            try (OutputStream o = x.getResponseBody()) {
                o.write("{}".getBytes(StandardCharsets.UTF_8));
            }
        });
        server.start();
        client = new BackendClient(3, Duration.ofSeconds(10), 1 << 20, meters, clock);
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    private CompletableFuture<BackendResponse> post(String hook, URI url, Duration timeout, int max) {
        return client.post(hook, url, "{\"a\":1}".getBytes(StandardCharsets.UTF_8),
                Map.of("Authorization", "Bearer x"), timeout, max);
    }

    private static HookOutcome failure(CompletableFuture<?> f) throws InterruptedException {
        try {
            f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            throw new AssertionError("expected a failure");
        } catch (ExecutionException e) {
            return ((BackendException) e.getCause()).outcome();
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("no outcome", e);
        }
    }

    private double count(String hook, HookOutcome o) {
        return meters.get("ferry.hook.requests").tag("hook", hook).tag("outcome", o.tag()).counter().count();
    }

    private static URI closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return URI.create("http://127.0.0.1:" + s.getLocalPort() + "/gone");
        }
    }

    @Test
    void postsJsonWithHeadersAndReturnsTheAnswer() throws Exception {
        BackendResponse r = post("connect", uri("/echo"), WAIT, 4).get(30, TimeUnit.SECONDS);
        assertThat(r.ok()).isTrue();
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("{\"got\":{\"a\":1},\"auth\":\"Bearer x\"}");
        assertThat(count("connect", HookOutcome.OK)).isEqualTo(1);
        assertThat(meters.get("ferry.hook.duration").tag("hook", "connect").timer().count()).isEqualTo(1);
    }

    @Test
    void aStatusIsAnAnswerAndOnly5xxCountsForTheBreaker() throws Exception {
        status.set(403);
        for (int i = 0; i < 5; i++) {
            assertThat(post("subscribe", uri("/echo"), WAIT, 4).get(30, TimeUnit.SECONDS).status()).isEqualTo(403);
        }
        assertThat(client.breakerState("subscribe")).isEqualTo(BackendClient.BreakerState.CLOSED);
        status.set(503);
        for (int i = 0; i < 3; i++) {
            assertThat(post("subscribe", uri("/echo"), WAIT, 4).get(30, TimeUnit.SECONDS).status()).isEqualTo(503);
        }
        assertThat(client.breakerState("subscribe")).isEqualTo(BackendClient.BreakerState.OPEN);
        assertThat(count("subscribe", HookOutcome.HTTP_ERROR)).isEqualTo(8);
    }

    @Test
    void theBreakerOpensAfterConsecutiveFailuresAndClosesAfterASuccessfulTrial() throws Exception {
        URI gone = closedPort();
        for (int i = 0; i < 3; i++) {
            assertThat(failure(post("publish", gone, WAIT, 4))).isEqualTo(HookOutcome.UNREACHABLE);
        }
        assertThat(client.breakerState("publish")).isEqualTo(BackendClient.BreakerState.OPEN);
        // Open: refused without a request, even to a backend that is up.
        assertThat(failure(post("publish", uri("/echo"), WAIT, 4))).isEqualTo(HookOutcome.CIRCUIT_OPEN);
        assertThat(meters.get("ferry.hook.breaker.state").tag("hook", "publish").gauge().value()).isEqualTo(1);

        clock.advance(Duration.ofSeconds(10));
        assertThat(client.breakerState("publish")).isEqualTo(BackendClient.BreakerState.HALF_OPEN);
        // Half-open: one trial; it fails, so the breaker opens for another cool-down.
        assertThat(failure(post("publish", gone, WAIT, 4))).isEqualTo(HookOutcome.UNREACHABLE);
        assertThat(client.breakerState("publish")).isEqualTo(BackendClient.BreakerState.OPEN);
        assertThat(failure(post("publish", uri("/echo"), WAIT, 4))).isEqualTo(HookOutcome.CIRCUIT_OPEN);

        clock.advance(Duration.ofSeconds(10));
        assertThat(post("publish", uri("/echo"), WAIT, 4).get(30, TimeUnit.SECONDS).ok()).isTrue();
        assertThat(client.breakerState("publish")).isEqualTo(BackendClient.BreakerState.CLOSED);
        assertThat(meters.get("ferry.hook.breaker.state").tag("hook", "publish").gauge().value()).isEqualTo(0);
        assertThat(count("publish", HookOutcome.CIRCUIT_OPEN)).isEqualTo(2);
    }

    @Test
    void whileTheTrialIsInFlightOtherCallsAreRefused() throws Exception {
        URI gone = closedPort();
        for (int i = 0; i < 3; i++) {
            failure(post("trial", gone, WAIT, 4));
        }
        clock.advance(Duration.ofSeconds(10));
        CompletableFuture<BackendResponse> trial = post("trial", uri("/slow"), WAIT, 4);
        assertThat(failure(post("trial", uri("/echo"), WAIT, 4))).isEqualTo(HookOutcome.CIRCUIT_OPEN);
        release.countDown();
        assertThat(trial.get(30, TimeUnit.SECONDS).ok()).isTrue();
        assertThat(client.breakerState("trial")).isEqualTo(BackendClient.BreakerState.CLOSED);
    }

    @Test
    void callsBeyondTheBoundFailAtOnce() throws Exception {
        CompletableFuture<BackendResponse> a = post("rpc.slow", uri("/slow"), WAIT, 2);
        CompletableFuture<BackendResponse> b = post("rpc.slow", uri("/slow"), WAIT, 2);
        assertThat(client.inFlight("rpc.slow")).isEqualTo(2);
        assertThat(failure(post("rpc.slow", uri("/echo"), WAIT, 2))).isEqualTo(HookOutcome.OVERLOADED);
        assertThat(count("rpc.slow", HookOutcome.OVERLOADED)).isEqualTo(1);
        release.countDown();
        assertThat(a.get(30, TimeUnit.SECONDS).ok()).isTrue();
        assertThat(b.get(30, TimeUnit.SECONDS).ok()).isTrue();
        assertThat(client.inFlight("rpc.slow")).isZero();
        assertThat(post("rpc.slow", uri("/echo"), WAIT, 2).get(30, TimeUnit.SECONDS).ok()).isTrue();
    }

    @Test
    void aSlowBackendTimesOut() throws Exception {
        long start = System.nanoTime();
        assertThat(failure(post("slow", uri("/slow"), Duration.ofMillis(300), 4))).isEqualTo(HookOutcome.TIMEOUT);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        assertThat(count("slow", HookOutcome.TIMEOUT)).isEqualTo(1);
        assertThat(client.inFlight("slow")).isZero();
    }
}
