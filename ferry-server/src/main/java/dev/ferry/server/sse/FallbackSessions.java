package dev.ferry.server.sse;

import dev.ferry.server.auth.Identity;
import dev.ferry.server.transport.ServerContext;
import io.netty.util.concurrent.EventExecutor;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.ConcurrentHashMap;

/** The open HTTP-only fallback sessions of one server, by id. Thread-safe. */
public final class FallbackSessions {
    private final ConcurrentHashMap<String, FallbackSession> sessions = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();

    /** Opens a session of {@code identity} confined to {@code loop}; its id is 128 random bits, base64url without padding. */
    FallbackSession create(ServerContext server, EventExecutor loop, String remote, Identity identity) {
        while (true) {
            byte[] bits = new byte[16];
            random.nextBytes(bits);
            String id = Base64.getUrlEncoder().withoutPadding().encodeToString(bits);
            FallbackSession s = new FallbackSession(id, server, this, loop, remote, identity);
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

    void remove(FallbackSession s) {
        sessions.remove(s.id(), s);
    }

    /** Number of open fallback sessions. */
    public int size() {
        return sessions.size();
    }
}
