package dev.ferry.cli.failover;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.protocol.Topics;
import dev.ferry.server.testing.WsTestClient;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * A subscriber that follows one pattern across the deaths of the nodes it is connected to, as docs/protocol.md
 * tells a client to: it records every {@code msg} per topic and, after a lost connection, connects to a surviving
 * node and either resumes its session with its token and its positions as {@code since} (§4.5), or subscribes
 * again with {@code sub} and {@code since} (§4.1), listing every topic it has received or only {@code listed}.
 * It notes every broken promise as a problem: a publication twice, out of offset order, another epoch, an answer
 * that is not {@code recovered: true}.
 */
final class Follower {
    enum Mode { RESUME, RESUBSCRIBE }

    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    static final Duration RECONNECT_FOR = Duration.ofSeconds(60);

    final String name;
    final String pattern;
    final Mode mode;
    /** The topics listed in {@code since} when subscribing again (null: every topic received). */
    final Set<String> listed;
    final List<String> problems = new CopyOnWriteArrayList<>();
    private final Object progress;
    private final HttpClient http;
    private final Executor reconnector;
    private final Function<Follower, FerryNode> nextNode;

    // ---- guarded by this
    private final Map<String, Track> tracks = new TreeMap<>();
    private volatile FerryNode node;
    private volatile WsTestClient connection;
    private volatile boolean stopped;
    private String token;
    private int connections;

    /** What one topic delivered: offsets seen (once each, in order), in one epoch. */
    private static final class Track {
        String epoch;
        long last;
        final BitSet seen = new BitSet();
    }

    Follower(String name, String pattern, Mode mode, Set<String> listed, Object progress, HttpClient http,
             Executor reconnector, Function<Follower, FerryNode> nextNode) {
        this.name = name;
        this.pattern = pattern;
        this.mode = mode;
        this.listed = listed;
        this.progress = progress;
        this.http = http;
        this.reconnector = reconnector;
        this.nextNode = nextNode;
    }

    FerryNode node() {
        return node;
    }

    synchronized int connections() {
        return connections;
    }

    /** Whether a connection is up and subscribed. */
    boolean connected() {
        WsTestClient c = connection;
        return c != null && !c.closed().isDone();
    }

    /** The first connection: subscribes (durably when resuming later), and asks for the session's token. */
    void start(FerryNode first) {
        WsTestClient c = WsTestClient.listening(http, first.webSocket(), this::push, CONNECT_TIMEOUT);
        boolean durable = mode == Mode.RESUME;
        expectResult(c.request("{\"type\":\"sub\",\"topic\":\"" + pattern + "\"" + (durable ? ",\"durable\":true" : "")
                + "}").join(), "sub");
        if (durable) {
            JsonNode session = expectResult(c.request("{\"type\":\"session\"}").join(), "session");
            synchronized (this) {
                token = session.path("data").path("token").asText();
            }
        }
        connected(first, c);
    }

    private void connected(FerryNode n, WsTestClient c) {
        synchronized (this) {
            connections++;
        }
        node = n;
        connection = c;
        c.closed().thenRun(() -> {
            if (!stopped) {
                reconnector.execute(this::reconnect);
            }
        });
        synchronized (progress) {
            progress.notifyAll();
        }
    }

