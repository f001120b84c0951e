package dev.ferry.server.session;

/**
 * Where resumable sessions live between connections. The in-memory {@link MemorySessionStore} is the only one
 * so far: sessions do not survive a restart and are not shared between nodes (docs/protocol.md §4.5). A store
 * backed by Redis would keep the same contract. Implementations are thread-safe.
 */
public interface SessionStore {
    /** Adds or replaces a session. */
    void put(ResumableSession session);

    /** The session with this id, or null when unknown or expired (an expired one is removed). */
    ResumableSession get(String id);

    /** Forgets a session. */
    void remove(String id);

    /** Sessions held now, expired or not yet swept included. */
    int size();
}
