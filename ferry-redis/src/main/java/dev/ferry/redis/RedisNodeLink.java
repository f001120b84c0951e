package dev.ferry.redis;

import dev.ferry.server.engine.NodeLink;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.netty.util.concurrent.EventExecutor;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server API's requests between nodes over Redis (docs/redis.md, "Server API across nodes"). Each node, named by
 * the prefix of its connection ids, keeps {@code P:admin-alive:<node>} (expiring after {@link #TTL}, renewed every
 * heartbeat), lists itself in the set {@code P:admin-nodes}, and listens on the channel {@code P:admin:<node>}.
 *
 * <p>A request is {@code Q <from> <id> LF body}, published on each asked node's channel; the answer
 * {@code R <id> LF body} comes back on the asker's. The live nodes are the listed ones whose alive key exists (a
 * listed node without one has stopped or died and is taken off the list). An asked node that does not answer in
 * time is reported without a body. At most {@link #MAX_PENDING} requests wait for other nodes' answers at once;
 * beyond that a request is put to this node only and the others are reported as not answering. A notice
 * ({@link #tellOthers}) is {@code T <from> 0 LF body}, sent to the live nodes as last read (every heartbeat) and
 * never answered.
 */
final class RedisNodeLink implements NodeLink {
    private static final Logger log = LoggerFactory.getLogger(RedisNodeLink.class);
    /** How long a node stays listed alive after its last heartbeat. */
    static final Duration TTL = Duration.ofSeconds(5);
    static final int MAX_PENDING = 1000;

    private final RedisClusterAsyncCommands<byte[], byte[]> redis;
    private final StatefulConnection<byte[], byte[]> connection;
    private final Names names;
    private final String node;
    private final byte[] channel;
    private final Handler handler;
    private final EventExecutor executor;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, Waiting> pending = new ConcurrentHashMap<>();
    /** The live nodes as last read from Redis: who is asked while Redis cannot say (they then do not answer). */
    private volatile List<String> lastLive = List.of();
    private volatile boolean closed;

    RedisNodeLink(RedisClusterAsyncCommands<byte[], byte[]> redis, StatefulConnection<byte[], byte[]> connection,
                  StatefulRedisPubSubConnection<byte[], byte[]> pubsub, Names names, String node, Handler handler,
                  EventExecutor executor, Duration timeout) throws Exception {
        this.redis = redis;
        this.connection = connection;
        this.names = names;
        this.node = node;
        this.channel = names.adminChannel(node);
        this.handler = handler;
        this.executor = executor;
        pubsub.async().subscribe(channel).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        heartbeat().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The answers awaited for one request: node name to its reply (null until it comes). */
    private static final class Waiting {
        final Map<String, byte[]> replies = new TreeMap<>();
        final CompletableFuture<List<Reply>> done = new CompletableFuture<>();
        /** The nodes that answered or could not be asked. */
        final java.util.Set<String> settled = new java.util.HashSet<>();
        int missing;

        synchronized void answered(String from, byte[] body) {
            if (replies.containsKey(from) && settled.add(from)) {
                replies.put(from, body);
                if (--missing == 0) {
                    finish();
                }
            }
        }

        /** {@code from} could not be asked: it will not answer, no need to wait for it. */
        synchronized void unreachable(String from) {
            if (replies.containsKey(from) && settled.add(from) && --missing == 0) {
                finish();
            }
        }

        synchronized void finish() {
            List<Reply> out = new ArrayList<>(replies.size());
            replies.forEach((n, b) -> out.add(new Reply(n, b)));
            done.complete(out);
        }
    }

    /**
     * Renews this node's alive key and listing, and reads the live nodes (those {@link #tellOthers} reaches); part
     * of the engine's heartbeat.
     */
    CompletionStage<?> heartbeat() {
        if (closed || !connection.isOpen()) {
            return CompletableFuture.completedFuture(null);
        }
        return CompletableFuture.allOf(
                redis.set(names.adminAlive(node), ascii("1"), SetArgs.Builder.px(TTL.toMillis())).toCompletableFuture(),
                redis.sadd(names.adminNodes(), ascii(node)).toCompletableFuture())
                .thenCompose(v -> nodes());
    }

    @Override
    public void tellOthers(byte[] request) {
        if (closed || !connection.isOpen()) {
            return;
        }
        byte[] message = concat(("T " + node + " 0\n").getBytes(StandardCharsets.UTF_8), request);
        for (String t : lastLive) {
            if (!t.equals(node)) {
                try {
                    redis.publish(names.adminChannel(t), message).exceptionally(e -> null);
                } catch (RuntimeException e) {
                    // that node misses the notice
                }
            }
        }
    }

    /**
     * The live nodes as Redis lists them; while Redis does not answer within half a second (or cannot be reached),
     * the last ones it listed, so that the answer names them as not answering.
     */
    @Override
    public CompletionStage<List<String>> nodes() {
        List<String> fallback = new ArrayList<>(lastLive);
        if (!fallback.contains(node)) {
            fallback.add(node);
            fallback.sort(null);
        }
        if (closed || !connection.isOpen()) {
            return CompletableFuture.completedFuture(fallback);
        }
        CompletableFuture<java.util.Set<byte[]>> members;
        try {
            members = redis.smembers(names.adminNodes()).toCompletableFuture();
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(fallback);
        }
        return members.thenCompose(this::live).exceptionally(e -> fallback)
                .completeOnTimeout(fallback, 500, TimeUnit.MILLISECONDS);
    }

    /** The listed nodes whose alive key exists (this one always); the others are taken off the list. */
    private CompletionStage<List<String>> live(java.util.Set<byte[]> members) {
        List<String> listed = new ArrayList<>();
        List<CompletableFuture<Long>> alive = new ArrayList<>();
        for (byte[] m : members) {
            String n = new String(m, StandardCharsets.UTF_8);
            listed.add(n);
            alive.add(redis.exists(names.adminAlive(n)).toCompletableFuture());
        }
        return CompletableFuture.allOf(alive.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<String> live = new ArrayList<>();
            for (int i = 0; i < listed.size(); i++) {
                if (alive.get(i).join() > 0 || listed.get(i).equals(node)) {
                    live.add(listed.get(i));
                } else {
                    redis.srem(names.adminNodes(), ascii(listed.get(i)));
                }
            }
            if (!live.contains(node)) {
                live.add(node);
            }
            live.sort(null);
            lastLive = List.copyOf(live);
            return live;
        });
    }

    @Override
    public CompletionStage<List<Reply>> askAll(byte[] request, Duration timeout) {
        return nodes().thenCompose(live -> ask(live, request, timeout));
    }

    @Override
    public CompletionStage<Reply> ask(String target, byte[] request, Duration timeout) {
        return nodes().thenCompose(live -> live.contains(target)
                ? ask(List.of(target), request, timeout).thenApply(r -> r.get(0))
                : CompletableFuture.completedFuture(null));
    }

    private CompletionStage<List<Reply>> ask(List<String> targets, byte[] request, Duration timeout) {
        Waiting w = new Waiting();
        for (String t : targets) {
            w.replies.put(t, null);
        }
        w.missing = targets.size();
        long id = ids.incrementAndGet();
        boolean remote = targets.size() > 1 || !targets.get(0).equals(node);
        if (remote && pending.size() >= MAX_PENDING) {
            log.warn("{} server API requests already wait for other nodes: this one asks this node only", MAX_PENDING);
            targets = targets.contains(node) ? List.of(node) : List.of();
        }
        if (remote) {
            pending.put(id, w);
        }
        byte[] message = concat(("Q " + node + " " + id + "\n").getBytes(StandardCharsets.UTF_8), request);
        for (String t : targets) {
            if (t.equals(node)) {
                handler.answer(request).whenComplete((body, e) -> {
                    if (e == null) {
                        w.answered(node, body);
                    }
                });
            } else if (!closed && connection.isOpen()) {
                try {
                    redis.publish(names.adminChannel(t), message).exceptionally(e -> {
                        w.unreachable(t);
                        return null;
                    });
                } catch (RuntimeException e) {
                    w.unreachable(t);
                }
            } else {
                w.unreachable(t);
            }
        }
        executor.schedule(() -> {
            pending.remove(id, w);
            w.finish();
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        return w.done.whenComplete((r, e) -> pending.remove(id, w));
    }

    /** Whether {@code ch} is this node's admin channel. */
    boolean handles(byte[] ch) {
        return Arrays.equals(ch, channel);
    }

    /** A request or answer received on this node's admin channel. */
    void received(byte[] message) {
        int nl = indexOf(message, (byte) '\n');
        if (nl < 3) {
            log.warn("malformed server API message ignored");
            return;
        }
        String[] head = new String(message, 0, nl, StandardCharsets.UTF_8).split(" ");
        byte[] body = Arrays.copyOfRange(message, nl + 1, message.length);
        try {
            if (head[0].equals("Q") && head.length == 3) {
                String from = head[1];
                String id = head[2];
                handler.answer(body).whenComplete((answer, e) -> {
                    if (e != null) {
                        log.warn("server API request of node {} not answered", from, e);
                    } else if (!closed && connection.isOpen()) {
                        byte[] reply = concat(("R " + node + " " + id + "\n").getBytes(StandardCharsets.UTF_8), answer);
                        redis.publish(names.adminChannel(from), reply).exceptionally(x -> null);
                    }
                });
            } else if (head[0].equals("T") && head.length == 3) {
                handler.answer(body).whenComplete((answer, e) -> {
                    if (e != null) {
                        log.warn("notice of node {} not handled", head[1], e);
                    }
                });
            } else if (head[0].equals("R") && head.length == 3) {
                Waiting w = pending.get(Long.parseLong(head[2]));
                if (w != null) {
                    w.answered(head[1], body);
                }
            } else {
                log.warn("malformed server API message ignored");
            }
        } catch (NumberFormatException e) {
            log.warn("malformed server API message ignored");
        }
    }

    /** Takes this node off the list (a clean stop): the other nodes stop asking it at once. */
    CompletableFuture<?> close() {
        closed = true;
        pending.values().forEach(Waiting::finish);
        if (!connection.isOpen()) {
            return CompletableFuture.completedFuture(null);
        }
        return CompletableFuture.allOf(redis.del(names.adminAlive(node)).toCompletableFuture(),
                redis.srem(names.adminNodes(), ascii(node)).toCompletableFuture());
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static int indexOf(byte[] a, byte b) {
        for (int i = 0; i < a.length; i++) {
            if (a[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
