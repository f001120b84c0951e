package dev.ferry.cli.failover;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.testing.LocalRedis;
import dev.ferry.server.testing.Requirements;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Failover of real {@code ferry serve} processes under load (docs/protocol.md §4.1, §4.5; docs/redis.md): three
 * nodes on the local Redis (a key prefix of this run's own, the same {@code session.secret}, history large
 * enough to keep everything), a publisher with {@code ack: true} on node a over {@code r.t0..r.t4}, followers on
 * nodes b and c (the pattern {@code r.*} and concrete topics; resuming their session with token and {@code since},
 * or subscribing again with {@code sub} and {@code since}, some listing only some topics of the pattern). A topic
 * {@code r.late} is first published just before node b, which holds followers, is killed with SIGKILL; later node
 * a, the publisher's, is killed too, and the publisher goes on from node c. Every follower must then have every
 * acknowledged publication it owes, in offset order per topic, none twice (every follower sends its positions).
 *
 * <p>Needs the runnable jar (failsafe runs after {@code package}) and Redis on 127.0.0.1:6379: skips without
 * Redis, fails under {@code CI=true}.
 */
class FailoverIT {
    static final List<String> TOPICS = List.of("r.t0", "r.t1", "r.t2", "r.t3", "r.t4");
    static final String LATE = "r.late";
    static final int RATE = 400;
    static final int MAX_PUBLICATIONS = 20_000;
    static final Duration WAIT = Duration.ofSeconds(30);

