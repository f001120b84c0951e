package dev.ferry.redis;

import dev.ferry.protocol.CancelMode;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.InvokePolicy;
import dev.ferry.protocol.Payload;
import dev.ferry.protocol.Topics;
import dev.ferry.server.config.EngineConfig;
import dev.ferry.server.config.HistoryConfig;
import dev.ferry.server.engine.DisclosedCaller;
import dev.ferry.server.engine.Engine;
import dev.ferry.server.engine.Fanout;
import dev.ferry.server.engine.OutcomeUnknownException;
import dev.ferry.server.engine.ProcedureStats;
import dev.ferry.server.engine.Published;
import dev.ferry.server.engine.RemoteProcedures;
import dev.ferry.server.engine.TopicSnapshot;
import dev.ferry.server.engine.NodeCalls;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.netty.util.concurrent.DefaultEventExecutor;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine over Redis: several nodes sharing one Redis behave as one (docs/redis.md).
 *
 * <ul>
 *   <li>Publish: one Lua script assigns the offset, appends to the topic's stream (trimmed by count and age) and
 *       publishes on the topic's channel: one round trip, one PUBLISH, one XADD, whatever the subscribers.</li>
 *   <li>Subscriptions: one pub/sub connection per node; a Redis channel or glob is subscribed while local
 *       subscriptions need it (reference-counted). Publications arrive in Redis order, on one thread, and are
 *       handed to the hub's fanout; a publication seen twice (a channel and a glob both match) is dropped by
 *       offset.</li>
 *   <li>Reads: one Lua script returns the epoch, offset, first retained offset and entries atomically.</li>
 *   <li>RPC: a set of nodes per procedure, a liveness key per node refreshed every second, and a channel per
 *       node carrying calls to it and replies to its callers.</li>
 * </ul>
 *
 * <p>No method blocks except {@link #start} and {@link #close}, which run on the thread that starts or stops
 * the server.
 */
public final class RedisEngine implements Engine, RemoteProcedures, dev.ferry.server.engine.StateStore {
    private static final Logger log = LoggerFactory.getLogger(RedisEngine.class);
    private static final Duration HEARTBEAT = Duration.ofSeconds(1);
    private static final Duration NODE_TTL = Duration.ofSeconds(5);
    private static final int SEEN_TOPICS = 65_536;
    /** In {@link #routes}: a node for the call is being picked (no node id is empty). */
    private static final String UNROUTED = "";

    private final RedisConfig config;
    private final java.time.Duration dedupWindow;
    /** Read at each publication and history read; a reload replaces it ({@link #reloadHistory}). */
    private volatile HistoryConfig history;
    private final Names names;
    private final String node = Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1);
    private final EventExecutor executor = new DefaultEventExecutor(new DefaultThreadFactory("ferry-redis", true));
    /** Redis subscriptions (channels and globs) with the number of patterns needing each. Guarded by itself. */
    private final Map<String, Subscription> subscriptions = new HashMap<>();
    /** Per topic, the last (epoch, offset) handed to the fanout. Guarded by itself. */
    private final Map<String, Seen> seen = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Seen> eldest) {
            return size() > SEEN_TOPICS;
        }
    };
    private final AtomicBoolean interruptedSinceConnected = new AtomicBoolean();
    /**
     * Whether the last liveness PING went unanswered for {@code redis.timeout}: Redis is hung (paused, overloaded, a
     * dead peer whose connection has not dropped). Until a PING is answered again the node is not ready and commands
     * are refused without being sent. Written by the probe only.
     */
    private volatile boolean hung;
    /** Whether a liveness PING is in flight; the probe sends one at a time. */
    private final AtomicBoolean probing = new AtomicBoolean();

    private ClientResources resources;
    private AbstractRedisClient client;
    /** Whether {@code redis.uri} names a Redis Cluster ({@code redis-cluster://}, {@code rediss-cluster://}). */
    private boolean clusterMode;
    private StatefulConnection<byte[], byte[]> connection;
    private StatefulRedisPubSubConnection<byte[], byte[]> pubsub;
    private RedisClusterAsyncCommands<byte[], byte[]> redis;
    private String publishSha;
    private String readSha;
    private String pickSha;
    private String registerSha;
    private String stateReadSha;
    private String stateCommitSha;
    private String clearSha;
    private volatile Fanout fanout;
    private volatile NodeCalls rpc;
    /**
     * Calls this node routed to another one and not settled: invocation id to the node it went to
     * ({@link #UNROUTED} while one is being picked), so that a cancel reaches it.
     */
    private final ConcurrentHashMap<Long, String> routes = new ConcurrentHashMap<>();
    /** Calls other nodes routed here and not settled, by caller node and its id ({@link RemoteCaller#key}). */
    private final ConcurrentHashMap<String, RemoteCaller> incoming = new ConcurrentHashMap<>();
    /** Every node's procedures, merged by the last heartbeat (null before the first). */
    private volatile List<ProcedureStats> clusterProcedures;
    private volatile boolean started;
    /** Subscriber counts per pattern over the cluster, as gathered at the last heartbeat. */
    private volatile Map<String, Integer> clusterIndex;
    private volatile boolean closed;
    private RedisSessionStore sessionStore;
    /** The server API's requests between nodes, once the server asked for them. */
    private volatile RedisNodeLink nodeLink;
    /** The cluster's presence, once the server asked for it. */
    private volatile RedisPresence presence;

    /** An engine on the Redis of {@code redis}; publication ids are remembered for {@code engine}'s dedup window. */
    public RedisEngine(RedisConfig redis, EngineConfig engine, HistoryConfig history) {
        this.config = redis;
        this.dedupWindow = engine.dedupWindow();
        this.history = history;
        this.names = new Names(redis.prefix());
    }

    private static final class Subscription {
        int count;
        CompletableFuture<Void> active;
    }

    private record Seen(String epoch, long offset) {
    }

    /** This node's id in the cluster (its channel and liveness key). */
    public String node() {
        return node;
    }

    @Override
    public String name() {
        return "redis";
    }

    /**
     * History settings are sent with each publication, state write and history read (the scripts keep a topic's
     * stream within them): a reload applies to each topic from its next one on, on this node.
     */
    @Override
    public boolean reloadsHistory() {
        return true;
    }

    @Override
    public void reloadHistory(HistoryConfig next) {
        this.history = next;
    }

    @Override
    public void start(Fanout fanout, NodeCalls rpc) {
        this.fanout = fanout;
        this.rpc = rpc;
        resources = ClientResources.builder()
                .reconnectDelay(Delay.exponential(Duration.ofMillis(50), Duration.ofSeconds(5), 2, TimeUnit.MILLISECONDS))
                .build();
        String uri = config.uri();
        clusterMode = uri.startsWith("redis-cluster://") || uri.startsWith("rediss-cluster://");
        try {
            if (clusterMode) {
                // Lettuce reads a cluster's seed nodes from a redis:// URI with several hosts
                RedisClusterClient c = RedisClusterClient.create(resources, uri.replaceFirst("-cluster://", "://"));
                c.setOptions(ClusterClientOptions.builder()
                        .autoReconnect(true)
                        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                        .timeoutOptions(TimeoutOptions.enabled(config.timeout()))
                        .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                                .enableAllAdaptiveRefreshTriggers()
                                .enablePeriodicRefresh(Duration.ofSeconds(30))
                                .build())
                        .build());
                client = c;
                StatefulRedisClusterConnection<byte[], byte[]> cc = c.connect(ByteArrayCodec.INSTANCE);
                connection = cc;
                redis = cc.async();
                pubsub = c.connectPubSub(ByteArrayCodec.INSTANCE);
            } else {
                RedisClient c = RedisClient.create(resources, RedisURI.create(uri));
                c.setOptions(ClientOptions.builder()
                        .autoReconnect(true)
                        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                        .timeoutOptions(TimeoutOptions.enabled(config.timeout()))
                        .build());
                client = c;
                StatefulRedisConnection<byte[], byte[]> sc = c.connect(ByteArrayCodec.INSTANCE);
                connection = sc;
                redis = sc.async();
                pubsub = c.connectPubSub(ByteArrayCodec.INSTANCE);
            }
            client.addListener(new StateListener());
            pubsub.addListener(new Listener());
            long waitMs = config.timeout().toMillis();
            publishSha = redis.scriptLoad(Scripts.PUBLISH).get(waitMs, TimeUnit.MILLISECONDS);
            readSha = redis.scriptLoad(Scripts.READ).get(waitMs, TimeUnit.MILLISECONDS);
            pickSha = redis.scriptLoad(Scripts.PICK).get(waitMs, TimeUnit.MILLISECONDS);
            registerSha = redis.scriptLoad(Scripts.REGISTER).get(waitMs, TimeUnit.MILLISECONDS);
            stateReadSha = redis.scriptLoad(Scripts.STATE_READ).get(waitMs, TimeUnit.MILLISECONDS);
            stateCommitSha = redis.scriptLoad(Scripts.STATE_COMMIT).get(waitMs, TimeUnit.MILLISECONDS);
            clearSha = redis.scriptLoad(Scripts.CLEAR).get(waitMs, TimeUnit.MILLISECONDS);
            pubsub.async().subscribe(names.nodeChannel(node)).get(waitMs, TimeUnit.MILLISECONDS);
            heartbeat().toCompletableFuture().get(waitMs, TimeUnit.MILLISECONDS);
            sessionStore = new RedisSessionStore(redis, names, node, executor);
        } catch (Exception e) {
            close();
            throw new IllegalStateException("engine redis: cannot reach " + config.uri() + ": " + e.getMessage(), e);
        }
        executor.scheduleAtFixedRate(this::heartbeat, HEARTBEAT.toMillis(), HEARTBEAT.toMillis(), TimeUnit.MILLISECONDS);
        long probeMs = Math.min(HEARTBEAT.toMillis(), config.timeout().toMillis());
        executor.scheduleAtFixedRate(this::probe, probeMs, probeMs, TimeUnit.MILLISECONDS);
        started = true;
        log.info("Redis engine: node {} on {} (prefix {})", node, config.uri(), config.prefix());
    }

    @Override
    public dev.ferry.server.store.SessionStore sessionStore() {
        return sessionStore;
    }

    @Override
    public Map<String, Integer> clusterPatternCounts() {
        Map<String, Integer> merged = clusterIndex;
        return merged != null ? merged : (fanout != null ? fanout.patternCounts() : Map.of());
    }

    @Override
    public dev.ferry.server.store.PresenceStore presenceStore(dev.ferry.server.config.PresenceConfig config) {
        if (config.isEmpty()) {
            return null;
        }
        presence = new RedisPresence(redis, pubsub, names, node, config, executor);
        return presence;
    }

    @Override
    public dev.ferry.server.engine.NodeLink nodeLink(String name, dev.ferry.server.engine.NodeLink.Handler handler) {
        try {
            nodeLink = new RedisNodeLink(redis, connection, pubsub, names, name, handler, executor, config.timeout());
        } catch (Exception e) {
            throw new IllegalStateException("engine redis: cannot reach " + config.uri() + ": " + e.getMessage(), e);
        }
        return nodeLink;
    }

    @Override
    public boolean ready() {
        return started && !closed && connection.isOpen() && pubsub.isOpen() && !hung;
    }

    /**
     * The liveness probe: a PING on the command connection every second (every {@code redis.timeout} when shorter),
     * one at a time, bounded by {@code redis.timeout} like every command. Unanswered in time: Redis is hung; answered:
     * it is not. A PING refused because the connection is down changes nothing (the connection's state says so).
     */
    private void probe() {
        if (closed || !connection.isOpen() || !probing.compareAndSet(false, true)) {
            return;
        }
        try {
            redis.ping().whenComplete((pong, e) -> {
                probing.set(false);
                if (e == null) {
                    if (hung) {
                        log.info("Redis answers again");
                    }
                    hung = false;
                } else if (e instanceof io.lettuce.core.RedisCommandTimeoutException && !hung) {
                    hung = true;
                    log.warn("Redis did not answer a PING within {}: not ready, commands refused until it does",
                            config.timeout());
                }
            });
        } catch (RuntimeException e) {
            probing.set(false);
        }
    }

    // ------------------------------------------------------------ publications

    @Override
    public CompletionStage<Published> publish(String topic, Payload data, Map<String, String> tags, String pubId) {
        byte[][] keys = pubId == null ? new byte[][] {names.meta(topic), names.stream(topic), names.topicChannel(topic)}
                : new byte[][] {names.meta(topic), names.stream(topic), names.topicChannel(topic), names.pubId(topic, pubId)};
        byte[] kind;
        try {
            kind = PublicationKind.encode(data, tags);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        byte[] ttl = ascii(history.limitsFor(topic).ttl().toMillis());
        byte[][] args = pubId == null ? new byte[][] {kind, data.bytes(), ascii(retained(topic)), ttl, ascii(newEpoch())}
                : new byte[][] {kind, data.bytes(), ascii(retained(topic)), ttl, ascii(newEpoch()),
                        ascii(dedupWindow.toMillis())};
        return eval(publishSha, Scripts.PUBLISH, keys, args).handle((r, e) -> {
            if (e == null) {
                List<?> l = (List<?>) r;
                return new Published(new String((byte[]) l.get(1), StandardCharsets.US_ASCII), (Long) l.get(0));
            }
            if (dev.ferry.server.engine.StateTopicException.in(e) || notSent(e)) {
                throw e instanceof java.util.concurrent.CompletionException c ? c : new java.util.concurrent.CompletionException(e);
            }
            throw new OutcomeUnknownException("Redis did not answer the publication on " + topic, e);
        });
    }

    /**
     * Whether a failed command never ran in Redis: Lettuce refused to write it (not connected, closed, queue full),
     * the liveness probe found Redis hung and it was not sent, or Redis answered with an error (it refuses a script
     * before running it, and the publish script's own refusals come before its first write). A command that was
     * written and got no answer (a timeout, the connection lost under it) may have run.
     */
    static boolean notSent(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof io.lettuce.core.RedisCommandExecutionException || t instanceof HungException) {
                return true;
            }
            String m = t.getMessage();
            if (t.getClass() == io.lettuce.core.RedisException.class && m != null
                    && (m.startsWith("Currently not connected") || m.startsWith("Connection is closed")
                    || m.startsWith("Request queue size exceeded") || m.startsWith("Command buffer size exceeded"))) {
                return true;
            }
        }
        return false;
    }

    /** A command not sent because the liveness probe finds Redis hung. */
    static final class HungException extends RuntimeException {
        HungException() {
            super("Redis does not answer (no PING answer within redis.timeout); the command was not sent", null, false, false);
        }
    }

    /**
     * A script's failure as callers see it: the publish script's refusal of a state channel ({@link Scripts#PUBLISH},
     * whose third key is the topic's channel) becomes a {@link dev.ferry.server.engine.StateTopicException}.
     */
    private Throwable refusal(Throwable e, byte[][] keys) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (String.valueOf(t.getMessage()).contains("STATE_CHANNEL") && keys.length > 2) {
                String topic = names.topicOf(keys[2]);
                return topic == null ? e : new dev.ferry.server.engine.StateTopicException(topic);
            }
        }
        return e;
    }

    // ------------------------------------------------------------ state channels

    @Override
    public dev.ferry.server.engine.StateStore stateStore() {
        return this;
    }

    @Override
    public CompletionStage<Document> readState(String topic) {
        byte[][] keys = {names.meta(topic), names.stream(topic)};
        byte[][] args = {ascii(retained(topic)), ascii(history.limitsFor(topic).ttl().toMillis())};
        return eval(stateReadSha, Scripts.STATE_READ, keys, args).thenApply(r -> {
            List<?> l = (List<?>) r;
            String epoch = new String((byte[]) l.get(0), StandardCharsets.UTF_8);
            return new Document(topic, epoch.isEmpty() ? null : epoch, (Long) l.get(1), l.size() > 2 ? (byte[]) l.get(2) : null);
        });
    }

    @Override
    public CompletionStage<Commit> commitState(String topic, String epoch, long version, byte[] json, Payload patch) {
        byte[][] keys = {names.meta(topic), names.stream(topic), names.topicChannel(topic)};
        byte[][] args = {patch.bytes(), ascii(retained(topic)), ascii(history.limitsFor(topic).ttl().toMillis()),
                ascii(newEpoch()), ascii(epoch == null ? "" : epoch), ascii(version), json};
        return eval(stateCommitSha, Scripts.STATE_COMMIT, keys, args).thenApply(r -> {
            List<?> l = (List<?>) r;
            return new Commit((Long) l.get(0) == 1, new String((byte[]) l.get(1), StandardCharsets.UTF_8), (Long) l.get(2));
        });
    }

    @Override
    public CompletionStage<Void> addInterest(String pattern) {
        String name = names.subscription(pattern);
        synchronized (subscriptions) {
            Subscription s = subscriptions.computeIfAbsent(name, n -> new Subscription());
            if (s.count++ == 0) {
                byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
                s.active = (Names.isGlob(name) ? pubsub.async().psubscribe(bytes) : pubsub.async().subscribe(bytes))
                        .toCompletableFuture();
            }
            return s.active;
        }
    }

    @Override
    public void removeInterest(String pattern) {
        String name = names.subscription(pattern);
        synchronized (subscriptions) {
            Subscription s = subscriptions.get(name);
            if (s == null || --s.count > 0) {
                return;
            }
            subscriptions.remove(name);
            byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
            if (pubsub.isOpen()) {
                (Names.isGlob(name) ? pubsub.async().punsubscribe(bytes) : pubsub.async().unsubscribe(bytes))
                        .exceptionally(e -> null);
            }
        }
    }

    @Override
    public CompletionStage<TopicSnapshot> read(String topic, long after, long before, int limit, boolean reverse) {
        byte[][] keys = {names.meta(topic), names.stream(topic)};
        byte[][] args = {ascii(after), ascii(before), ascii(limit), ascii(reverse ? 1 : 0), ascii(retained(topic)),
                ascii(history.limitsFor(topic).ttl().toMillis()), ascii("")};
        return eval(readSha, Scripts.READ, keys, args).thenApply(r -> snapshot(topic, (List<?>) r));
    }

    @Override
    public CompletionStage<Long> clearHistory(String topic) {
        byte[][] keys = {names.meta(topic), names.stream(topic), names.topicChannel(topic)};
        return eval(clearSha, Scripts.CLEAR, ScriptOutputType.INTEGER, keys, new byte[][] {ascii(newEpoch())})
                .thenApply(r -> (Long) r);
    }

    private static TopicSnapshot snapshot(String topic, List<?> r) {
        String epoch = new String((byte[]) r.get(0), StandardCharsets.UTF_8);
        if (epoch.isEmpty()) {
            return TopicSnapshot.empty(topic);
        }
        long offset = (Long) r.get(1);
        long first = (Long) r.get(2);
        List<Frame.Msg> items = new ArrayList<>(r.size() - 3);
        List<Long> times = new ArrayList<>(r.size() - 3);
        for (int i = 3; i < r.size(); i++) {
            List<?> e = (List<?>) r.get(i);
            items.add(PublicationKind.msg(topic, (Long) e.get(0), epoch, (byte[]) e.get(2), (byte[]) e.get(3), 0));
            times.add((Long) e.get(1));
        }
        return new TopicSnapshot(topic, epoch, offset, first, items, times);
    }

    /** Publications kept for {@code topic}: 0 for a lossy topic, else its rule's or the default count. */
    private long retained(String topic) {
        for (String p : history.lossyTopics()) {
            if (Topics.matches(p, topic)) {
                return 0;
            }
        }
        return history.limitsFor(topic).size();
    }

    private boolean lossy(String topic) {
        return !history.lossyTopics().isEmpty() && retained(topic) == 0;
    }

    /** A publication received on a topic channel: {@code epoch LF offset LF kind data} (kind: {@link PublicationKind}). */
    private void received(String topic, byte[] message) {
        int a = indexOf(message, (byte) '\n', 0);
        int b = a < 0 ? -1 : indexOf(message, (byte) '\n', a + 1);
        if (b < 0 || b + 1 >= message.length) {
            log.warn("malformed publication on topic {} ignored", topic);
            return;
        }
        String epoch = new String(message, 0, a, StandardCharsets.US_ASCII);
        long offset = Long.parseLong(new String(message, a + 1, b - a - 1, StandardCharsets.US_ASCII));
        synchronized (seen) {
            Seen last = seen.get(topic);
            if (last != null && last.epoch.equals(epoch) && offset <= last.offset) {
                return; // the same publication through a second matching subscription
            }
            seen.put(topic, new Seen(epoch, offset));
        }
        Frame.Msg m;
        try {
            m = PublicationKind.msg(topic, offset, epoch, null, message, b + 1);
        } catch (RuntimeException e) {
            log.warn("malformed publication on topic {} ignored: {}", topic, e.getMessage());
            return;
        }
        fanout.publication(m, lossy(topic));
    }

    // ------------------------------------------------------------ RPC between nodes

    @Override
    public RemoteProcedures remoteProcedures() {
        return this;
    }

    @Override
    public java.util.concurrent.CompletionStage<Void> registered(String proc) {
        if (redis != null && connection.isOpen()) {
            if (dev.ferry.protocol.Topics.hasWildcard(proc)) {
                // the other nodes find a pattern among the procedures the nodes share: share it now, not at the
                // next heartbeat, so that they know it by their next one
                return register(proc).thenCompose(ok -> shareProcedures()).thenApply(ok -> (Void) null);
            }
            return register(proc).thenApply(ok -> (Void) null);
        }
        return CompletableFuture.failedFuture(new IllegalStateException("Redis is not connected"));
    }

    /** Registers (or renews) this node as having callees of {@code proc}, for {@link #NODE_TTL}. */
    private CompletableFuture<Object> register(String proc) {
        return eval(registerSha, Scripts.REGISTER, ScriptOutputType.VALUE, new byte[][] {names.procedureNodes(proc)},
                new byte[][] {ascii(node), ascii(NODE_TTL.toMillis())});
    }

    @Override
    public void unregistered(String proc) {
        if (redis != null && connection.isOpen()) {
            redis.zrem(names.procedureNodes(proc), ascii(node)).exceptionally(e -> null);
        }
    }

    @Override
    public void invoke(long invocationId, String proc, Payload args, long timeoutMs, boolean progress) {
        invoke(invocationId, proc, proc, args, timeoutMs, progress);
    }

    @Override
    public void invoke(long invocationId, String proc, String registration, Payload args, long timeoutMs,
                       boolean progress) {
        invoke(invocationId, proc, registration, args, timeoutMs, progress, null);
    }

    /**
     * Picks a node among those with callees of {@code registration}; the call names {@code proc} and, when the
     * caller disclosed itself, the caller.
     */
    @Override
    public void invoke(long invocationId, String proc, String registration, Payload args, long timeoutMs,
                       boolean progress, DisclosedCaller disclosed) {
        byte[][] keys = {names.procedureNodes(registration), names.procedureCounter(registration)};
        byte[][] argv = {ascii(node)};
        routes.put(invocationId, UNROUTED);
        eval(pickSha, Scripts.PICK, ScriptOutputType.VALUE, keys, argv).thenCompose(picked -> {
            if (picked == null) {
                routes.remove(invocationId);
                rpc.remoteFailed(invocationId, ErrorCode.NO_SUCH_PROCEDURE, "no callee has registered \"" + proc + "\"", null);
                return CompletableFuture.completedFuture(null);
            }
            String target = new String((byte[]) picked, StandardCharsets.UTF_8);
            if (!routes.replace(invocationId, UNROUTED, target)) {
                return CompletableFuture.completedFuture(null); // settled (canceled, timed out) before it left
            }
            byte[] call = RpcWire.call(node, invocationId, proc, timeoutMs, args, progress, disclosed);
            return redis.publish(names.nodeChannel(target), call).thenAccept(receivers -> {
                // a cluster counts only the receivers on the Redis node that took the PUBLISH: trust 0 standalone only
                if (receivers == 0 && !clusterMode) {
                    routes.remove(invocationId);
                    rpc.remoteFailed(invocationId, ErrorCode.CALLEE_GONE, "the callee's node is gone", null);
                }
            });
        }).exceptionally(e -> {
            routes.remove(invocationId);
            rpc.remoteFailed(invocationId, ErrorCode.UNAVAILABLE, "the cluster backend is unavailable; try again", null);
            return null;
        });
    }

    @Override
    public void cancel(long invocationId, CancelMode mode) {
        String target = routes.remove(invocationId);
        if (target == null || mode == CancelMode.SKIP) {
            return;
        }
        if (target.equals(UNROUTED)) {
            // no callee has seen it: nothing to interrupt; a caller waiting for the callee's reply gets its outcome
            if (mode == CancelMode.KILL) {
                rpc.remoteFailed(invocationId, ErrorCode.CANCELED, "the call was canceled before it reached a callee", null);
            }
            return;
        }
        if (mode == CancelMode.KILL) {
            routes.put(invocationId, target); // the outcome still comes back from there
        }
        if (!closed && connection.isOpen()) {
            redis.publish(names.nodeChannel(target), RpcWire.cancel(node, invocationId, mode)).exceptionally(e -> null);
        }
    }

    /** A call or reply received on this node's channel. */
    private void receivedOnNodeChannel(byte[] message) {
        RpcWire.Message m;
        try {
            m = RpcWire.decode(message);
        } catch (RuntimeException e) {
            log.warn("malformed RPC message ignored", e);
            return;
        }
        NodeCalls r = rpc;
        if (m instanceof RpcWire.Call c) {
            RemoteCaller caller = new RemoteCaller(c.callerNode(), c.invocationId());
            incoming.put(caller.key, caller);
            caller.localId = r.callFromNode(caller, c.invocationId(), c.proc(), c.args(), c.timeoutMs(), c.progress(),
                    c.disclosed());
            if (caller.localId == 0) {
                incoming.remove(caller.key, caller);
            }
        } else if (m instanceof RpcWire.Cancel x) {
            RemoteCaller caller = incoming.get(x.callerNode() + "/" + x.invocationId());
            if (caller != null && caller.localId != 0) {
                r.cancelFromNode(caller.localId, x.mode());
            }
        } else if (m instanceof RpcWire.Progress g) {
            r.remoteProgress(g.invocationId(), g.data());
        } else if (m instanceof RpcWire.Success s) {
            routes.remove(s.invocationId());
            r.remoteSucceeded(s.invocationId(), s.data());
        } else if (m instanceof RpcWire.Failure f) {
            routes.remove(f.invocationId());
            ErrorCode code = ErrorCode.fromWire(f.code());
            r.remoteFailed(f.invocationId(), code == null ? ErrorCode.INTERNAL : code, f.message(), f.data());
        } else if (m instanceof RpcWire.SessionMoved moved && sessionStore != null) {
            sessionStore.movedElsewhere(moved.id());
        }
    }

    /**
     * The caller of one call that another node routed here: its progress and outcome go back on that node's
     * channel; listed in {@link #incoming} until the outcome, so that the caller's node can cancel it.
     */
    private final class RemoteCaller implements NodeCalls.Replies {
        private final String callerNode;
        /** The caller node's id of the call and the node: the key in {@link #incoming}. */
        final String key;
        /** This node's id of the call (0 until routed here, and when it found no callee). */
        volatile long localId;

        RemoteCaller(String callerNode, long invocationId) {
            this.callerNode = callerNode;
            this.key = callerNode + "/" + invocationId;
        }

        @Override
        public void progress(long requestId, Payload data) {
            send(RpcWire.progress(requestId, data));
        }

        @Override
        public EventExecutor executor() {
            return executor;
        }

        @Override
        public void succeeded(long requestId, Payload result) {
            incoming.remove(key, this);
            send(RpcWire.success(requestId, result));
        }

        @Override
        public void failed(long requestId, ErrorCode code, String message, Payload data) {
            incoming.remove(key, this);
            send(RpcWire.failure(requestId, code.wire(), message, data));
        }

        private void send(byte[] message) {
            if (!closed && connection.isOpen()) {
                redis.publish(names.nodeChannel(callerNode), message).exceptionally(e -> null);
            }
        }
    }

    /** Keeps this node's liveness key and its procedures in Redis (which may have lost them). */
    private CompletionStage<?> heartbeat() {
        if (closed || !connection.isOpen()) {
            return CompletableFuture.completedFuture(null);
        }
        List<CompletableFuture<?>> all = new ArrayList<>();
        all.add(redis.set(names.nodeAlive(node), ascii(1), SetArgs.Builder.px(NODE_TTL.toMillis())).toCompletableFuture());
        NodeCalls r = rpc;
        if (r != null) {
            for (String proc : r.localProcedures()) {
                all.add(register(proc));
            }
        }
        all.add(shareIndex());
        all.add(shareProcedures());
        RedisNodeLink l = nodeLink;
        if (l != null) {
            all.add(l.heartbeat().toCompletableFuture());
        }
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).exceptionally(e -> null);
    }

    /**
     * Publishes this node's subscriber counts per pattern (expiring with the node) and gathers every live node's,
     * for {@link #clusterPatternCounts()}: the topic index then sees the whole cluster, at most a heartbeat old.
     */
    private CompletableFuture<?> shareIndex() {
        Fanout f = fanout;
        if (f == null) {
            return CompletableFuture.completedFuture(null);
        }
        Map<byte[], byte[]> fields = new java.util.HashMap<>();
        f.patternCounts().forEach((p, n) -> fields.put(p.getBytes(StandardCharsets.UTF_8), ascii(n)));
        return shareNodeHash(fields, names::nodeIndex, names.indexNodes()).thenAccept(hashes -> {
            Map<String, Integer> merged = new java.util.HashMap<>();
            for (Map<byte[], byte[]> h : hashes) {
                h.forEach((p, n) -> merged.merge(new String(p, StandardCharsets.UTF_8),
                        Integer.parseInt(new String(n, StandardCharsets.US_ASCII)), Integer::sum));
            }
            clusterIndex = merged;
        });
    }

    /**
     * Writes this node's {@code fields} to its hash ({@code keyOf} this node; emptied when there are none), which
     * expires with the node, lists the node in {@code nodes}, and reads every listed node's hash; a node whose hash
     * is gone (expired with the node, or empty) is taken off the list.
     */
    private CompletableFuture<List<Map<byte[], byte[]>>> shareNodeHash(Map<byte[], byte[]> fields,
            java.util.function.Function<String, byte[]> keyOf, byte[] nodes) {
        byte[] key = keyOf.apply(node);
        CompletableFuture<?> written = redis.del(key).toCompletableFuture();
        if (!fields.isEmpty()) {
            written = redis.hset(key, fields).toCompletableFuture();
            redis.pexpire(key, NODE_TTL.toMillis());
        }
        redis.sadd(nodes, ascii(node));
        return written.thenCompose(x -> redis.smembers(nodes).toCompletableFuture()).thenCompose(members -> {
            List<CompletableFuture<Map<byte[], byte[]>>> reads = new ArrayList<>();
            List<byte[]> ids = new ArrayList<>(members);
            for (byte[] id : ids) {
                reads.add(redis.hgetall(keyOf.apply(new String(id, StandardCharsets.UTF_8))).toCompletableFuture());
            }
            return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).thenApply(v -> {
                List<Map<byte[], byte[]>> hashes = new ArrayList<>();
                for (int i = 0; i < reads.size(); i++) {
                    Map<byte[], byte[]> h = reads.get(i).join();
                    if (h.isEmpty() && !Arrays.equals(ids.get(i), ascii(node))) {
                        redis.srem(nodes, ids.get(i));
                    }
                    hashes.add(h);
                }
                return hashes;
            });
        });
    }

    @Override
    public List<ProcedureStats> clusterProcedures() {
        return clusterProcedures;
    }

    /**
     * Publishes this node's procedures with their counts (expiring with the node) and gathers every live node's,
     * for {@link #clusterProcedures()}: procedure listings then see the whole cluster, at most a heartbeat old.
     */
    private CompletableFuture<?> shareProcedures() {
        NodeCalls r = rpc;
        if (r == null) {
            return CompletableFuture.completedFuture(null);
        }
        Map<byte[], byte[]> fields = new java.util.HashMap<>();
        for (ProcedureStats p : r.registered()) {
            fields.put(p.proc().getBytes(StandardCharsets.UTF_8), (p.callees() + " " + p.invoke().wire() + " "
                    + p.calls() + " " + p.callsPerSecond()).getBytes(StandardCharsets.US_ASCII));
        }
        return shareNodeHash(fields, names::nodeProcedures, names.procedureListNodes()).thenAccept(hashes -> {
            Map<String, ProcedureStats> merged = new java.util.TreeMap<>();
            for (Map<byte[], byte[]> h : hashes) {
                h.forEach((p, v) -> {
                    ProcedureStats stats = procedureStats(new String(p, StandardCharsets.UTF_8), v);
                    if (stats != null) {
                        merged.merge(stats.proc(), stats, ProcedureStats::plus);
                    }
                });
            }
            clusterProcedures = List.copyOf(merged.values());
        });
    }

    /** A node's entry for {@code proc} ("callees policy calls rate"), or null when it does not parse. */
    private static ProcedureStats procedureStats(String proc, byte[] value) {
        String[] f = new String(value, StandardCharsets.US_ASCII).split(" ");
        InvokePolicy policy = f.length == 4 ? InvokePolicy.fromWire(f[1]) : null;
        if (policy == null) {
            return null;
        }
        try {
            return new ProcedureStats(proc, Integer.parseInt(f[0]), policy, Long.parseLong(f[2]), Double.parseDouble(f[3]));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    // ------------------------------------------------------------ connection state

    private final class Listener extends RedisPubSubAdapter<byte[], byte[]> {
        @Override
        public void message(byte[] channel, byte[] message) {
            RedisNodeLink l = nodeLink;
            if (l != null && l.handles(channel)) {
                l.received(message);
                return;
            }
            RedisPresence p = presence;
            if (p != null && p.handles(channel)) {
                p.received(channel, message);
                return;
            }
            String topic = names.topicOf(channel);
            if (topic != null) {
                received(topic, message);
            } else {
                receivedOnNodeChannel(message);
            }
        }

        @Override
        public void message(byte[] pattern, byte[] channel, byte[] message) {
            String topic = names.topicOf(channel);
            if (topic != null) {
                received(topic, message);
            }
        }
    }

    /**
     * The pub/sub connection dropped: publications may be lost until it is back, so the hub tells its
     * subscribers to recover (from this node once it reconnects, or from another).
     */
    private final class StateListener implements RedisConnectionStateListener {
        @Override
        public void onRedisDisconnected(RedisChannelHandler<?, ?> c) {
            if (c == pubsub && !closed && interruptedSinceConnected.compareAndSet(false, true)) {
                log.warn("Redis pub/sub connection lost; subscribers are told to recover");
                fanout.interrupted();
            }
        }

        @Override
        public void onRedisConnected(RedisChannelHandler<?, ?> c, SocketAddress address) {
            if (c == pubsub && interruptedSinceConnected.compareAndSet(true, false)) {
                log.info("Redis pub/sub connection back ({})", address);
                synchronized (seen) {
                    seen.clear();
                }
                RedisPresence p = presence;
                if (p != null) {
                    p.interrupted();
                }
            }
        }
    }

    // ------------------------------------------------------------ helpers

    /** EVALSHA, falling back to EVAL when Redis lost its script cache (a restart). */
    private CompletableFuture<Object> eval(String sha, String script, byte[][] keys, byte[][] args) {
        return eval(sha, script, ScriptOutputType.MULTI, keys, args);
    }

    private CompletableFuture<Object> eval(String sha, String script, ScriptOutputType type, byte[][] keys, byte[][] args) {
        if (hung) {
            return CompletableFuture.failedFuture(new HungException());
        }
        CompletableFuture<Object> out = new CompletableFuture<>();
        try {
            redis.<Object>evalsha(sha, type, keys, args).whenComplete((r, e) -> {
                if (e == null) {
                    out.complete(r);
                } else if (e instanceof RedisNoScriptException || String.valueOf(e.getMessage()).startsWith("NOSCRIPT")) {
                    redis.<Object>eval(script, type, keys, args).whenComplete((r2, e2) -> {
                        if (e2 == null) {
                            out.complete(r2);
                        } else {
                            out.completeExceptionally(refusal(e2, keys));
                        }
                    });
                } else {
                    out.completeExceptionally(refusal(e, keys));
                }
            });
        } catch (RuntimeException e) {
            out.completeExceptionally(e);
        }
        return out;
    }

    private static String newEpoch() {
        return Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);
    }

    private static byte[] ascii(Object o) {
        return String.valueOf(o).getBytes(StandardCharsets.US_ASCII);
    }

    private static int indexOf(byte[] a, byte b, int from) {
        for (int i = from; i < a.length; i++) {
            if (a[i] == b) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        RedisPresence p = presence;
        if (p != null && connection != null && connection.isOpen()) {
            p.close();
        }
        try {
            if (connection != null && connection.isOpen()) {
                List<CompletableFuture<?>> all = new ArrayList<>();
                all.add(redis.del(names.nodeAlive(node)).toCompletableFuture());
                RedisNodeLink l = nodeLink;
                if (l != null) {
                    all.add(l.close());
                }
                NodeCalls r = rpc;
                if (r != null) {
                    for (String proc : r.localProcedures()) {
                        all.add(redis.zrem(names.procedureNodes(proc), ascii(node)).toCompletableFuture());
                    }
                }
                CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(1, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            log.debug("could not deregister node {} from Redis", node, e);
        }
        if (pubsub != null) {
            pubsub.close();
        }
        if (connection != null) {
            connection.close();
        }
        if (client != null) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        if (resources != null) {
            resources.shutdown(0, 2, TimeUnit.SECONDS);
        }
        executor.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