    /** After a lost connection: to the next surviving node, until one takes it (within {@link #RECONNECT_FOR}). */
    private void reconnect() {
        long deadline = System.nanoTime() + RECONNECT_FOR.toNanos();
        Throwable last = null;
        while (!stopped && System.nanoTime() < deadline) {
            FerryNode n = nextNode.apply(this);
            if (n == null) {
                break;
            }
            try {
                WsTestClient c = WsTestClient.listening(http, n.webSocket(), this::push, CONNECT_TIMEOUT);
                if (mode == Mode.RESUME) {
                    resume(c);
                } else {
                    resubscribe(c);
                }
                connected(n, c);
                return;
            } catch (RuntimeException e) {
                last = e; // that node went away meanwhile, or refused: the next one
                java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(100).toNanos()); // back-off
            }
        }
        if (!stopped) {
            problems.add("could not reconnect: " + last);
        }
    }

    private void resume(WsTestClient c) {
        String t;
        String since;
        synchronized (this) {
            t = token;
            since = positions(null);
        }
        JsonNode r = expectResult(c.request("{\"type\":\"session\",\"token\":\"" + t + "\",\"since\":" + since + "}").join(),
                "session");
        JsonNode data = r.path("data");
        if (!data.path("resumed").asBoolean()) {
            problems.add("session not resumed: " + r);
            return;
        }
        for (JsonNode s : data.path("subscriptions")) {
            checkRecovered(s, r);
        }
    }

    private void resubscribe(WsTestClient c) {
        String since;
        synchronized (this) {
            since = Topics.hasWildcard(pattern) ? positions(listed) : position(pattern);
        }
        JsonNode r = expectResult(c.request("{\"type\":\"sub\",\"topic\":\"" + pattern + "\""
                + (since == null ? "" : ",\"since\":" + since) + "}").join(), "sub");
        checkRecovered(r.path("data"), r);
    }

    /** Every position of an answer says {@code recovered: true}: the history keeps everything in this test. */
    private void checkRecovered(JsonNode entry, JsonNode answer) {
        if (entry.has("dropped") || entry.has("error")) {
            problems.add("subscription not restored: " + answer);
        }
        if (entry.has("recovered") && !entry.path("recovered").asBoolean()) {
            problems.add("not recovered: " + answer);
        }
        for (JsonNode p : entry.path("positions")) {
            if (!p.path("recovered").asBoolean()) {
                problems.add("not recovered: " + answer);
            }
        }
    }

    private JsonNode expectResult(JsonNode answer, String what) {
        if (!answer.path("type").asText().equals("result")) {
            throw new IllegalStateException(what + " answered " + answer);
        }
        return answer;
    }

    /** The positions of the topics received (of {@code only} when not null), as a {@code since} array. */
    private String positions(Set<String> only) {
        List<String> out = new ArrayList<>();
        tracks.forEach((topic, t) -> {
            if (only == null || only.contains(topic)) {
                out.add("{\"topic\":\"" + topic + "\",\"offset\":" + t.last + ",\"epoch\":\"" + t.epoch + "\"}");
            }
        });
        return "[" + String.join(",", out) + "]";
    }

    /** The position of a concrete topic as its {@code since}: offset 0 (from the start) when nothing came yet. */
    private String position(String topic) {
        Track t = tracks.get(topic);
        return t == null ? "{\"offset\":0}" : "{\"offset\":" + t.last + ",\"epoch\":\"" + t.epoch + "\"}";
    }

    private void push(JsonNode frame) {
        String type = frame.path("type").asText();
        if (!type.equals("msg")) {
            if (type.equals("error")) {
                problems.add("error without request: " + frame);
            } else if (frame.isTextual()) {
                problems.add("undecodable frame: " + frame.asText());
            }
            return;
        }
        String topic = frame.path("topic").asText();
        String epoch = frame.path("epoch").asText();
        long offset = frame.path("offset").asLong();
        synchronized (this) {
            if (!Topics.matches(pattern, topic)) {
                problems.add("a publication of " + topic + " reached " + pattern);
                return;
            }
            Track t = tracks.computeIfAbsent(topic, x -> new Track());
            if (t.epoch != null && !t.epoch.equals(epoch)) {
                problems.add(topic + ": epoch " + epoch + " after " + t.epoch);
            }
            t.epoch = epoch;
            if (t.seen.get((int) offset)) {
                problems.add(topic + "@" + offset + " twice (connection " + connections + ")");
            } else if (offset < t.last) {
                problems.add(topic + "@" + offset + " after @" + t.last + " (connection " + connections + ")");
            }
            t.seen.set((int) offset);
            t.last = Math.max(t.last, offset);
        }
        synchronized (progress) {
            progress.notifyAll();
        }
    }

    /** Whether this follower must receive every publication of {@code topic}: it matches, and is listed if a list is kept. */
    boolean owes(String topic) {
        return Topics.matches(pattern, topic) && (listed == null || listed.contains(topic));
    }

    /** The offsets of {@code acked} not received. */
    synchronized BitSet missing(String topic, BitSet acked) {
        BitSet missing = (BitSet) acked.clone();
        Track t = tracks.get(topic);
        if (t != null) {
            missing.andNot(t.seen);
        }
        return missing;
    }

    synchronized int received(String topic) {
        Track t = tracks.get(topic);
        return t == null ? 0 : t.seen.cardinality();
    }

    synchronized int receivedTotal() {
        return tracks.values().stream().mapToInt(t -> t.seen.cardinality()).sum();
    }

    void close() {
        stopped = true;
        WsTestClient c = connection;
        connection = null;
        if (c != null) {
            c.close();
        }
    }

    @Override
    public String toString() {
        return name + " (" + mode + " " + pattern + (listed == null ? "" : " listing " + listed) + ")";
    }
}