    private final String prefix = "ferryit-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1);
    private final Object progress = new Object();
    private final List<FerryNode> nodes = new ArrayList<>();
    private final List<Follower> followers = new ArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "failover-it");
        t.setDaemon(true);
        return t;
    });
    private final HttpClient http = HttpClient.newBuilder().executor(threads).connectTimeout(Duration.ofSeconds(5)).build();
    private Publisher publisher;

    @AfterEach
    void cleanUp() throws Exception {
        if (publisher != null) {
            publisher.stop();
        }
        followers.forEach(Follower::close);
        for (FerryNode n : nodes) {
            n.close();
        }
        threads.shutdownNow();
        if (LocalRedis.available()) {
            RedisClient client = RedisClient.create(LocalRedis.URI);
            try (StatefulRedisConnection<String, String> redis = client.connect()) {
                ScanCursor cursor = ScanCursor.INITIAL;
                do {
                    KeyScanCursor<String> page = redis.sync().scan(cursor, ScanArgs.Builder.matches(prefix + ":*").limit(500));
                    if (!page.getKeys().isEmpty()) {
                        redis.sync().del(page.getKeys().toArray(String[]::new));
                    }
                    cursor = page;
                } while (!cursor.isFinished());
            } finally {
                client.shutdown();
            }
        }
    }

    @Test
    void everyAcknowledgedPublicationReachesEveryFollowerOnceAndInOrderAcrossTwoKills() throws Exception {
        Requirements.require(LocalRedis.available(), "a Redis server on 127.0.0.1:6379");
        Path jar = Path.of(System.getProperty("basedir", "."), "target", "ferry.jar");
        assertThat(jar).as("the runnable jar (mvn package)").isRegularFile();
        List<String> settings = List.of("engine=redis", "redis.uri=" + LocalRedis.URI, "redis.prefix=" + prefix,
                "session.secret=failover-it-" + prefix, "history.size=100000", "history.ttl=10m");
        for (String name : List.of("a", "b", "c")) {
            nodes.add(FerryNode.start(name, jar, settings));
        }
        for (FerryNode n : nodes) {
            n.awaitServing(Duration.ofSeconds(60));
            awaitReady(n);
        }
        phase("three nodes ready");
        FerryNode a = nodes.get(0);
        FerryNode b = nodes.get(1);
        FerryNode c = nodes.get(2);

        List<CompletableFuture<Void>> subscribed = new ArrayList<>();
        for (FerryNode home : List.of(b, c)) {
            subscribed.add(follow(home, "r.*", Follower.Mode.RESUME, null));
            subscribed.add(follow(home, "r.*", Follower.Mode.RESUBSCRIBE, null));
            subscribed.add(follow(home, "r.*", Follower.Mode.RESUBSCRIBE, Set.of("r.t0", "r.t1")));
            subscribed.add(follow(home, "r.*", Follower.Mode.RESUBSCRIBE, Set.of(LATE)));
            subscribed.add(follow(home, LATE, Follower.Mode.RESUME, null)); // subscribed before its first publication
            subscribed.add(follow(home, LATE, Follower.Mode.RESUBSCRIBE, null));
            subscribed.add(follow(home, "r.t2", Follower.Mode.RESUME, null));
            subscribed.add(follow(home, "r.t3", Follower.Mode.RESUBSCRIBE, null));
        }
        CompletableFuture.allOf(subscribed.toArray(CompletableFuture[]::new))
                .orTimeout(WAIT.toMillis(), TimeUnit.MILLISECONDS).join();

        phase("followers subscribed");
        publisher = new Publisher(TOPICS, RATE, MAX_PUBLICATIONS, http, () -> firstAlive(a, c, b), progress);
        threads.execute(publisher);
        await("every follower receives", () -> followers.stream()
                .allMatch(f -> f.pattern.equals(LATE) || f.receivedTotal() >= 20));

        // a topic first published just before the node dies: the state it saved (once a second) does not know it
        long lateSince = System.nanoTime();
        publisher.topics.add(LATE);
        await("the followers on b receive " + LATE, () -> followers.stream()
                .filter(f -> f.node() == b && f.owes(LATE)).allMatch(f -> f.received(LATE) > 0));
        b.kill();
        phase("b killed, " + (System.nanoTime() - lateSince) / 1_000_000 + " ms after the publisher took up " + LATE);
        await("the followers of b are back on a or c", () -> followers.stream().allMatch(f -> f.node() != b && f.connected()));
        int afterFirstKill = publisher.ackedTotal();
        await("the publisher goes on", () -> publisher.ackedTotal() >= afterFirstKill + RATE);

        a.kill();
        phase("a killed");
        await("every follower is connected to c", () -> followers.stream().allMatch(f -> f.node() == c && f.connected()));
        await("the publisher goes on from c", () -> publisher.node() == c && publisher.ackedTotal() >= afterFirstKill + 3 * RATE);
        publisher.stop();
        phase("publisher stopped");

        Map<String, BitSet> acked = publisher.acked();
        await("every follower has every acknowledged publication it owes", () -> followers.stream().allMatch(f ->
                acked.entrySet().stream().noneMatch(e -> f.owes(e.getKey()) && !f.missing(e.getKey(), e.getValue()).isEmpty())));

        phase("every follower complete: " + publisher.ackedTotal() + " acknowledged");
        assertThat(publisher.failure()).as("publisher").isNull();
        assertThat(publisher.connections()).as("the publisher failed over").isGreaterThanOrEqualTo(2);
        assertThat(acked.get(LATE)).as(LATE + " acknowledged").isNotNull();
        for (Follower f : followers) {
            assertThat(f.problems).as("%s", f).isEmpty();
            if (f.name.startsWith(b.name)) {
                assertThat(f.connections()).as("%s failed over", f).isGreaterThanOrEqualTo(2);
            }
        }
    }

    private final long started = System.nanoTime();

    /** Notes a phase and when it was reached (in the test's output, for the duration budget). */
    private void phase(String what) {
        System.out.printf("%6d ms  %s%n", (System.nanoTime() - started) / 1_000_000, what);
    }

    /** A follower that starts on {@code home}; after a lost connection it goes to a surviving node, its own pick. */
    private CompletableFuture<Void> follow(FerryNode home, String pattern, Follower.Mode mode, Set<String> listed) {
        int index = followers.size();
        Follower f = new Follower(home.name + index, pattern, mode, listed, progress, http, threads, x -> {
            List<FerryNode> alive = nodes.stream().filter(FerryNode::alive).toList();
            return alive.isEmpty() ? null : alive.get(index % alive.size());
        });
        followers.add(f);
        return CompletableFuture.runAsync(() -> f.start(home), threads);
    }

    private static FerryNode firstAlive(FerryNode... preference) {
        for (FerryNode n : preference) {
            if (n.alive()) {
                return n;
            }
        }
        throw new IllegalStateException("no node alive");
    }

    /** Waits until {@code condition} holds, woken by every publication received or acknowledged; fails after {@link #WAIT}. */
    private void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        synchronized (progress) {
            while (!condition.getAsBoolean()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("not within " + WAIT + ": " + what + "\n" + report());
                }
                progress.wait(Math.max(1, Math.min(left / 1_000_000, 200)));
            }
        }
    }

    private String report() {
        Map<String, BitSet> acked = publisher == null ? Map.of() : publisher.acked();
        StringBuilder b = new StringBuilder("acknowledged: ").append(acked.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue().cardinality()).collect(Collectors.joining(", ")));
        if (publisher != null) {
            b.append("; publisher on ").append(publisher.node()).append(", refused ").append(publisher.refused())
                    .append(", failure ").append(publisher.failure());
        }
        for (Follower f : followers) {
            b.append("\n  ").append(f).append(" on ").append(f.node()).append(f.connected() ? "" : " (disconnected)")
                    .append(", ").append(f.receivedTotal()).append(" received");
            acked.forEach((topic, offsets) -> {
                if (f.owes(topic)) {
                    BitSet missing = f.missing(topic, offsets);
                    if (!missing.isEmpty()) {
                        b.append(", ").append(topic).append(" missing ").append(missing.cardinality())
                                .append(" from @").append(missing.nextSetBit(0));
                    }
                }
            });
            f.problems.stream().limit(5).forEach(p -> b.append("\n    ").append(p));
        }
        for (FerryNode n : nodes) {
            b.append("\n--- node ").append(n).append(n.alive() ? "" : " (killed)").append(", last lines:\n").append(n.log());
        }
        return b.toString();
    }

    private void awaitReady(FerryNode n) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        URI readyz = URI.create(n.http() + "/readyz");
        while (true) {
            try {
                if (http.send(HttpRequest.newBuilder(readyz).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (java.io.IOException e) {
                // not yet
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("node " + n + " not ready:\n" + n.log());
            }
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(100).toNanos()); // polling /readyz
        }
    }
}
