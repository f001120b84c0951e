package dev.ferry.server.sse;

import dev.ferry.server.auth.ConnectionLimiter;
import dev.ferry.server.auth.Identity;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetAddress;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The open HTTP-only fallback sessions of one server, by id. Each open session counts as a connection of its client
 * address for {@code limits.connections-per-ip} and {@code limits.max-connections} (it outlives the requests that
 * drive it), from its creation until it is closed. Thread-safe.
 */
public final class FallbackSessions {
    private final ConcurrentHashMap<String, FallbackSession> sessions = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private final ConnectionLimiter limiter;

    public FallbackSessions(ConnectionLimiter limiter) {
        this.limiter = limiter;
    }

    /**
     * Opens a session of {@code identity}, a client at {@code client}, confined to {@code loop}, unless the
     * connection limits refuse it; its id is 128 random bits, base64url without padding.
     *
     * @param refused told why when the limits refuse the session (then nothing is opened and null returned)
     */
    FallbackSession create(SseServices server, EventExecutor loop, InetAddress client, String remote,
            Identity identity, Consumer<ConnectionLimiter.Refusal> refused) {
        ConnectionLimiter.Refusal refusal = limiter.hold(client);
        if (refusal != null) {
            refused.accept(refusal);
            return null;
        }
        while (true) {
            byte[] bits = new byte[16];
            random.nextBytes(bits);
            String id = Base64.getUrlEncoder().withoutPadding().encodeToString(bits);
            FallbackSession s = new FallbackSession(id, server, this, loop, client, remote, identity);
            if (sessions.putIfAbsent(id, s) == null) {
                loop.execute(s::opened);
                return s;
            }
        }
    }

    /** The open session with this id, or null. */
    FallbackSession get(String id) {
        return sessions.get(id);
    }

    /** The session closed: it no longer counts against its client address. */
    void remove(FallbackSession s) {
        if (sessions.remove(s.id(), s)) {
            limiter.release(s.client());
        }
    }

    /** Number of open fallback sessions. */
    public int size() {
        return sessions.size();
    }
}
