package dev.ferry.cli.failover;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.server.testing.WsTestClient;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Publishes with {@code ack: true} at a steady rate, round-robin over its topics (more can be added while it
 * runs), and records every acknowledged publication (topic and offset). When its node dies it connects to the
 * next surviving one and goes on; publications whose acknowledgement was lost with the node are not counted
 * (their outcome is unknown). Bounded: at most {@code max} publications, at most {@link #IN_FLIGHT} unanswered.
 */
final class Publisher implements Runnable {
    static final int IN_FLIGHT = 200;

    final List<String> topics = new CopyOnWriteArrayList<>();
    private final int perSecond;
    private final int max;
    private final HttpClient http;
    private final Supplier<FerryNode> nodes;
    private final Object progress;
    private final Semaphore inFlight = new Semaphore(IN_FLIGHT);
    // ---- guarded by this
    private final Map<String, BitSet> acked = new TreeMap<>();
    private int refused;
    private int connections;
    private String failure;
    private volatile boolean stopped;
    private volatile FerryNode node;

    Publisher(List<String> topics, int perSecond, int max, HttpClient http, Supplier<FerryNode> nodes, Object progress) {
        this.topics.addAll(topics);
        this.perSecond = perSecond;
        this.max = max;
        this.http = http;
        this.nodes = nodes;
        this.progress = progress;
    }

    @Override
    public void run() {
        long period = TimeUnit.SECONDS.toNanos(1) / perSecond;
        long next = System.nanoTime();
        WsTestClient c = null;
        try {
            for (int n = 0; n < max && !stopped; n++) {
                if (c == null || c.closed().isDone()) {
                    c = connect();
                    if (c == null) {
                        return;
                    }
                }
                String topic = topics.get(n % topics.size());
                if (!inFlight.tryAcquire(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("no acknowledgement for 30 s");
                }
                try {
                    c.request("{\"type\":\"pub\",\"ack\":true,\"topic\":\"" + topic + "\",\"data\":{\"n\":" + n + "}}")
                            .whenComplete((answer, e) -> {
                                inFlight.release();
                                if (answer != null) {
                                    answered(answer);
                                }
                            });
                } catch (CompletionException | IllegalStateException e) {
                    inFlight.release(); // the node went away while sending: the next connection goes on
                }
                next += period;
                LockSupport.parkNanos(next - System.nanoTime()); // the rate, not a synchronisation
            }
        } catch (InterruptedException | RuntimeException e) {
            synchronized (this) {
                failure = e.toString();
            }
        } finally {
            if (c != null) {
                c.close();
            }
        }
    }

    private WsTestClient connect() {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!stopped && System.nanoTime() < deadline) {
            FerryNode n = nodes.get();
            try {
                WsTestClient c = WsTestClient.listening(http, n.webSocket(), f -> { }, Follower.CONNECT_TIMEOUT);
                node = n;
                synchronized (this) {
                    connections++;
                }
                return c;
            } catch (RuntimeException e) {
                LockSupport.parkNanos(Duration.ofMillis(100).toNanos()); // back-off before the next node
            }
        }
        synchronized (this) {
            failure = "could not connect to any node";
        }
        return null;
    }

    private void answered(JsonNode answer) {
        if (answer.path("type").asText().equals("result")) {
            JsonNode data = answer.path("data");
            synchronized (this) {
                acked.computeIfAbsent(data.path("topic").asText(), t -> new BitSet()).set(data.path("offset").asInt());
            }
            synchronized (progress) {
                progress.notifyAll();
            }
        } else {
            synchronized (this) {
                refused++;
            }
        }
    }

    void stop() {
        stopped = true;
    }

    FerryNode node() {
        return node;
    }

    /** The acknowledged offsets per topic, a copy. */
    synchronized Map<String, BitSet> acked() {
        Map<String, BitSet> copy = new TreeMap<>();
        acked.forEach((t, b) -> copy.put(t, (BitSet) b.clone()));
        return copy;
    }

    synchronized int ackedTotal() {
        return acked.values().stream().mapToInt(BitSet::cardinality).sum();
    }

    synchronized int acked(String topic) {
        BitSet b = acked.get(topic);
        return b == null ? 0 : b.cardinality();
    }

    synchronized int connections() {
        return connections;
    }

    synchronized String failure() {
        return failure;
    }

    synchronized int refused() {
        return refused;
    }
}
