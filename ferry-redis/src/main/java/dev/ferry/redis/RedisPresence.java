package dev.ferry.redis;

import dev.ferry.server.config.PresenceConfig;
import dev.ferry.server.store.PresenceChange;
import dev.ferry.server.store.PresenceEntry;
import dev.ferry.server.store.PresencePage;
import dev.ferry.server.store.PresenceStore;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.netty.util.concurrent.EventExecutor;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Presence shared by the nodes of a cluster (docs/redis.md, "Presence"). Per topic:
 * <ul>
 *   <li>{@code P:pe:<topic>}, a hash: connection id to the entry's JSON;</li>
 *   <li>{@code P:px:<topic>}, a sorted set: connection id scored by the time its entry expires, pushed back by
 *       its node every third of {@code presence.expiry};</li>
 *   <li>{@code P:po:<topic>}, a sorted set of the connection ids (all scored 0, so in byte order): the pages;</li>
 *   <li>{@code P:pc:<topic>}, a channel: {@code <node> LF <J|L> LF <entry>} for every join and leave, subscribed
 *       by the nodes with local watchers of the topic.</li>
 * </ul>
 * Every operation is one Lua script (atomic), and each one first removes the expired entries of the topic,
 * publishing their leaves as node {@code -}. A node refreshes its own entries, and purges the topics it watches,
 * at every heartbeat, so the entries of a node that died disappear, with their leaves, within {@code expiry}
 * plus a third of it. No method blocks, except {@link #close()}.
 */
final class RedisPresence implements PresenceStore {
    private static final Logger log = LoggerFactory.getLogger(RedisPresence.class);

    private static final String PURGE = """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
            for _, c in ipairs(expired) do
              local e = redis.call('HGET', KEYS[1], c)
              redis.call('HDEL', KEYS[1], c)
              redis.call('ZREM', KEYS[2], c)
              redis.call('ZREM', KEYS[3], c)
              if e then redis.call('PUBLISH', KEYS[4], '-\\nL\\n' .. e) end
            end
            """;

    /**
     * ARGV: conn, entry, expiry ms, max entries, node. Returns {1, old entry or ''}, {2, ''} when the entry was
     * there already unchanged (nothing published), or {0, ''} when the topic is full.
     */
    static final String JOIN = PURGE + """
            local old = redis.call('HGET', KEYS[1], ARGV[1])
            if not old and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[4]) then return {0, ''} end
            local ttl = tonumber(ARGV[3])
            redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
            redis.call('ZADD', KEYS[2], now + ttl, ARGV[1])
            redis.call('ZADD', KEYS[3], 0, ARGV[1])
            for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ttl * 2) end
            if old == ARGV[2] then return {2, ''} end
            if old then redis.call('PUBLISH', KEYS[4], ARGV[5] .. '\\nL\\n' .. old) end
            redis.call('PUBLISH', KEYS[4], ARGV[5] .. '\\nJ\\n' .. ARGV[2])
            return {1, old or ''}
            """;

    /** ARGV: conn, node. */
    static final String LEAVE = PURGE + """
            local old = redis.call('HGET', KEYS[1], ARGV[1])
            if not old then return 0 end
            redis.call('HDEL', KEYS[1], ARGV[1])
            redis.call('ZREM', KEYS[2], ARGV[1])
            redis.call('ZREM', KEYS[3], ARGV[1])
            redis.call('PUBLISH', KEYS[4], ARGV[2] .. '\\nL\\n' .. old)
            return 1
            """;

    /** ARGV: after ('' for the start), limit. Returns {count, next or '', entry...}. */
    static final String READ = PURGE + """
            local limit = tonumber(ARGV[2])
            local min = ARGV[1] == '' and '-' or ('(' .. ARGV[1])
            local conns = redis.call('ZRANGEBYLEX', KEYS[3], min, '+', 'LIMIT', 0, limit + 1)
            local out = {redis.call('HLEN', KEYS[1]), ''}
            for i, c in ipairs(conns) do
              if i > limit then out[2] = conns[i - 1]; break end
              out[#out + 1] = redis.call('HGET', KEYS[1], c) or ''
            end
            return out
            """;

    /**
     * ARGV: expiry ms, then conn and entry pairs of this node's entries in the topic: pushes back their expiry
     * and puts back any that Redis lost (announced as joins, since their loss was announced as leaves).
     */
    static final String REFRESH = PURGE + """
            local ttl = tonumber(ARGV[1])
            for i = 2, #ARGV, 2 do
              if redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1]) == 1 then
                redis.call('PUBLISH', KEYS[4], '-\\nJ\\n' .. ARGV[i + 1])
              end
              redis.call('ZADD', KEYS[2], now + ttl, ARGV[i])
              redis.call('ZADD', KEYS[3], 0, ARGV[i])
            end
            if #ARGV > 1 then
              for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ttl * 2) end
            end
            return 1
            """;

    private final RedisClusterAsyncCommands<byte[], byte[]> redis;
    private final StatefulRedisPubSubConnection<byte[], byte[]> pubsub;
    private final Names names;
    private final String node;
    private final PresenceConfig config;
    private final EventExecutor executor;
    private final Map<String, String> shas = new ConcurrentHashMap<>();
    /** This node's entries: topic to connection id to entry. */
    private final ConcurrentHashMap<String, ConcurrentHashMap<String, PresenceEntry>> local = new ConcurrentHashMap<>();
    /** Topics whose channel is subscribed, with how many watches each. Guarded by itself. */
    private final Map<String, Integer> watched = new java.util.HashMap<>();
    private volatile Listener listener = (topic, changes) -> { };
    private ScheduledFuture<?> heartbeat;
    private volatile boolean closed;

    RedisPresence(RedisClusterAsyncCommands<byte[], byte[]> redis, StatefulRedisPubSubConnection<byte[], byte[]> pubsub,
                  Names names, String node, PresenceConfig config, EventExecutor executor) {
        this.redis = redis;
        this.pubsub = pubsub;
        this.names = names;
        this.node = node;
        this.config = config;
        this.executor = executor;
    }

    @Override
    public void start(Listener listener) {
        this.listener = listener;
        long every = Math.max(100, config.expiry().toMillis() / 3);
        heartbeat = executor.scheduleAtFixedRate(this::refresh, every, every, TimeUnit.MILLISECONDS);
    }

    @Override
    public CompletionStage<Boolean> join(String topic, PresenceEntry entry, int maxEntries) {
        byte[] json = entry.json();
        byte[][] argv = {utf8(entry.conn()), json, ascii(config.expiry().toMillis()), ascii(maxEntries), ascii(node)};
        local.computeIfAbsent(topic, t -> new ConcurrentHashMap<>()).put(entry.conn(), entry);
        return eval(JOIN, ScriptOutputType.MULTI, keys(topic), argv).thenApply(r -> {
            List<?> out = (List<?>) r;
            if ((Long) out.get(0) == 0) {
                forget(topic, entry.conn());
                return false;
            }
            byte[] old = (byte[]) out.get(1);
            if ((Long) out.get(0) == 2) {
                return true;
            }
            listener.changed(topic, old.length == 0 ? List.of(PresenceChange.join(entry))
                    : List.of(PresenceChange.leave(PresenceEntry.parse(old)), PresenceChange.join(entry)));
            return true;
        });
    }

    @Override
    public CompletionStage<Void> leave(String topic, PresenceEntry entry) {
        forget(topic, entry.conn());
        return eval(LEAVE, ScriptOutputType.INTEGER, keys(topic), new byte[][] {utf8(entry.conn()), ascii(node)})
                .thenAccept(r -> {
                    if ((Long) r == 1) {
                        listener.changed(topic, List.of(PresenceChange.leave(entry)));
                    }
                });
    }

    @Override
    public CompletionStage<PresencePage> read(String topic, String after, int limit) {
        byte[][] argv = {after == null ? new byte[0] : utf8(after), ascii(limit)};
        return eval(READ, ScriptOutputType.MULTI, keys(topic), argv).thenApply(r -> {
            List<?> out = (List<?>) r;
            List<byte[]> entries = new ArrayList<>(out.size() - 2);
            for (int i = 2; i < out.size(); i++) {
                byte[] e = (byte[]) out.get(i);
                if (e.length > 0) {
                    entries.add(e);
                }
            }
            String next = new String((byte[]) out.get(1), StandardCharsets.UTF_8);
            return new PresencePage(topic, ((Long) out.get(0)).intValue(), entries, next.isEmpty() ? null : next);
        });
    }

    @Override
    public void watch(String topic) {
        synchronized (watched) {
            if (watched.merge(topic, 1, Integer::sum) == 1) {
                pubsub.async().subscribe(names.presenceChannel(topic));
            }
        }
    }

    @Override
    public void unwatch(String topic) {
        synchronized (watched) {
            Integer n = watched.get(topic);
            if (n == null) {
                return;
            }
            if (n > 1) {
                watched.put(topic, n - 1);
                return;
            }
            watched.remove(topic);
            if (pubsub.isOpen()) {
                pubsub.async().unsubscribe(names.presenceChannel(topic)).exceptionally(e -> null);
            }
        }
    }

    /** Whether {@code channel} is a presence channel (its messages go to {@link #received}). */
    boolean handles(byte[] channel) {
        return names.topicOfPresenceChannel(channel) != null;
    }

    /** A change published on a topic's presence channel: another node's are reported, this node's are known. */
    void received(byte[] channel, byte[] message) {
        String topic = names.topicOfPresenceChannel(channel);
        int a = indexOf(message, 0);
        int b = a < 0 ? -1 : indexOf(message, a + 1);
        if (topic == null || b != a + 2) {
            log.warn("malformed presence message ignored");
            return;
        }
        String from = new String(message, 0, a, StandardCharsets.UTF_8);
        if (from.equals(node)) {
            return;
        }
        PresenceEntry e;
        try {
            e = PresenceEntry.parse(java.util.Arrays.copyOfRange(message, b + 1, message.length));
        } catch (IllegalArgumentException bad) {
            log.warn("malformed presence entry ignored", bad);
            return;
        }
        listener.changed(topic, List.of(message[a + 1] == 'J' ? PresenceChange.join(e) : PresenceChange.leave(e)));
    }

    /** Changes published while the pub/sub connection was down are lost: watchers must read again. */
    void interrupted() {
        List<String> topics;
        synchronized (watched) {
            topics = List.copyOf(watched.keySet());
        }
        topics.forEach(listener::lost);
    }

    /** The heartbeat: pushes back this node's entries' expiry and purges the topics it watches. */
    private void refresh() {
        if (closed) {
            return;
        }
        java.util.Set<String> topics = new java.util.HashSet<>(local.keySet());
        synchronized (watched) {
            topics.addAll(watched.keySet());
        }
        for (String topic : topics) {
            List<byte[]> argv = new ArrayList<>();
            argv.add(ascii(config.expiry().toMillis()));
            Map<String, PresenceEntry> mine = local.get(topic);
            if (mine != null) {
                mine.values().forEach(e -> {
                    argv.add(utf8(e.conn()));
                    argv.add(e.json());
                });
            }
            eval(REFRESH, ScriptOutputType.INTEGER, keys(topic), argv.toArray(byte[][]::new)).exceptionally(e -> {
                log.debug("presence refresh of {} failed", topic, e);
                return null;
            });
        }
    }

    private void forget(String topic, String conn) {
        local.computeIfPresent(topic, (t, m) -> {
            m.remove(conn);
            return m.isEmpty() ? null : m;
        });
    }

    private byte[][] keys(String topic) {
        return new byte[][] {names.presenceEntries(topic), names.presenceExpiry(topic), names.presenceOrder(topic),
                names.presenceChannel(topic)};
    }

    /** EVALSHA, falling back to EVAL when Redis does not have the script (first use, or after a restart). */
    private CompletableFuture<Object> eval(String script, ScriptOutputType type, byte[][] keys, byte[][] argv) {
        CompletableFuture<Object> out = new CompletableFuture<>();
        try {
            String sha = shas.computeIfAbsent(script, RedisPresence::sha1);
            redis.<Object>evalsha(sha, type, keys, argv).whenComplete((r, e) -> {
                if (e == null) {
                    out.complete(r);
                } else if (e instanceof RedisNoScriptException || String.valueOf(e.getMessage()).startsWith("NOSCRIPT")) {
                    redis.<Object>eval(script, type, keys, argv).whenComplete((r2, e2) -> {
                        if (e2 == null) {
                            out.complete(r2);
                        } else {
                            out.completeExceptionally(e2);
                        }
                    });
                } else {
                    out.completeExceptionally(e);
                }
            });
        } catch (RuntimeException e) {
            out.completeExceptionally(e);
        }
        return out;
    }

    private static String sha1(String script) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(script.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Stops the heartbeat and removes this node's remaining entries (waiting at most a second). */
    void close() {
        closed = true;
        if (heartbeat != null) {
            heartbeat.cancel(false);
        }
        List<CompletableFuture<?>> all = new ArrayList<>();
        local.forEach((topic, entries) -> entries.values().forEach(e -> all.add(
                eval(LEAVE, ScriptOutputType.INTEGER, keys(topic), new byte[][] {utf8(e.conn()), ascii(node)}))));
        local.clear();
        try {
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(1, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.debug("could not remove this node's presence entries from Redis", e);
        }
    }

    private static int indexOf(byte[] a, int from) {
        for (int i = from; i < a.length; i++) {
            if (a[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static byte[] ascii(Object o) {
        return String.valueOf(o).getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
