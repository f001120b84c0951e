package dev.ferry.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.client.FerryClient;
import dev.ferry.server.testing.Requirements;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The proof of "nothing lost": three nodes in processes of their own sharing Redis, 300 subscribers spread
 * over them, publishers on the two nodes that survive, and one node killed with SIGKILL mid-run. Its subscribers
 * fail over to the survivors and recover from the Redis streams: every subscriber ends with every publication
 * exactly once, in order, per topic. Bounded: a few seconds of publishing at a steady rate.
 */
class NodeCrashTest {
    static final int SUBSCRIBERS = 300;
    static final int PER_PUBLISHER = 150;
    static final long TIMEOUT_S = 60;

    private final List<Process> nodes = new ArrayList<>();
    private final List<FerryClient> clients = new CopyOnWriteArrayList<>();
    private RedisCluster redis;

    @AfterEach
    void cleanUp() {
        clients.forEach(FerryClient::close);
        nodes.forEach(Process::destroyForcibly);
        if (redis != null) {
            redis.close();
        }
    }

    private URI startNode() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                NodeMain.class.getName(), redis.prefix).redirectErrorStream(true).start();
        nodes.add(p);
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        String line;
        while ((line = out.readLine()) != null && System.nanoTime() < deadline) {
            if (line.startsWith("PORT ")) {
                Thread drain = new Thread(() -> out.lines().forEach(l -> { }), "node-output");
                drain.setDaemon(true);
                drain.start();
                return URI.create("ws://127.0.0.1:" + line.substring(5).trim() + "/v1/ws");
            }
        }
        throw new AssertionError("node did not start: last line " + line);
    }

    @Test
    void subscribersOfAKilledNodeRecoverEverythingOnTheSurvivors() throws Exception {
        redis = new RedisCluster();
        Requirements.require(true, "Redis");
        URI[] node = {startNode(), startNode(), startNode()};
        HttpClient http = HttpClient.newHttpClient();

        // Per subscriber: the offsets received per topic, in arrival order.
        List<Map<String, List<Long>>> received = new ArrayList<>();
        for (int i = 0; i < SUBSCRIBERS; i++) {
            URI home = node[i % 3];
            URI[] others = {node[(i + 1) % 3], node[(i + 2) % 3]};
            Map<String, List<Long>> mine = new ConcurrentHashMap<>();
            received.add(mine);
            FerryClient c = FerryClient.builder().uri(home).failover(others).httpClient(http)
                    .backoff(Duration.ofMillis(50), Duration.ofMillis(500)).build().connect();
            clients.add(c);
            c.subscribeDurable("crash.*", m -> mine.computeIfAbsent(m.topic(), t -> new CopyOnWriteArrayList<>()).add(m.offset()))
                    .get(TIMEOUT_S, TimeUnit.SECONDS);
        }

        // Publishers on the two nodes that survive, one topic each, at a steady rate; node 2 dies a third of the way.
        AtomicLong lastAcked0 = new AtomicLong();
        AtomicLong lastAcked1 = new AtomicLong();
        FerryClient p0 = FerryClient.builder().uri(node[0]).httpClient(http).build().connect();
        FerryClient p1 = FerryClient.builder().uri(node[1]).httpClient(http).build().connect();
        clients.add(p0);
        clients.add(p1);
        long crashed = 0;
        for (int i = 1; i <= PER_PUBLISHER; i++) {
            lastAcked0.set(p0.publishAck("crash.a", i).get(TIMEOUT_S, TimeUnit.SECONDS));
            lastAcked1.set(p1.publishAck("crash.b", i).get(TIMEOUT_S, TimeUnit.SECONDS));
            if (i == PER_PUBLISHER / 3) {
                nodes.get(2).destroyForcibly(); // SIGKILL: no goaway, no close frames
                nodes.get(2).waitFor(10, TimeUnit.SECONDS);
                crashed = i;
            }
            TimeUnit.MILLISECONDS.sleep(10); // pacing of the publishers, not a wait for a condition
        }
        assertThat(crashed).isPositive();

        // Every subscriber ends with every publication of each topic exactly once, in order.
        long deadline = System.nanoTime() + Duration.ofSeconds(TIMEOUT_S).toNanos();
        int complete = 0;
        while (System.nanoTime() < deadline) {
            complete = 0;
            for (Map<String, List<Long>> r : received) {
                if (r.getOrDefault("crash.a", List.of()).size() >= lastAcked0.get()
                        && r.getOrDefault("crash.b", List.of()).size() >= lastAcked1.get()) {
                    complete++;
                }
            }
            if (complete == SUBSCRIBERS) {
                break;
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
        long delivered = 0;
        long recoveredBySurvivors = 0;
        for (int i = 0; i < SUBSCRIBERS; i++) {
            Map<String, List<Long>> r = received.get(i);
            for (String topic : List.of("crash.a", "crash.b")) {
                long last = topic.equals("crash.a") ? lastAcked0.get() : lastAcked1.get();
                List<Long> expected = new ArrayList<>();
                for (long o = 1; o <= last; o++) {
                    expected.add(o);
                }
                assertThat(r.getOrDefault(topic, List.of())).as("subscriber %d on %s", i, topic).isEqualTo(expected);
                delivered += last;
                if (i % 3 == 2) {
                    recoveredBySurvivors += last - crashed;
                }
            }
        }
        long duplicates = 0;
        for (FerryClient c : clients) {
            duplicates += c.duplicatesSkipped();
        }
        System.out.printf("node crash: sent %d, delivered %d (exactly once, in order) to %d subscribers, of which "
                        + "%d after their node was killed (on the survivors); %d duplicates discarded by offset%n",
                lastAcked0.get() + lastAcked1.get(), delivered, SUBSCRIBERS, recoveredBySurvivors, duplicates);
        assertThat(complete).isEqualTo(SUBSCRIBERS);
    }
}
