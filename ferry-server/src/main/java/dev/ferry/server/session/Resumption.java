package dev.ferry.server.session;

import dev.ferry.server.store.ResumableSession;
import dev.ferry.protocol.CloseCodes;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.Payload;
import dev.ferry.protocol.Topics;
import dev.ferry.server.transport.Outbound;
import dev.ferry.server.auth.Action;
import dev.ferry.server.auth.Identity;
import dev.ferry.server.connection.Connection;
import dev.ferry.server.connection.Refusal;
import dev.ferry.server.filter.Filter;
import dev.ferry.server.filter.FilterException;
import dev.ferry.server.hub.HistoryJson;
import dev.ferry.server.hub.Hub;
import dev.ferry.server.presence.ConnectionPresence;
import dev.ferry.protocol.FrameCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The resumable session of one ferry.v1 connection (docs/protocol.md §4.5): which {@link ResumableSession} the
 * connection belongs to, its durable patterns and their positions, and the rules of detaching and resuming.
 *
 * <ul>
 *   <li><b>Opening.</b> The upgrade's cookie may name a session ({@link #opening}): a live one is attached and its
 *       durable subscriptions wait for a {@code session} command; a taken one leaves this connection a fresh one.
 *   <li><b>Positions.</b> A durable subscription starts where it recovered from or where its topics stand
 *       ({@link #started}), and each publication it covers moves the session past it once written
 *       ({@link #advanceOnWrite}).
 *   <li><b>Resuming.</b> {@code session} with a token (or the cookie's) takes that session over, possibly from
 *       another connection (closed with 4006) or another node, subscribes its durable patterns again one after the
 *       other from the positions it remembered (lowered to the client's own where it says so), each pattern's
 *       replay following its subscription, then answers. Patterns the identity may no longer subscribe to, or
 *       beyond {@code websocket.max-subscriptions}, are dropped and said so.
 *   <li><b>Detaching.</b> When the connection closes the session is detached and expires {@code session.ttl}
 *       later unless resumed; a new identity ({@code auth}) moves it to a new session bound to that identity.
 * </ul>
 *
 * <p>Event loop only, except {@link #movedElsewhere}; outcomes of the store run through the connection's
 * {@code inLoop}, which keeps them in order and drops them once the connection is closed.
 */
final class Resumption {
    private static final Logger log = LoggerFactory.getLogger(Resumption.class);

    private final ResumableSessions sessions;
    private final Connection connection;
    private final ConnectionPresence presence;
    private final Outbound out;
    /** Where the connection comes from, for logs. */
    private final Object remote;
    /** Runs a task on the connection's event loop behind earlier outcomes; never once it is closed. */
    private final Consumer<Runnable> inLoop;

    // ---- event loop only
    /** The resumable session this connection belongs to; created when first needed. */
    private ResumableSession resumable;
    /** The raw id the upgrade's cookie promised for {@link #resumable} until it exists (null: none). */
    private byte[] reservedId;
    /** The upgrade named a live session whose durable subscriptions a {@code session} command restores. */
    private boolean restorePending;
    /** Why the token the upgrade presented (if any) was not taken. */
    private ResumableSessions.Outcome openingReason = ResumableSessions.Outcome.NONE;
    /** The token the upgrade's cookie presented (null: none); looked up in a shared store by {@code session}. */
    private String openingToken;
    /** This connection's durable patterns (a copy of its session's, for matching deliveries); shared empty until one. */
    private Set<String> durable = Collections.emptySet();
    private boolean closed;

    Resumption(ResumableSessions sessions, Connection connection, ConnectionPresence presence, Outbound out,
               Object remote, Consumer<Runnable> inLoop) {
        this.sessions = sessions;
        this.connection = connection;
        this.presence = presence;
        this.out = out;
        this.remote = remote;
        this.inLoop = inLoop;
    }

    private Identity identity() {
        return connection.identity();
    }

    /** The session the upgrade chose for this connection (see {@link ResumableSessions#open}); called once, first. */
    void opening(ResumableSessions.Opening opening) {
        openingToken = opening.token();
        if (opening.session() == null) {
            reservedId = opening.reserved();
            openingReason = opening.reason();
            return;
        }
        if (opening.resumable() && !opening.session().attachIfFree(this)) {
            // another connection with the same cookie took it meanwhile: this one starts afresh
            resumable = sessions.create(identity());
            resumable.attach(this);
            openingReason = ResumableSessions.Outcome.IN_USE;
            return;
        }
        opening.session().attach(this);
        resumable = opening.session();
        restorePending = opening.resumable();
        openingReason = opening.reason();
    }

    /** The resumable session of this connection, created if it has none yet. */
    private ResumableSession resumable() {
        if (resumable == null) {
            resumable = sessions.create(identity(), reservedId);
            reservedId = null;
            resumable.attach(this);
        }
        return resumable;
    }

    // ------------------------------------------------------------ durable subscriptions

    boolean isDurable(String pattern) {
        return durable.contains(pattern);
    }

    /** Makes {@code pattern} durable in this connection's session (created if needed), or no longer durable. */
    void markDurable(String pattern, boolean on) {
        if (on) {
            if (durable == Collections.<String>emptySet()) {
                durable = new HashSet<>(4);
            }
            durable.add(pattern);
            resumable().durable(pattern, true);
        } else if (durable.remove(pattern) && resumable != null) {
            resumable.durable(pattern, false);
        }
    }

    /** Remembers the filter expression a durable {@code pattern} was subscribed with (null: none). */
    void durableFilter(String pattern, String expression) {
        resumable().filter(pattern, expression);
    }

    /** Where a new durable subscription starts: the positions it recovers from, or where its topics stand now. */
    void started(List<Frame.Position> since, List<Hub.Recovery> recoveries) {
        if (resumable == null) {
            return;
        }
        for (int i = 0; i < recoveries.size(); i++) {
            Hub.Recovery r = recoveries.get(i);
            if (!since.isEmpty() && r.recovered()) {
                Frame.Position p = since.get(i);
                resumable.start(p.topic(), p.epoch(), p.offset());
            } else {
                resumable.start(r.topic(), r.epoch(), r.offset());
            }
        }
    }

    /**
     * What moves the session past {@code msg} once it is written, when a durable pattern covers it; null otherwise
     * (most connections hold no durable pattern: the check is one emptiness test).
     */
    Runnable advanceOnWrite(Frame.Msg msg) {
        if (durable.isEmpty() || !coveredByDurable(msg.topic())) {
            return null;
        }
        ResumableSession r = resumable;
        return () -> r.advance(this, msg.topic(), msg.epoch(), msg.offset());
    }

    private boolean coveredByDurable(String topic) {
        for (String p : durable) {
            if (Topics.matches(p, topic)) {
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------ identity, takeover, detaching

    /**
     * The connection took another principal ({@code auth}): the cookie's reserved id is bound to the identity
     * before, and the session moves to a new one bound to the new identity.
     */
    void principalChanged() {
        reservedId = null;
        if (resumable == null) {
            return;
        }
        ResumableSession old = resumable;
        resumable = sessions.create(identity());
        resumable.attach(this);
        resumable.absorb(old);
        old.detach(this, 0);
        sessions.store().remove(old.id());
        restorePending = false;
    }

    /** Attaches {@code session} to this connection; the connection it was attached to is closed with 4006. */
    private void takeOver(ResumableSession session) {
        Object previous = session.attach(this);
        if (previous instanceof Resumption old) {
            old.inLoop.accept(old::resumedElsewhere);
        }
    }

    /** A shared store learnt that another node resumed {@code session}, which this connection holds. Any thread. */
    void movedElsewhere(ResumableSession session) {
        inLoop.accept(() -> {
            if (resumable == session) {
                resumedElsewhere();
            }
        });
    }

    private void resumedElsewhere() {
        resumable = null;
        durable.clear();
        out.close(CloseCodes.SESSION_RESUMED_ELSEWHERE, "session resumed by another connection");
    }

    /** The connection closed: its session is detached and expires {@code session.ttl} from now. Idempotent. */
    void closed() {
        if (closed) {
            return;
        }
        closed = true;
        if (resumable != null) {
            sessions.detach(resumable, this);
        }
    }

    // ------------------------------------------------------------ the session command

    /**
     * {@code session}: answers this connection's session token, or resumes the session a token (or the upgrade's
     * cookie) names: its durable subscriptions are subscribed again from the positions the server remembered
     * (lowered to the client's own where it says so), and what was published meanwhile is replayed.
     */
    void command(Frame.Session c) {
        for (Frame.Position p : c.since()) {
            String why = p.topic() == null ? "a position in \"since\" requires \"topic\"" : Topics.checkTopic(p.topic());
            if (why != null) {
                sendError(c.id(), ErrorCode.BAD_TOPIC, "since: " + why);
                return;
            }
        }
        // the cookie's session, when the upgrade did not find it here, may be held by another node
        String token = c.token() != null ? c.token()
                : openingReason == ResumableSessions.Outcome.EXPIRED ? openingToken : null;
        if (token == null) {
            answer(c, restorePending ? resumable : null, openingReason);
            return;
        }
        String cookieToken = openingToken;
        openingToken = null;
        sessions.findAnywhere(token, identity()).whenComplete((l, failure) -> inLoop.accept(() -> {
            if (failure != null) {
                // the session may well exist: the client retries, and the cookie's token stays for that retry
                try (var s = dev.ferry.server.connection.ConnectionLog.about(connection)) {
                    log.debug("session lookup from {} failed: {}", remote, failure.toString());
                }
                openingToken = cookieToken;
                sendError(c.id(), ErrorCode.UNAVAILABLE, "the session store (cluster backend) cannot be reached to look "
                        + "this session up; try again");
            } else if (l.outcome() == ResumableSessions.Outcome.REFUSED) {
                sendError(c.id(), ErrorCode.SESSION_REFUSED, "this session token is not valid for this connection: "
                        + "forged, altered, or issued to another identity than " + identity().describe());
            } else {
                answer(c, l.session(), l.outcome());
            }
        }));
    }

    /** Answers {@code session} once the session it names, {@code target} (null: none), has been looked up. */
    private void answer(Frame.Session c, ResumableSession target, ResumableSessions.Outcome reason) {
        if (target == null || (target == resumable && !restorePending)) {
            ResumableSession mine = resumable();
            String why = target == mine ? "current" : reason.name().toLowerCase(Locale.ROOT);
            // a shared store knows the session before its token goes out, so that another node can resume it
            sessions.announce(mine).whenComplete((ignored, e) -> inLoop.accept(
                    () -> out.send(new Frame.Result(c.id(), sessionResult(mine, false, why, List.of())))));
            return;
        }
        if (target != resumable) {
            takeOver(target);
            if (resumable != null) {
                target.absorb(resumable);
                resumable.detach(this, 0);
                sessions.store().remove(resumable.id());
            }
            resumable = target;
        }
        restorePending = false;
        sessions.resumed();
        c.since().forEach(target::align);
        sessions.announce(target).whenComplete((ignored, e) -> inLoop.accept(
                () -> restore(c.id(), target, target.durablePatterns(), new ArrayList<>())));
    }

    /** Subscribes the patterns one after the other, then answers; each pattern's replay follows its subscription. */
    private void restore(long id, ResumableSession target, List<String> patterns, List<String> outcomes) {
        if (closed || resumable != target) {
            return;
        }
        if (outcomes.size() == patterns.size()) {
            out.send(new Frame.Result(id, sessionResult(target, true, null, outcomes)));
            return;
        }
        String pattern = patterns.get(outcomes.size());
        Refusal denied = connection.admission().revoked(connection.scope(), Action.SUBSCRIBE, pattern, null);
        if (denied != null || connection.roomFor(pattern, 0) != null) {
            target.durable(pattern, false);
            outcomes.add("{\"topic\":" + quoted(pattern) + ",\"dropped\":" + quoted(denied == null
                    ? "too many subscriptions (websocket.max-subscriptions)" : denied.message()) + "}");
            restore(id, target, patterns, outcomes);
            return;
        }
        boolean known = connection.holds(pattern);
        markDurableLocally(pattern);
        presence.subscribing(new Frame.Sub(id, pattern), identity());
        List<Frame.Position> since = target.since(pattern);
        boolean concrete = !Topics.hasWildcard(pattern);
        connection.subscribe(pattern, since, restoredFilter(target, pattern), (recoveries, failure) -> {
            if (failure != null) {
                if (!known) {
                    presence.unsubscribed(pattern);
                }
                outcomes.add("{\"topic\":" + quoted(pattern) + ",\"error\":\"unavailable\"}");
            } else {
                started(since, recoveries);
                Payload p = concrete && !since.isEmpty() ? HistoryJson.recovery(recoveries.get(0))
                        : concrete ? HistoryJson.position(new Hub.Position(pattern, recoveries.get(0).epoch(), recoveries.get(0).offset()))
                        : HistoryJson.recoveries(pattern, recoveries);
                outcomes.add(new String(p.bytes(), StandardCharsets.UTF_8));
            }
            // the hub delivers this pattern's replay right after this returns: the next pattern goes after it
            try {
                out.executor().execute(() -> restore(id, target, patterns, outcomes));
            } catch (RuntimeException rejected) {
                // the event loop is shutting down: the connection is going away
            }
        });
    }

    /** A pattern the session already holds as durable: this connection's copy only. */
    private void markDurableLocally(String pattern) {
        if (durable == Collections.<String>emptySet()) {
            durable = new HashSet<>(4);
        }
        durable.add(pattern);
    }

    /** The filter a durable pattern was made with (it compiled then, so it compiles now), or null. */
    private static Filter restoredFilter(ResumableSession session, String pattern) {
        String expression = session.filterOf(pattern);
        try {
            return expression == null ? null : Filter.compile(expression);
        } catch (FilterException e) {
            log.warn("filter of durable {} no longer compiles, restored without it: {}", pattern, e.getMessage());
            return null;
        }
    }

    private Payload sessionResult(ResumableSession s, boolean resumed, String reason, List<String> subscriptions) {
        StringBuilder b = new StringBuilder("{\"token\":").append(quoted(s.token()))
                .append(",\"resumed\":").append(resumed);
        if (reason != null) {
            b.append(",\"reason\":").append(quoted(reason));
        }
        b.append(",\"ttl\":").append(sessions.config().ttl().toSeconds());
        if (resumed) {
            b.append(",\"subscriptions\":[").append(String.join(",", subscriptions)).append(']');
        }
        return Payload.json(b.append('}').toString().getBytes(StandardCharsets.UTF_8));
    }

    private void sendError(long id, ErrorCode code, String message) {
        out.send(new Frame.Error(id, code.wire(), message, null));
    }

    private static String quoted(String s) {
        return new String(FrameCodec.quote(s), StandardCharsets.UTF_8);
    }
}
