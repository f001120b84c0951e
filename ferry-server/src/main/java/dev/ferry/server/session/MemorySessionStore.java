package dev.ferry.server.session;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Sessions in this process's memory. Expired ones are freed by {@link #expire()}, which the server's housekeeping
 * timer runs about once a second (so an idle server lets them go too), and when looked up.
 */
public final class MemorySessionStore implements SessionStore {
    private final ConcurrentHashMap<String, ResumableSession> sessions = new ConcurrentHashMap<>();
    /** {@link System#nanoTime()} or a test's ticker: the time sessions' expiry is measured against. */
    private final LongSupplier ticker;

    public MemorySessionStore() {
        this(System::nanoTime);
    }

    /** A store reading the time (in the nanoseconds of {@link System#nanoTime()}) from {@code ticker}. */
    public MemorySessionStore(LongSupplier ticker) {
        this.ticker = ticker;
    }

    @Override
    public void put(ResumableSession session) {
        sessions.put(session.id(), session);
    }

    @Override
    public ResumableSession get(String id) {
        ResumableSession s = sessions.get(id);
        if (s != null && s.expired(ticker.getAsLong())) {
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
        long now = ticker.getAsLong();
        int before = sessions.size();
        sessions.values().removeIf(s -> s.expired(now));
        return Math.max(0, before - sessions.size());
    }
}
