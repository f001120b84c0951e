package dev.ferry.server.store;

import dev.ferry.protocol.Frame;
import dev.ferry.protocol.Topics;
import dev.ferry.server.time.ServerClock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a session keeps across connections: its durable subscriptions and, per topic they matched, the last
 * publication written to the session's connection (its epoch and offset). Attached to at most one connection at a
 * time; once detached it expires after {@code session.ttl}. Thread-safe (a session moves between event loops).
 */
public final class ResumableSession {
    private final String id;
    private final String token;
    private final String principal;
    /** The time its expiry is measured against. */
    private final ServerClock clock;

    // ---- guarded by this
    private Object owner;
    private long expiresAt;
    private boolean announced;
    // The three below stay the shared empty ones until first written (see the writable* methods): most
    // sessions never hold a durable subscription.
    private Set<String> durable = Collections.emptySet();
    /** The filter expression of each durable pattern that has one (docs/protocol.md §4.4). */
    private Map<String, String> filters = Collections.emptyMap();
    private Map<String, Frame.Position> positions = Collections.emptyMap();
    /** Counts changes a shared store would persist (durable patterns, positions, announcement). */
    private long changes;

    /**
     * What a {@link SessionStore} shared between nodes keeps of a session: enough to resume it elsewhere. Positions
     * are those written to the connection when the state was taken; a state taken earlier than the last write only
     * makes a resumption replay more, which clients skip by offset.
     */
    public record State(String id, String token, String principal, boolean announced, List<String> durable,
                        List<Frame.Position> positions, Map<String, String> filters) {
        public State {
            durable = List.copyOf(durable);
            positions = List.copyOf(positions);
            filters = filters == null ? Map.of() : Map.copyOf(filters);
        }
    }

    private Set<String> writableDurable() {
        if (durable.isEmpty()) {
            durable = new LinkedHashSet<>(4);
        }
        return durable;
    }

    private Map<String, String> writableFilters() {
        if (filters.isEmpty()) {
            filters = new HashMap<>(4);
        }
        return filters;
    }

    private Map<String, Frame.Position> writablePositions() {
        if (positions.isEmpty()) {
            positions = new HashMap<>(4);
        }
        return positions;
    }

    /** A session made again from a shared store's state, not attached, expiring {@code ttlNanos} from now on {@code clock}. */
    public static ResumableSession restored(State state, long ttlNanos, ServerClock clock) {
        ResumableSession s = new ResumableSession(state.id(), state.token(), state.principal(), ttlNanos, clock);
        s.announced = state.announced();
        s.writableDurable().addAll(state.durable());
        s.writableFilters().putAll(state.filters());
        for (Frame.Position p : state.positions()) {
            s.writablePositions().put(p.topic(), p);
        }
        return s;
    }

    /** The session's state now, for a shared store. */
    public synchronized State state() {
        return new State(id, token, principal, announced, List.copyOf(durable), List.copyOf(positions.values()),
                Map.copyOf(filters));
    }

    /** How many changes a shared store would persist have been made so far (compare two readings). */
    public synchronized long changes() {
        return changes;
    }

    /** The connection holding this session, or null. */
    public synchronized Object owner() {
        return owner;
    }

    /** A session not attached yet: it expires {@code ttlNanos} from now on {@code clock} unless a connection takes it. */
    public ResumableSession(String id, String token, String principal, long ttlNanos, ServerClock clock) {
        this.id = id;
        this.token = token;
        this.principal = principal;
        this.clock = clock;
        this.expiresAt = clock.nanoTime() + ttlNanos;
    }

    public String id() {
        return id;
    }

    /** The signed token that resumes this session; a secret of its owner. */
    public String token() {
        return token;
    }

    public String principal() {
        return principal;
    }

    /** Whether it is detached and its expiry has passed at {@code nowNanos} ({@link ServerClock#nanoTime()}). */
    public synchronized boolean expired(long nowNanos) {
        return owner == null && nowNanos - expiresAt > 0;
    }

    /** Attaches to {@code connection}; returns the connection it was attached to before (or null). */
    public synchronized Object attach(Object connection) {
        Object previous = owner;
        owner = connection;
        return previous == connection ? null : previous;
    }

    /** Attaches to {@code connection} unless another connection holds this session; returns whether it did. */
    public synchronized boolean attachIfFree(Object connection) {
        if (owner != null && owner != connection) {
            return false;
        }
        owner = connection;
        return true;
    }

    public synchronized boolean attached() {
        return owner != null;
    }

    /** Detaches from {@code connection} if attached to it; the session expires {@code ttlNanos} from now. */
    public synchronized boolean detach(Object connection, long ttlNanos) {
        if (owner != connection) {
            return false;
        }
        owner = null;
        expiresAt = clock.nanoTime() + ttlNanos;
        return true;
    }

