package dev.ferry.redis;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.store.ResumableSession;
import dev.ferry.server.store.SessionStore;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resumable sessions shared by the nodes of a cluster (docs/redis.md, "Sessions across nodes"). A session lives in
 * the memory of the node whose connection holds it, and its {@link ResumableSession.State} in the hash
 * {@code P:session:<id>} ({@code n}: the node holding it, {@code s}: the state as JSON):
 * <ul>
 *   <li>saved before its client is first told its token, when its connection goes away, and while it is held, at most once a {@link #SYNC} when it changed
 *       (positions advance with every publication written), or every third of {@code session.ttl} to keep it
 *       alive. The hash expires {@code session.ttl} after the last save (plus slack while held), so a session of
 *       a node that dies expires as if its connection had gone away then;</li>
 *   <li>claimed by a node that is asked for a session it does not hold: the hash names that node from then on,
 *       and the state becomes a session of that node;</li>
 *   <li>the node that held a claimed session is told on its channel (and, should that message be lost, its next
 *       save finds the session claimed): it stops holding it, and its connection (a half-open one its client
 *       already left) is closed with 4007, as within one node.</li>
 * </ul>
 * A state saved before the last publications written only makes a resumption replay more, which clients skip by
 * offset. All Redis calls are asynchronous.
 */
final class RedisSessionStore implements SessionStore {
    private static final Logger log = LoggerFactory.getLogger(RedisSessionStore.class);
    static final Duration SYNC = Duration.ofSeconds(1);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Saves the state unless another node holds the session; returns that node, or false. */
    static final String SAVE = """
            local owner = redis.call('HGET', KEYS[1], 'n')
            if owner and owner ~= ARGV[1] then return owner end
            redis.call('HSET', KEYS[1], 'n', ARGV[1], 's', ARGV[2])
            redis.call('PEXPIRE', KEYS[1], ARGV[3])
            return false
            """;

    /**
     * Takes the session for this node; returns its state, or false when no node has it. The node that held it is
     * told on its channel ({@code ARGV[3]}: the message, {@code ARGV[4]}: the prefix of node channels).
     */
    static final String CLAIM = """
            local state = redis.call('HGET', KEYS[1], 's')
            if not state then return false end
            local previous = redis.call('HGET', KEYS[1], 'n')
            redis.call('HSET', KEYS[1], 'n', ARGV[1])
            redis.call('PEXPIRE', KEYS[1], ARGV[2])
            if previous and previous ~= ARGV[1] then redis.call('PUBLISH', ARGV[4] .. previous, ARGV[3]) end
            return state
            """;

    /** Forgets the session if this node holds it. */
    static final String FORGET = """
            if redis.call('HGET', KEYS[1], 'n') == ARGV[1] then redis.call('DEL', KEYS[1]) end
            return false
            """;

    private final RedisClusterAsyncCommands<byte[], byte[]> redis;
    private final Names names;
    private final byte[] node;
    private final EventExecutor executor;
    private final Map<String, Held> held = new ConcurrentHashMap<>();
    private volatile SessionStore.Sessions sessions;

    /** A session of this node, with what was last saved of it. */
    private static final class Held {
        final ResumableSession session;
        volatile long savedChanges = -1;
        volatile long savedAt;

        Held(ResumableSession session) {
            this.session = session;
        }
    }

    RedisSessionStore(RedisClusterAsyncCommands<byte[], byte[]> redis, Names names, String node, EventExecutor executor) {
        this.redis = redis;
        this.names = names;
        this.node = node.getBytes(StandardCharsets.US_ASCII);
        this.executor = executor;
    }

    @Override
    public void start(Sessions sessions) {
        this.sessions = sessions;
        executor.scheduleAtFixedRate(this::sync, SYNC.toMillis(), SYNC.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void put(ResumableSession session) {
        held.put(session.id(), new Held(session));
    }

    @Override
    public ResumableSession get(String id) {
        Held h = held.get(id);
        return h == null ? null : h.session;
    }

    @Override
    public void remove(String id) {
        held.remove(id);
        eval(FORGET, id, node).exceptionally(e -> null);
    }

    @Override
    public int size() {
        return held.size();
    }

    @Override
    public CompletionStage<Void> announced(ResumableSession session) {
        Held h = held.get(session.id());
        if (h != null && h.savedChanges != session.changes()) {
            return save(h, ttl().toMillis() + 2 * SYNC.toMillis());
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void detached(ResumableSession session) {
        Held h = held.remove(session.id());
        save(h != null ? h : new Held(session), ttl().toMillis());
    }

    @Override
    public CompletionStage<ResumableSession> claim(String id) {
        return eval(CLAIM, id, node, ascii(ttl().toMillis() + 2 * SYNC.toMillis()), RpcWire.sessionMoved(id),
                names.nodeChannelPrefix()).thenApply(r -> {
            if (!(r instanceof byte[] bytes)) {
                return null;
            }
            ResumableSession restored;
            try {
                restored = ResumableSession.restored(JSON.readValue(bytes, ResumableSession.State.class), ttl().toNanos(),
                        sessions.clock());
            } catch (IOException e) {
                log.warn("session {}: unreadable state in Redis ignored: {}", id, e.getMessage());
                return null;
            }
            Held h = new Held(restored);
            h.savedChanges = restored.changes();
            h.savedAt = System.nanoTime();
            Held previous = held.putIfAbsent(id, h);
            return previous == null ? restored : previous.session;
        });
    }

    /** Another node resumed session {@code id}: a connection of this node still holding it is closed with 4007. */
    void movedElsewhere(String id) {
        Held h = held.remove(id);
        Sessions rs = sessions;
        if (h != null && rs != null) {
            rs.movedElsewhere(h.session);
        }
    }

    /** Saves the sessions of this node that changed, or whose hash is a third of its lifetime old. */
    private void sync() {
        long now = System.nanoTime();
        long refresh = ttl().toNanos() / 3;
        for (Held h : held.values()) {
            ResumableSession s = h.session;
            if (s.worthKeeping() && (s.changes() != h.savedChanges || now - h.savedAt > refresh)) {
                save(h, ttl().toMillis() + 2 * SYNC.toMillis());
            }
        }
    }

    /** Saves {@code h}'s state; completes (normally, whatever the outcome) once Redis answered. */
    private CompletionStage<Void> save(Held h, long ttlMs) {
        ResumableSession s = h.session;
        long changes = s.changes();
        byte[] state;
        try {
            state = JSON.writeValueAsBytes(s.state());
        } catch (IOException e) {
            log.warn("session {}: state not saved: {}", s.id(), e.getMessage());
            return CompletableFuture.completedFuture(null);
        }
        h.savedChanges = changes;
        h.savedAt = System.nanoTime();
        return eval(SAVE, s.id(), node, state, ascii(ttlMs)).handle((r, e) -> {
            if (e != null) {
                h.savedChanges = -1; // try again at the next sync
                log.debug("session {}: save failed: {}", s.id(), e.toString());
            } else if (r instanceof byte[] other && held.remove(s.id(), h)) {
                log.debug("session {} was resumed on node {}", s.id(), new String(other, StandardCharsets.US_ASCII));
                Sessions rs = sessions;
                if (rs != null) {
                    rs.movedElsewhere(s);
                }
            }
            return null;
        });
    }

    private CompletableFuture<Object> eval(String script, String id, byte[]... args) {
        try {
            return redis.<Object>eval(script, ScriptOutputType.VALUE, new byte[][] {names.session(id)}, args)
                    .toCompletableFuture();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private Duration ttl() {
        Sessions rs = sessions;
        return rs == null ? Duration.ofMinutes(5) : rs.ttl();
    }

    private static byte[] ascii(long n) {
        return Long.toString(n).getBytes(StandardCharsets.US_ASCII);
    }
}
