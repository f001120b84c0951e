package dev.ferry.server.connection;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.ferry.server.auth.Identity;
import dev.ferry.server.config.EventsOutConfig;
import dev.ferry.server.config.HooksConfig;
import dev.ferry.server.hooks.BackendClient;
import dev.ferry.server.hooks.Hooks;
import dev.ferry.server.testing.Await;
import dev.ferry.server.testing.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.DefaultEventLoop;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The expiry of a connection's identity (docs/hooks.md, "refresh") on a manual clock, against a scripted refresh
 * hook: every way an answer ends or extends the identity, and the identities it does not ask about.
 */
class IdentityExpiryTest {
    private static final Duration RETRY = Duration.ofSeconds(30);
    /** Seconds since the epoch, as the hook's expiries are. */
    private final ManualClock clock = new ManualClock(1_800_000_000_000L);
    private final DefaultEventLoop loop = new DefaultEventLoop();
    /** The refresh hook's answers, in order: a JSON body, or "500" for a failed call. */
    private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
    private final List<String> asked = new CopyOnWriteArrayList<>();
    private final List<Identity> refreshed = new CopyOnWriteArrayList<>();
    private final AtomicInteger expired = new AtomicInteger();
    private volatile boolean open = true;
    private HttpServer backend;

    @BeforeEach
    void start() throws IOException {
        backend = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        backend.setExecutor(Executors.newCachedThreadPool());
        backend.createContext("/refresh", x -> {
            asked.add(new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            String answer;
            try {
                answer = answers.poll(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                answer = "500";
            }
            boolean failed = answer == null || answer.equals("500");
            byte[] out = (failed ? "{}" : answer).getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(failed ? 500 : 200, out.length);
            try (OutputStream o = x.getResponseBody()) {
                o.write(out);
            }
        });
        backend.start();
    }

    @AfterEach
    void stop() {
        backend.stop(0);
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    private IdentityExpiry expiry(HooksConfig.FailurePolicy policy) {
        URI url = URI.create("http://127.0.0.1:" + backend.getAddress().getPort() + "/refresh");
        HooksConfig config = new HooksConfig(null, List.of(), new HooksConfig.Endpoint("hooks.refresh", url,
                Duration.ofSeconds(30), Map.of(), policy, 4), RETRY, List.of(), List.of(), 100, Duration.ofSeconds(10),
                64 * 1024, List.of(), EventsOutConfig.DEFAULT);
        Hooks hooks = new Hooks(config, new BackendClient(100, Duration.ofSeconds(10), 64 * 1024,
                new SimpleMeterRegistry(), clock));
        return new IdentityExpiry(hooks, clock, loop, () -> "n-1", "multiplex", new IdentityExpiry.Owner() {
            @Override
            public boolean open() {
                return open;
            }

            @Override
            public void refreshed(Identity next) {
                refreshed.add(next);
            }

            @Override
            public void expired() {
                expired.incrementAndGet();
            }
        });
    }

    private long now() {
        return clock.millis() / 1000;
    }

    /** An identity the connect hook gave {@code user}, expiring {@code seconds} from now. */
    private Identity hooked(String user, long seconds) {
        return new Identity(Identity.Kind.TOKEN, user, Hooks.ISSUER, Map.of("sub", user),
                Instant.ofEpochSecond(now() + seconds), null);
    }

    private void start(IdentityExpiry e, Identity identity) throws Exception {
        loop.submit(() -> e.start(identity)).get(30, TimeUnit.SECONDS);
    }

    private String answer(String user, long expiresIn) {
        return "{\"user\":\"" + user + "\",\"expire_at\":" + (now() + expiresIn) + "}";
    }

    @Test
    void theSameUserIsExtendedUntilTheApplicationRefuses() throws Exception {
        IdentityExpiry e = expiry(HooksConfig.FailurePolicy.REFUSE);
        start(e, hooked("alice", 60));
        answers.add(answer("alice", 60 + 120));
        clock.advance(Duration.ofSeconds(60));
        Await.until("the refreshed identity", () -> refreshed.size() == 1);
        assertThat(asked.get(0)).isEqualTo("{\"client\":\"n-1\",\"transport\":\"multiplex\",\"user\":\"alice\",\"headers\":{}}");
        assertThat(refreshed.get(0).name()).isEqualTo("alice");
        assertThat(refreshed.get(0).expiresAt().getEpochSecond()).isEqualTo(now() + 120);
        assertThat(expired).hasValue(0);
        answers.add("{\"refuse\":{\"code\":\"logged_out\",\"reason\":\"bye\"}}");
        clock.advance(Duration.ofSeconds(119));
        assertThat(asked).hasSize(1); // not yet expired
        clock.advance(Duration.ofSeconds(1));
        Await.until("the end", () -> expired.get() == 1);
        assertThat(asked).hasSize(2);
        assertThat(refreshed).hasSize(1);
    }

    @Test
    void anAnswerForAnotherUserOrAlreadyPastEndsTheConnection() throws Exception {
        IdentityExpiry other = expiry(HooksConfig.FailurePolicy.REFUSE);
        start(other, hooked("alice", 10));
        answers.add(answer("mallory", 3600));
        clock.advance(Duration.ofSeconds(10));
        Await.until("the end", () -> expired.get() == 1);
        IdentityExpiry past = expiry(HooksConfig.FailurePolicy.REFUSE);
        start(past, hooked("alice", 10));
        answers.add(answer("alice", 10)); // exactly now: asking again at once would loop
        clock.advance(Duration.ofSeconds(10));
        Await.until("the end", () -> expired.get() == 2);
        assertThat(refreshed).isEmpty();
    }

    @Test
    void noAnswerEndsItUnderRefuseAndAsksAgainUnderAllow() throws Exception {
        IdentityExpiry refuse = expiry(HooksConfig.FailurePolicy.REFUSE);
        start(refuse, hooked("alice", 10));
        answers.add("500");
        clock.advance(Duration.ofSeconds(10));
        Await.until("the end", () -> expired.get() == 1);

        IdentityExpiry allow = expiry(HooksConfig.FailurePolicy.ALLOW);
        start(allow, hooked("bob", 10));
        answers.add("500");
        clock.advance(Duration.ofSeconds(10));
        Await.until("the first try", () -> asked.size() == 2);
        clock.awaitTimers("the retry", 1);
        assertThat(expired).hasValue(1);
        answers.add(answer("bob", RETRY.toSeconds() + 60));
        clock.advance(RETRY);
        Await.until("the refreshed identity", () -> refreshed.size() == 1);
        assertThat(asked).hasSize(3);
        assertThat(expired).hasValue(1);
    }

    @Test
    void otherIdentitiesEndAtTheirExpiryWithoutAsking() throws Exception {
        IdentityExpiry e = expiry(HooksConfig.FailurePolicy.REFUSE);
        Identity token = new Identity(Identity.Kind.TOKEN, "alice", "https://id.example", Map.of("sub", "alice"),
                Instant.ofEpochSecond(now() + 10), null);
        start(e, token);
        clock.advance(Duration.ofSeconds(9));
        assertThat(expired).hasValue(0);
        clock.advance(Duration.ofSeconds(1));
        assertThat(expired).hasValue(1); // the timer ran on the loop before advance returned
        assertThat(asked).isEmpty();
    }

    @Test
    void aReplacedIdentityOrAClosedConnectionIsNotTimed() throws Exception {
        IdentityExpiry e = expiry(HooksConfig.FailurePolicy.REFUSE);
        start(e, hooked("alice", 10));
        start(e, hooked("alice", 100)); // an auth command, say: only the new one is timed
        clock.advance(Duration.ofSeconds(50));
        assertThat(asked).isEmpty();
        assertThat(expired).hasValue(0);
        open = false;
        clock.advance(Duration.ofSeconds(50));
        assertThat(asked).isEmpty();
        assertThat(expired).hasValue(0);
    }
}
