package dev.ferry.server.session;

import java.util.concurrent.ConcurrentHashMap;

/** Sessions in this process's memory; expired ones are swept at most once a second, on {@link #put}. */
public final class MemorySessionStore implements SessionStore {
    private final ConcurrentHashMap<String, ResumableSession> sessions = new ConcurrentHashMap<>();
    private volatile long lastSweep = System.nanoTime();

    @Override
    public void put(ResumableSession session) {
        long now = System.nanoTime();
        if (now - lastSweep > 1_000_000_000L) {
            lastSweep = now;
            sessions.values().removeIf(s -> s.expired(now));
        }
        sessions.put(session.id(), session);
    }

    @Override
    public ResumableSession get(String id) {
        ResumableSession s = sessions.get(id);
        if (s != null && s.expired(System.nanoTime())) {
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
}