    public synchronized boolean attachedTo(Object connection) {
        return owner == connection;
    }

    /** The client has been told this session's token: keep it even when it holds nothing durable. */
    public synchronized void announced() {
        changes += announced ? 0 : 1;
        announced = true;
    }

    /** Whether resuming could bring anything back, or the client knows the token. */
    public synchronized boolean worthKeeping() {
        return announced || !durable.isEmpty();
    }

    public synchronized void durable(String pattern, boolean on) {
        changes++;
        if (on) {
            writableDurable().add(pattern);
        } else if (durable.remove(pattern)) {
            filters.remove(pattern);
            positions.keySet().removeIf(t -> Topics.matches(pattern, t) && durable.stream().noneMatch(p -> Topics.matches(p, t)));
        }
    }

    public synchronized boolean isDurable(String pattern) {
        return durable.contains(pattern);
    }

    /** Sets the filter of a durable pattern (null: none), restored with it. */
    public synchronized void filter(String pattern, String expression) {
        String before = expression == null ? filters.remove(pattern) : writableFilters().put(pattern, expression);
        if (!java.util.Objects.equals(before, expression)) {
            changes++;
        }
    }

    /** The filter of a durable pattern, or null. */
    public synchronized String filterOf(String pattern) {
        return filters.get(pattern);
    }

    public synchronized List<String> durablePatterns() {
        return List.copyOf(durable);
    }

    /** Whether {@code topic} matches one of the durable patterns. */
    public synchronized boolean coversTopic(String topic) {
        for (String p : durable) {
            if (Topics.matches(p, topic)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Records that the connection has been written the publication {@code offset} of {@code topic}: the position
     * moves forward within an epoch and is replaced when the epoch changes.
     */
    public synchronized void advance(Object connection, String topic, String epoch, long offset) {
        if (owner == connection) {
            advance(topic, epoch, offset);
        }
    }

    private void advance(String topic, String epoch, long offset) {
        Frame.Position p = positions.get(topic);
        if (p == null || !p.epoch().equals(epoch == null ? "" : epoch) || p.offset() < offset) {
            changes++;
            writablePositions().put(topic, new Frame.Position(topic, offset, epoch == null ? "" : epoch));
        }
    }

    /** Sets where a topic stands: a replay from this position follows, or the subscription is live from it. */
    public synchronized void start(String topic, String epoch, long offset) {
        changes++;
        writablePositions().put(topic, new Frame.Position(topic, offset, epoch == null ? "" : epoch));
    }

    /**
     * Takes the client's position of a topic a durable pattern covers, in place of the remembered one, whatever
     * that is (docs/protocol.md §4.5): the client's position says what it has. The remembered one says what was
     * written to the connection, which a network cut may have lost; when it comes from a shared store's state it is
     * up to a second old, so it may be behind the client's, lack a topic first delivered in that second, or still
     * have no epoch (subscribed before the topic's first publication); and when the two epochs differ, the client's
     * gives {@code recovered: false} where the remembered one could skip what the client never received. A
     * position with an offset but no epoch means nothing and is ignored, as is one of a topic no durable pattern
     * covers.
     */
    public synchronized void align(Frame.Position client) {
        String epoch = client.epoch() == null ? "" : client.epoch();
        if ((client.offset() != 0 && epoch.isEmpty()) || !coversTopic(client.topic())) {
            return;
        }
        Frame.Position taken = new Frame.Position(client.topic(), client.offset(), epoch);
        if (!taken.equals(positions.get(client.topic()))) {
            changes++;
            writablePositions().put(client.topic(), taken);
        }
    }

    /** The positions to recover {@code pattern} from: those of the topics it matches. */
    public synchronized List<Frame.Position> since(String pattern) {
        List<Frame.Position> out = new ArrayList<>();
        for (Frame.Position p : positions.values()) {
            if (Topics.matches(pattern, p.topic())) {
                out.add(p);
            }
        }
        return out;
    }

    /** Moves the durable subscriptions and positions of {@code other} into this session. */
    public synchronized void absorb(ResumableSession other) {
        List<String> patterns;
        List<Frame.Position> pos;
        synchronized (other) {
            patterns = List.copyOf(other.durable);
            if (!other.filters.isEmpty()) {
                writableFilters().putAll(other.filters);
            }
            pos = List.copyOf(other.positions.values());
        }
        changes++;
        if (!patterns.isEmpty()) {
            writableDurable().addAll(patterns);
        }
        for (Frame.Position p : pos) {
            if (!positions.containsKey(p.topic())) {
                writablePositions().put(p.topic(), p);
            }
        }
    }

    @Override
    public String toString() {
        return "ResumableSession[" + id + "]";
    }
}
