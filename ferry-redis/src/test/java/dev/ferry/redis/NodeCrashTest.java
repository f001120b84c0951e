package dev.ferry.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.client.FerryClient;
import dev.ferry.server.testing.Await;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The proof of "nothing lost": three nodes in processes of their own sharing Redis, 300 subscribers spread
 * over them, a publisher on every node, and one node killed with SIGKILL mid-run (its publisher fails over too). Its subscribers
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
        // A JVM that starts a server: seconds when idle, over 30 s on a busy machine.
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
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

    private static void awaitConnected(FerryClient c) {
        Await.until("the publisher fails over: " + c, Duration.ofSeconds(TIMEOUT_S), c::isConnected);
    }

    /** The topic's latest offset, from {@code GET /v1/history/{topic}} on the node of {@code ws}. */
    private static long latestOffset(HttpClient http, URI ws, String topic) throws Exception {
        URI uri = URI.create("http://" + ws.getAuthority() + "/v1/history/" + topic + "?limit=1&reverse=true");
        java.net.http.HttpResponse<String> r = http.send(java.net.http.HttpRequest.newBuilder(uri)
                        .header("Authorization", "Bearer " + NodeMain.API_KEY).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("history of %s: %s", topic, r.body()).isEqualTo(200);
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body()).path("offset").asLong();
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

        // One publisher per node, one topic each, at a steady rate. Node 2 dies a third of the way, while its
        // publisher's publication is in flight: that publisher fails over to a survivor and publishes again what
        // it has no acknowledgement for (so the stream may hold that publication twice, at two offsets).
        String[] topics = {"crash.a", "crash.b", "crash.c"};
        FerryClient[] publisher = new FerryClient[3];
        for (int k = 0; k < 3; k++) {
            publisher[k] = FerryClient.builder().uri(node[k]).failover(node[(k + 1) % 3], node[(k + 2) % 3])
                    .httpClient(http).backoff(Duration.ofMillis(50), Duration.ofMillis(500))
                    .requestTimeout(Duration.ofSeconds(5)).build().connect();
            clients.add(publisher[k]);
        }
        long[] acked = new long[3];
        long[] lastAckedOffset = new long[3];
        long resent = 0;
        long crashedAt = 0;
        for (int i = 1; i <= PER_PUBLISHER; i++) {
            for (int k = 0; k < 3; k++) {
                java.util.concurrent.CompletableFuture<Long> ack = publisher[k].publishAck(topics[k], i);
                if (k == 2 && i == PER_PUBLISHER / 3) {
                    nodes.get(2).destroyForcibly(); // SIGKILL: no goaway, no close frames
                    nodes.get(2).waitFor(10, TimeUnit.SECONDS);
                    crashedAt = i;
                }
                while (true) {
                    try {
                        lastAckedOffset[k] = ack.get(TIMEOUT_S, TimeUnit.SECONDS);
                        acked[k]++;
                        break;
                    } catch (java.util.concurrent.ExecutionException e) {
                        resent++;
                        awaitConnected(publisher[k]);
                        ack = publisher[k].publishAck(topics[k], i);
                    }
                }
            }
            TimeUnit.MILLISECONDS.sleep(10); // pacing of the publishers, not a wait for a condition
        }
        assertThat(crashedAt).isPositive();
        assertThat(acked).containsOnly(PER_PUBLISHER);

        // What the streams hold, asked of a survivor: every offset up to it must reach every subscriber.
        long[] last = new long[3];
        for (int k = 0; k < 3; k++) {
            last[k] = latestOffset(http, node[0], topics[k]);
            assertThat(last[k]).as("latest offset of %s", topics[k]).isGreaterThanOrEqualTo(lastAckedOffset[k]);
        }

        // Every subscriber ends with every publication of each topic exactly once, in order.
        // Wait until every subscriber has as many as the streams hold; the assertions below say what is missing if
        // that never happens.
        Await.within(Duration.ofSeconds(TIMEOUT_S), () -> {
            for (Map<String, List<Long>> r : received) {
                for (int k = 0; k < 3; k++) {
                    if (r.getOrDefault(topics[k], List.of()).size() < last[k]) {
                        return false;
                    }
                }
            }
            return true;
        });
        long delivered = 0;
        long afterCrash = 0;
        for (int i = 0; i < SUBSCRIBERS; i++) {
            Map<String, List<Long>> r = received.get(i);
            for (int k = 0; k < 3; k++) {
                List<Long> expected = new ArrayList<>();
                for (long o = 1; o <= last[k]; o++) {
                    expected.add(o);
                }
                assertThat(r.getOrDefault(topics[k], List.of())).as("subscriber %d on %s", i, topics[k])
                        .isEqualTo(expected);
                delivered += last[k];
                if (i % 3 == 2) {
                    afterCrash += last[k] - crashedAt;
                }
            }
        }
        long duplicates = 0;
        for (FerryClient c : clients) {
            duplicates += c.duplicatesSkipped();
        }
        // the killed node's subscribers resumed their sessions on the survivors (docs/redis.md)
        long resumed = 0;
        for (int i = 2; i < SUBSCRIBERS; i += 3) {
            assertThat(clients.get(i).sessionsResumed()).as("subscriber %d resumed its session", i).isPositive();
            resumed += clients.get(i).sessionsResumed();
        }
        System.out.printf("node crash: sent %d (acknowledged %d, %d sent again after the crash), delivered %d "
                        + "(exactly once, in order) to %d subscribers, of which %d to the killed node's subscribers "
                        + "after it died (%d sessions resumed on the survivors); %d duplicates discarded by offset%n",
                last[0] + last[1] + last[2], acked[0] + acked[1] + acked[2], resent, delivered, SUBSCRIBERS,
                afterCrash, resumed, duplicates);
    }
}
