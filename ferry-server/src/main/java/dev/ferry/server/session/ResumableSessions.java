package dev.ferry.server.session;

import dev.ferry.server.store.ResumableSession;
import dev.ferry.server.store.SessionStore;
import dev.ferry.server.auth.Identity;
import dev.ferry.server.config.SessionConfig;
import dev.ferry.server.time.ServerClock;
import java.util.concurrent.atomic.LongAdder;

/**
 * Resumable sessions of one server: issues them, finds them again from a token, and keeps them in a
 * {@link SessionStore} between connections (docs/protocol.md §4.5). Thread-safe.
 */
public final class ResumableSessions implements SessionStore.Sessions {
    private final SessionConfig config;
    private final SessionTokens tokens;
    private final SessionStore store;
    private final ServerClock clock;
    private final LongAdder resumed = new LongAdder();
    private final LongAdder refused = new LongAdder();

    /** Sessions kept in this process's memory; they expire on {@code clock}. */
    public ResumableSessions(SessionConfig config, ServerClock clock) {
        this(config, new MemorySessionStore(clock), clock);
    }

    /** Sessions kept in {@code store}; they expire on {@code clock}. */
    public ResumableSessions(SessionConfig config, SessionStore store, ServerClock clock) {
        this.config = config;
        this.tokens = new SessionTokens(config.secret());
        this.store = store;
        this.clock = clock;
        store.start(this);
    }

    public SessionConfig config() {
        return config;
    }

    public SessionStore store() {
        return store;
    }

    @Override
    public java.time.Duration ttl() {
        return config.ttl();
    }

    /** The time sessions expire on. */
    @Override
    public ServerClock clock() {
        return clock;
    }

    /** What a lookup of a token found. */
    public enum Outcome {
        /** The session is live and bound to the presenting identity. */
        FOUND,
        /**
         * The token is authentic but its session expired (or is unknown here: another node, a restart), or it was
         * signed under another session secret (a restart with a generated secret): its session is not here.
         */
        EXPIRED,
        /** The token is malformed, forged, altered, or bound to another identity. */
        REFUSED,
        /** No token was presented. */
        NONE,
        /** The upgrade's cookie names a session another connection holds (another tab of the same browser). */
        IN_USE
    }

    public record Lookup(Outcome outcome, ResumableSession session) {
    }

    /**
     * The session a connection opens with: {@code session} when its upgrade named a live session of its identity
     * (to be restored by the {@code session} command). Otherwise {@code session} is null and {@code reserved}
     * is the raw id of the connection's own session, which is only made (and stored) when first needed: a
     * durable subscription, the {@code session} command. Most connections never need one, and an idle
     * connection then holds 16 bytes instead of a session, its id, its token and a store entry.
     * {@code reason} says why a presented token ({@code token}) was not taken.
     */
    public record Opening(ResumableSession session, boolean resumable, Outcome reason, String token,
                          byte[] reserved) {
    }

    /**
     * The token the upgrade's cookie carries for {@code opening}, of a connection of {@code identity}: its
     * session's, or the one the session made later under the reserved id will have.
     */
    public String cookieToken(Opening opening, Identity identity) {
        return opening.session() != null ? opening.session().token()
                : tokens.issue(opening.reserved(), SessionTokens.principal(identity)).token();
    }

    /** A new session bound to {@code identity}, stored at once. */
    public ResumableSession create(Identity identity) {
        return create(identity, null);
    }

    /**
     * A new session bound to {@code identity}, stored at once, with the id {@code reserved} (the raw id of an
     * {@link Opening}: its token is the one the upgrade's cookie carries) or, when null, a new one.
     */
    public ResumableSession create(Identity identity, byte[] reserved) {
        String principal = SessionTokens.principal(identity);
        SessionTokens.Issued issued = tokens.issue(reserved != null ? reserved : tokens.newId(), principal);
        ResumableSession s = new ResumableSession(issued.id(), issued.token(), principal, config.ttl().toNanos(), clock);
        store.put(s);
        return s;
    }

    /** Finds the session {@code token} names for {@code identity}. */
    public Lookup find(String token, Identity identity) {
        if (token == null || token.isEmpty()) {
            return new Lookup(Outcome.NONE, null);
        }
        String principal = SessionTokens.principal(identity);
        String id = tokens.verify(token, principal);
        if (id == null) {
            if (tokens.otherKey(token)) {
                return new Lookup(Outcome.EXPIRED, null);
            }
            refused.increment();
            return new Lookup(Outcome.REFUSED, null);
        }
        return found(store.get(id), principal);
    }

    /** What finding {@code s} (null: none) means for a connection of {@code principal}. */
    private Lookup found(ResumableSession s, String principal) {
        if (s == null) {
            return new Lookup(Outcome.EXPIRED, null);
        }
        if (!s.principal().equals(principal)) {
            refused.increment();
            return new Lookup(Outcome.REFUSED, null);
        }
        return new Lookup(Outcome.FOUND, s);
    }

    /**
     * As {@link #find}, also asking a shared store for a session this node does not hold (one of another node, or
     * of this node before a restart); completes on a thread of the store's choosing.
     */
    public java.util.concurrent.CompletionStage<Lookup> findAnywhere(String token, Identity identity) {
        Lookup local = find(token, identity);
        if (local.outcome() != Outcome.EXPIRED) {
            return java.util.concurrent.CompletableFuture.completedFuture(local);
        }
        String principal = SessionTokens.principal(identity);
        String id = tokens.verify(token, principal);
        if (id == null) { // signed under another secret: no store holds a session this node could resume
            return java.util.concurrent.CompletableFuture.completedFuture(local);
        }
        return store.claim(id).thenApply(s -> found(s, principal));
    }

    /**
     * A shared store learnt that another node resumed {@code session}: the connection holding it here (a half-open
     * one not yet noticed) is closed with 4007, as when a connection of this node takes a session over.
     */
    @Override
    public void movedElsewhere(ResumableSession session) {
        if (session.owner() instanceof Resumption holder) {
            holder.movedElsewhere(session);
        }
    }

    /** The session an upgrade presenting {@code token} (null: none) opens with. */
    public Opening open(String token, Identity identity) {
        Lookup l = find(token, identity);
        if (l.outcome() == Outcome.FOUND && !l.session().attached()) {
            return new Opening(l.session(), true, Outcome.FOUND, token, null);
        }
        return new Opening(null, false, l.outcome() == Outcome.FOUND ? Outcome.IN_USE : l.outcome(), token,
                tokens.newId());
    }

    /** {@code connection} leaves {@code session}: it is kept for {@code session.ttl}, or dropped when worthless. */
    public void detach(ResumableSession session, Object connection) {
        if (session.detach(connection, config.ttl().toNanos())) {
            if (session.worthKeeping()) {
                store.detached(session);
            } else {
                store.remove(session.id());
            }
        }
    }

    /**
     * The client is about to be told {@code session}'s token: it is kept from now on; completes once a shared
     * store knows it (see {@link SessionStore#announced}).
     */
    java.util.concurrent.CompletionStage<Void> announce(ResumableSession session) {
        session.announced();
        return store.announced(session);
    }

    void resumed() {
        resumed.increment();
    }

    /** Sessions resumed since start. */
    public long resumedCount() {
        return resumed.sum();
    }

    /** Tokens refused (forged, altered, or presented by another identity) since start. */
    public long refusedCount() {
        return refused.sum();
    }
}
