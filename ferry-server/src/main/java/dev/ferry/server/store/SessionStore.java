package dev.ferry.server.store;

import dev.ferry.server.time.ServerClock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Where resumable sessions live between connections. {@code session.MemorySessionStore} keeps them in this process: they
 * do not survive a restart and are not shared between nodes. A shared store (the Redis engine's) keeps their
 * {@link ResumableSession.State} where every node finds it, so a client may resume on another node
 * (docs/protocol.md §4.5). Implementations are thread-safe.
 */
public interface SessionStore {
    /** Adds or replaces a session. */
    void put(ResumableSession session);

    /** The session with this id held by this node, or null when unknown here or expired (an expired one is removed). */
    ResumableSession get(String id);

    /** Forgets a session. */
    void remove(String id);

    /** Sessions held now by this node, expired or not yet swept included. */
    int size();

    /**
     * Finds a session this node does not hold ({@link #get} answered null): completes with it, held by this node
     * from now on, or with null when no node has it. A store of one node has nothing more to look at.
     */
    default CompletionStage<ResumableSession> claim(String id) {
        return CompletableFuture.completedFuture(null);
    }

    /**
     * The client is about to be told {@code session}'s token: a shared store makes it known to every node, and
     * completes once every node can find it, so that a client resuming elsewhere right after the answer finds it.
     * Completes normally even when the store could not be reached (the session then stays resumable on this node).
     */
    default CompletionStage<Void> announced(ResumableSession session) {
        return CompletableFuture.completedFuture(null);
    }

    /** {@code session}'s connection went away; the session is kept for {@code session.ttl}. */
    default void detached(ResumableSession session) {
    }

    /**
     * Frees the sessions that have expired; returns about how many. Called about once a second by the server's
     * housekeeping timer, off the event loops. A store whose backend expires sessions itself does nothing.
     */
    default int expire() {
        return 0;
    }

    /** Called once before use, with the sessions this store serves (a shared store reports sessions taken elsewhere). */
    default void start(Sessions sessions) {
    }

    /** The node's resumable sessions, as a store sees them (the session package's {@code ResumableSessions}). */
    interface Sessions {
        /** The time sessions expire on. */
        ServerClock clock();

        /** How long a detached session is kept ({@code session.ttl}). */
        Duration ttl();

        /** Another node resumed {@code session}: the connection of this node holding it, if any, is closed. */
        void movedElsewhere(ResumableSession session);
    }
}
