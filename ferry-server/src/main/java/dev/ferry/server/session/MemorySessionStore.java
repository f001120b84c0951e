package dev.ferry.server.session;

import dev.ferry.server.store.ResumableSession;
import dev.ferry.server.store.SessionStore;
import dev.ferry.server.time.ServerClock;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Sessions in this process's memory. Expired ones are freed by {@link #expire()}, which the server's housekeeping
 * timer runs about once a second (so an idle server lets them go too), and when looked up.
 */
public final class MemorySessionStore implements SessionStore {
    private final ConcurrentHashMap<String, ResumableSession> sessions = new ConcurrentHashMap<>();
    /** The time sessions' expiry is measured against. */
    private final ServerClock clock;

    public MemorySessionStore(ServerClock clock) {
        this.clock = clock;
    }

    @Override
    public void put(ResumableSession session) {
        sessions.put(session.id(), session);
    }

    @Override
    public ResumableSession get(String id) {
        ResumableSession s = sessions.get(id);
        if (s != null && s.expired(clock.nanoTime())) {
            sessions.remove(id, s);
            return null;
        }
        return s;
    }

    @Override
    public void remove(String id) {
        sessions.remove(id);
    }

    @Override
    public int size() {
        return sessions.size();
    }

    @Override
    public int expire() {
        long now = clock.nanoTime();
        int before = sessions.size();
        sessions.values().removeIf(s -> s.expired(now));
        return Math.max(0, before - sessions.size());
    }
}
