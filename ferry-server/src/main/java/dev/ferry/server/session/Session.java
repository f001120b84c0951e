package dev.ferry.server.session;

import dev.ferry.protocol.CancelMode;
import dev.ferry.server.transport.Outbound;
import dev.ferry.protocol.CloseCodes;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.FrameCodec;
import dev.ferry.protocol.Payload;
import dev.ferry.protocol.ProtocolException;
import dev.ferry.protocol.Topics;
import dev.ferry.server.auth.AccessScope;
import dev.ferry.server.auth.Action;
import dev.ferry.server.auth.Identity;
import dev.ferry.server.auth.MessageRate;
import dev.ferry.server.filter.Filter;
import dev.ferry.server.filter.FilterException;
import dev.ferry.server.hub.HistoryJson;
import dev.ferry.server.hub.Hub;
import dev.ferry.server.connection.Admission;
import dev.ferry.server.connection.Connection;
import dev.ferry.server.connection.Refusal;
import dev.ferry.server.connection.Transport;
import dev.ferry.server.hub.TopicIndex;
import dev.ferry.server.presence.ConnectionPresence;
import dev.ferry.server.rpc.Callee;
import dev.ferry.server.rpc.Caller;
import dev.ferry.server.rpc.Invocation;
import dev.ferry.server.rpc.Rpc;
import dev.ferry.server.transport.Drainable;
import dev.ferry.server.transport.ThreadBuffers;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.EventExecutor;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import io.netty.util.collection.LongCollections;
import io.netty.util.collection.LongObjectHashMap;
import io.netty.util.collection.LongObjectMap;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import dev.ferry.server.hub.Delivery;
import dev.ferry.server.transport.WebSocketFraming;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ferry.v1 state of one connection: registered procedures, calls in flight both ways, its resumable session;
 * its subscriptions, publications and their admission go through its {@link Connection}, for which it is the
 * transport.
 *
 * <p>Lifecycle: created when the WebSocket handshake completes, then {@link #onText}/{@link #onBinary}* and
 * deliveries, then {@link #closed()} exactly once when the channel closes (whatever the reason).
 *
 * <p>Threading: event-loop confined. Every method runs on {@link #executor()}; the hub and RPC routing hop onto it
 * before calling in.
 */
public final class Session implements FrameCodec.Sink, Transport, Callee, Caller, ThreadBuffers.TextReader, Drainable {
    private static final Logger log = LoggerFactory.getLogger(Session.class);

    private final SessionServices context;
    private final Outbound out;
    /** Where the connection comes from, for logs (a SocketAddress or a String), spelt only when logged. */
    private final Object remote;

    // ---- event loop only
    /** Identity, admission and subscriptions of this connection. */
    private final Connection connection;
    // The sets and maps below stay the shared empty ones until first written (see the writable* methods):
    // most connections never register, call or hold durable subscriptions. Once made they are kept, even empty: a
    // connection that has called once (with one call in flight, its map empties after every result) calls again.
    private Set<String> procedures = Collections.emptySet();
    // Keyed by primitive ids (no boxed key, no entry object per call).
    /** Invocations routed to this connection as a callee and not yet answered (the values say nothing). */
    private LongObjectMap<Boolean> invocations = LongCollections.emptyMap();
    /** Calls this connection made and that are not settled yet: request id to invocation id. */
    private LongObjectMap<Long> calls = LongCollections.emptyMap();
    /** The invocation id of a call in {@link #calls} while it is being routed (ids start at 1). */
    private static final Long ROUTING = 0L;
    private boolean goingAway;
    /** Outcomes of engine operations queued for the event loop and not yet run (see {@link #inLoop}). */
    private final java.util.concurrent.atomic.AtomicInteger queuedOutcomes = new java.util.concurrent.atomic.AtomicInteger();
    private boolean closed;
    /** Every inbound frame, whatever it is ({@code limits.message-rate}, as in force). */
    private final MessageRate messageRate;
    /** The connection is being closed with 4010 for exceeding its message rate: nothing more it sends is read. */
    private boolean rateClosed;
    /** Its resumable session and durable subscriptions (docs/protocol.md §4.5). */
    private final Resumption resumption;
    /** Its identity: {@code auth} tokens, permissions, expiry. */
    private final TokenAuth auth;
    /** The topics this connection is listed in and whose presence pushes it gets (docs/protocol.md §4.7). */
    private final ConnectionPresence presence;
    /** The state channel commands of this connection (docs/protocol.md §4.6); created when first needed. */
    private dev.ferry.server.state.StateCommands stateCommands;

    /** The connection core of this session. */
    public Connection connection() {
        return connection;
    }

    public Session(SessionServices context, Outbound out, Object remote) {
        this(context, out, remote, Identity.ANONYMOUS);
    }

    /** A session of a client authenticated as {@code identity} when the connection opened. */
    public Session(SessionServices context, Outbound out, Object remote, Identity identity) {
        this.context = context;
        this.out = out;
        this.remote = remote;
        this.messageRate = MessageRate.following(() -> context.config().limits(), context.clock().nanoTime());
        this.connection = context.connection(context.security().permissions().scope(identity), this, () -> goingAway);
        this.presence = new ConnectionPresence(context.presence(), connection, connection.id());
        this.resumption = new Resumption(context.resumableSessions(), connection, presence, out, remote, this::inLoop);
        this.auth = new TokenAuth(context.security(), context.clock(), connection, out.executor(), this::expired,
                context.connectionFactory().hooks());
        auth.adopt(identity);
    }

    @Override
    public EventExecutor executor() {
        return out.executor();
    }

    private Set<String> writableProcedures() {
        if (procedures == Collections.<String>emptySet()) {
            procedures = new HashSet<>(4);
        }
        return procedures;
    }

    private LongObjectMap<Boolean> writableInvocations() {
        if (invocations == LongCollections.<Boolean>emptyMap()) {
            invocations = new LongObjectHashMap<>();
        }
        return invocations;
    }

    private LongObjectMap<Long> writableCalls() {
        if (calls == LongCollections.<Long>emptyMap()) {
            calls = new LongObjectHashMap<>();
        }
        return calls;
    }

    // ------------------------------------------------------------ inbound

    public void onText(byte[] message) {
        if (dropsMessage()) {
            return;
        }
        FrameCodec.decodeText(message, this);
    }

    /** A text message in {@code len} bytes of {@code buf} from {@code off}; {@code buf} is not kept. */
    @Override
    public void onText(byte[] buf, int off, int len) {
        if (dropsMessage()) {
            return;
        }
        FrameCodec.decodeText(buf, off, len, this);
    }

    public void onBinary(byte[] message) {
        if (dropsMessage()) {
            return;
        }
        try {
            frame(FrameCodec.decodeBinary(message));
        } catch (ProtocolException e) {
            error(e);
        }
    }

    /**
     * A frame the codec refused: answered with one error. A refused {@code reply} to an invocation in flight also
     * settles that call, so that its caller gets an outcome now rather than its timeout: {@code callee_error} with
     * {@code data.code} the refusal's code (docs/protocol.md §4, "call, invoke, reply").
     */
    @Override
    public void error(ProtocolException e) {
        sendError(e.id(), e.code(), e.getMessage());
        if ("reply".equals(e.type()) && e.id() != 0 && invocations.remove(e.id()) != null) {
            context.rpc().reply(this, e.id(), null, new Frame.ErrorBody(e.code().wire(),
                    "the callee's reply was refused: " + e.getMessage(), null));
        }
    }

    @Override
    public void frame(Frame frame) {
        assert executor().inEventLoop();
        if (closed || rateClosed || beyondMessageRate(idOf(frame))) {
            return;
        }
        try {
            if (frame instanceof Frame.Sub s) {
                subscribe(s);
            } else if (frame instanceof Frame.Unsub u) {
                unsubscribe(u);
            } else if (frame instanceof Frame.Pub p) {
                publish(p);
            } else if (frame instanceof Frame.Call c) {
                call(c);
            } else if (frame instanceof Frame.Reply r) {
                reply(r);
            } else if (frame instanceof Frame.Cancel c) {
                cancel(c);
            } else if (frame instanceof Frame.Register r) {
                register(r);
            } else if (frame instanceof Frame.Unregister u) {
                unregister(u);
            } else if (frame instanceof Frame.History h) {
                history(h);
            } else if (frame instanceof Frame.Index x) {
                index(x);
            } else if (frame instanceof Frame.Procedures x) {
                procedures(x);
            } else if (frame instanceof Frame.Events x) {
                out.send(new Frame.Result(x.id(), Payload.json(context.events().listJson(connection.scope()::maySubscribe))));
            } else if (frame instanceof Frame.Ping p) {
                out.send(new Frame.Pong(p.id()));
            } else if (frame instanceof Frame.Auth a) {
                authenticate(a);
            } else if (frame instanceof Frame.Session c) {
                resumption.command(c);
            } else if (frame instanceof Frame.Presence q) {
                presenceQuery(q);
            } else if (dev.ferry.server.state.StateCommands.handles(frame)) {
                if (!(frame instanceof Frame.StateUpdate u) || !refused(u.id(), connection.admission().takePublish())) {
                    stateCommands().handle(frame);
                }
            } else {
                sendError(idOf(frame), ErrorCode.UNKNOWN_COMMAND,
                        "\"" + frame.type() + "\" is sent by the server, not a command");
            }
        } catch (RuntimeException e) {
            try (var s = dev.ferry.server.connection.ConnectionLog.about(connection)) {
                context.faultLog().unexpected("ferry.v1 (handling \"" + frame.type() + "\")", remote, e);
            }
            sendError(idOf(frame), ErrorCode.INTERNAL, "internal server error");
        }
    }

    private static long idOf(Frame f) {
        return f instanceof Frame.Command c ? c.id() : 0;
    }

    private void subscribe(Frame.Sub s) {
        if (refused(s.id(), connection.admitSubscribe(s.topic()))
                || refused(s.id(), ErrorCode.BAD_TOPIC, checkSince(s))
                || refused(s.id(), ErrorCode.BAD_PRESENCE, presence.check(s))
                || (s.presenceEvents() && denied(s.id(), Action.PRESENCE, s.topic()))) {
            return;
        }
        Filter filter = null;
        if (s.filter() != null) {
            try {
                filter = Filter.compile(s.filter());
            } catch (FilterException e) {
                out.send(new Frame.Error(s.id(), ErrorCode.BAD_FILTER.wire(), "filter: " + e.getMessage(),
                        Payload.json("{\"column\":" + e.column() + "}")));
                return;
            }
        }
        boolean known = connection.holds(s.topic());
        if (refused(s.id(), connection.roomFor(s.topic(), stateCommands == null ? 0 : stateCommands.count()))) {
            return;
        }
        boolean concrete = !Topics.hasWildcard(s.topic());
        boolean wasDurable = resumption.isDurable(s.topic());
        resumption.markDurable(s.topic(), s.durable());
        if (s.durable()) {
            resumption.durableFilter(s.topic(), s.filter());
        }
        presence.subscribing(s, identity());
        // Subscribing again with since on a pattern already held may replay what was delivered live meanwhile:
        // a duplicate (same offset, which clients skip) rather than a gap. The hub answers on this event loop,
        // possibly later (a remote engine), and delivers the replay right after the result.
        connection.subscribe(s.topic(), s.since(), filter, (recoveries, failure) -> {
            if (failure != null) {
                if (!known) {
                    presence.unsubscribed(s.topic());
                }
                resumption.markDurable(s.topic(), known && wasDurable);
                Refusal byHook = dev.ferry.server.connection.HookRefusal.in(failure);
                if (byHook != null) {
                    refused(s.id(), byHook);
                } else {
                    engineFailed(s.id(), "sub", failure);
                }
                return;
            }
            if (s.durable()) {
                resumption.started(s.since(), recoveries);
            }
            if (s.since().isEmpty()) {
                out.send(new Frame.Result(s.id(), concrete ? HistoryJson.position(new Hub.Position(s.topic(),
                        recoveries.get(0).epoch(), recoveries.get(0).offset())) : object("topic", s.topic())));
            } else {
                out.send(new Frame.Result(s.id(), concrete
                        ? HistoryJson.recovery(recoveries.get(0)) : HistoryJson.recoveries(s.topic(), recoveries)));
            }
        });
    }

    /** A command the engine could not carry out (its backend is unreachable or failed). */
    private void engineFailed(long id, String what, Throwable failure) {
        if (failure instanceof java.util.concurrent.CancellationException) {
            return; // unsubscribed meanwhile: the unsub was answered
        }
        try (var s = dev.ferry.server.connection.ConnectionLog.about(connection)) {
            log.debug("{} from {} failed in the engine", what, remote, failure);
        }
        sendError(id, ErrorCode.UNAVAILABLE, "the cluster backend is unavailable; try again");
    }

    /** Why the positions of a {@code sub} do not fit its pattern, or null. */
    private String checkSince(Frame.Sub s) {
        int max = context.config().websocket().maxSubscriptions();
        if (s.since().size() > max) {
            return "\"since\" lists more than " + max + " topics";
        }
        for (Frame.Position p : s.since()) {
            String why = Topics.checkTopic(p.topic());
            if (why != null) {
                return "since: " + why;
            }
            if (!Topics.matches(s.topic(), p.topic())) {
                return "since: topic \"" + p.topic() + "\" does not match the pattern \"" + s.topic() + "\"";
            }
        }
        return null;
    }

    private void history(Frame.History h) {
        if (refused(h.id(), ErrorCode.BAD_TOPIC, Topics.checkTopic(h.topic())) || denied(h.id(), Action.HISTORY, h.topic())) {
            return;
        }
        int max = context.hub().historyConfig().maxRecovery();
        int limit = h.limit() == 0 ? Math.min(100, max) : Math.min(h.limit(), max);
        context.hub().history(h.topic(), h.after(), h.before(), limit, h.reverse()).whenComplete((page, failure) ->
                inLoop(() -> {
                    if (failure != null) {
                        engineFailed(h.id(), "history", failure);
                    } else {
                        out.send(new Frame.Result(h.id(), HistoryJson.page(page)));
                    }
                }));
    }

    private void unsubscribe(Frame.Unsub u) {
        if (refused(u.id(), ErrorCode.BAD_TOPIC, Topics.checkPattern(u.topic()))) {
            return;
        }
        if (!connection.unsubscribe(u.topic())) {
            sendError(u.id(), ErrorCode.NOT_SUBSCRIBED, "this connection is not subscribed to \"" + u.topic() + "\"");
            return;
        }
        resumption.markDurable(u.topic(), false);
        presence.unsubscribed(u.topic());
        out.send(new Frame.Result(u.id(), object("topic", u.topic())));
    }

    private void publish(Frame.Pub p) {
        if (refused(p.id(), connection.admitPublish(p.topic(), p.data(), p.tags()))) {
            return;
        }
        connection.publishAdmitted(p.topic(), p.data(), p.tags(), p.pubId()).whenComplete((published, failure) -> {
            var tooManyTopics = dev.ferry.server.engine.TooManyTopicsException.in(failure);
            Refusal byHook = dev.ferry.server.connection.HookRefusal.in(failure);
            if (byHook != null) {
                inLoop(() -> refused(p.id(), byHook));
            } else if (failure instanceof UnsupportedOperationException) {
                inLoop(() -> sendError(p.id(), ErrorCode.BAD_TAGS, failure.getMessage()));
            } else if (dev.ferry.server.engine.StateTopicException.in(failure)) {
                inLoop(() -> sendError(p.id(), ErrorCode.STATE_CHANNEL, failure.getMessage()));
            } else if (tooManyTopics != null) {
                inLoop(() -> sendError(p.id(), ErrorCode.TOO_MANY_TOPICS, tooManyTopics.getMessage()));
            } else if (dev.ferry.server.engine.OutcomeUnknownException.in(failure)) {
                inLoop(() -> {
                    try (var s = dev.ferry.server.connection.ConnectionLog.about(connection)) {
                        log.debug("pub from {}: outcome unknown", remote, failure);
                    }
                    sendError(p.id(), ErrorCode.OUTCOME_UNKNOWN,
                            dev.ferry.server.engine.OutcomeUnknownException.advice("pub_id"));
                });
            } else if (dev.ferry.server.engine.PubIdsFullException.in(failure)) {
                inLoop(() -> sendError(p.id(), ErrorCode.TOO_MANY_PUB_IDS, failure.getMessage()));
            } else if (failure != null) {
                inLoop(() -> engineFailed(p.id(), "pub", failure));
            } else if (p.ack()) {
                inLoop(() -> out.send(new Frame.Result(p.id(), HistoryJson.published(p.topic(), published))));
            }
        });
    }

    private void call(Frame.Call c) {
        if (refused(c.id(), connection.admission().call(connection.scope(), c.proc()))) {
            return;
        }
        int maxPending = context.config().limits().maxPendingCalls();
        if (calls.size() >= maxPending) {
            context.security().counters().pendingCallsRefused();
            sendError(c.id(), ErrorCode.TOO_MANY_PENDING_CALLS,
                    "this connection already has " + maxPending + " calls waiting for a reply (limits.max-pending-calls)");
            return;
        }
        long max = context.rpc().config().maxTimeout().toMillis();
        long timeout = c.timeoutMs() == 0 ? context.rpc().config().defaultTimeout().toMillis() : c.timeoutMs();
        if (timeout > max) {
            sendError(c.id(), ErrorCode.BAD_TIMEOUT, "timeout: " + timeout + " (expected: at most " + max + " ms, rpc.max-timeout)");
            return;
        }
        // In the table before it is routed: a callee that answers at once (on this loop, or an HTTP backend whose
        // answer completes before the call returns) settles it within the call, and finds it there
        LongObjectMap<Long> table = writableCalls();
        table.put(c.id(), ROUTING);
        long invocation = context.rpc().call(this, c.id(), c.proc(), c.args(), timeout, c.progress());
        if (invocation == 0 || table.get(c.id()) != ROUTING) {
            if (invocation == 0) {
                table.remove(c.id());
            }
            return; // refused, or already settled
        }
        table.put(c.id(), Long.valueOf(invocation));
    }

    private void reply(Frame.Reply r) {
        if (r.progress()) {
            if (invocations.containsKey(r.id())) {
                context.rpc().progress(this, r.id(), r.data());
            }
        } else if (invocations.remove(r.id()) != null) {
            context.rpc().reply(this, r.id(), r.data(), r.error());
        }
    }

    /** {@code cancel} of a call of this connection's still in flight; any other id is ignored. */
    private void cancel(Frame.Cancel c) {
        Long invocation = calls.get(c.id());
        if (invocation != null) {
            context.rpc().cancel(invocation, c.mode());
        }
    }

    private void register(Frame.Register r) {
        if (refused(r.id(), connection.admission().register(connection.scope(), r.proc()))) {
            return;
        }
        int max = connection.admission().maxSubscriptions();
        if (procedures.size() >= max && !procedures.contains(r.proc())) {
            // registrations are held (and, on Redis, announced to the cluster) until unregistered: bounded as patterns
            sendError(r.id(), ErrorCode.TOO_MANY_SUBSCRIPTIONS, "this connection already holds " + max
                    + " registrations (websocket.max-subscriptions)");
            return;
        }
        Frame.Result registered = new Frame.Result(r.id(), object("proc", r.proc()));
        boolean added = writableProcedures().add(r.proc());
        java.util.concurrent.CompletionStage<Void> ready;
        try {
            ready = context.rpc().register(r.proc(), this, r.invoke());
        } catch (Rpc.RegistrationRefused e) {
            if (added) {
                procedures.remove(r.proc());
            }
            sendError(r.id(), ErrorCode.PROCEDURE_EXISTS, e.getMessage());
            return;
        }
        if (added) {
            // answered once the cluster can route calls here: a caller on another node told "registered" finds it
            ready.whenComplete((ok, e) -> inLoop(() -> out.send(registered)));
        } else {
            out.send(registered);
        }
    }

    private void unregister(Frame.Unregister u) {
        if (refused(u.id(), ErrorCode.BAD_PROCEDURE, Topics.checkProcedure(u.proc()))) {
            return;
        }
        if (!procedures.remove(u.proc())) {
            sendError(u.id(), ErrorCode.NOT_REGISTERED, "this connection has not registered \"" + u.proc() + "\"");
            return;
        }
        context.rpc().unregister(u.proc(), this);
        out.send(new Frame.Result(u.id(), object("proc", u.proc())));
    }

    /** {@code presence}: a page of the topic's presence (docs/protocol.md §4.7). */
    private void presenceQuery(Frame.Presence q) {
        if (refused(q.id(), ErrorCode.BAD_TOPIC, Topics.checkTopic(q.topic())) || denied(q.id(), Action.PRESENCE, q.topic())
                || refused(q.id(), ErrorCode.BAD_PRESENCE, context.presence().ruleFor(q.topic()) == null
                ? ConnectionPresence.notKept(q.topic()) : null)) {
            return;
        }
        context.presence().read(q.topic(), q.cursor(), q.limit()).whenComplete((page, failure) -> inLoop(() -> {
            if (failure != null) {
                engineFailed(q.id(), "presence", failure);
            } else {
                out.send(new Frame.Result(q.id(), page.toJson()));
            }
        }));
    }

    /** {@code procedures}: the registered procedures under the prefix that this connection may call. */
    private void procedures(Frame.Procedures x) {
        if (!x.prefix().isEmpty() && refused(x.id(), ErrorCode.BAD_PROCEDURE, Topics.checkProcedure(x.prefix()))) {
            return;
        }
        AccessScope scope = connection.scope();
        out.send(new Frame.Result(x.id(), context.rpc().listJson(x.prefix(),
                proc -> scope.check(Action.CALL, proc).allowed())));
    }

    private void index(Frame.Index x) {
        if (!x.prefix().isEmpty() && refused(x.id(), ErrorCode.BAD_TOPIC, Topics.checkPattern(x.prefix()))) {
            return;
        }
        // only what this connection may subscribe to (docs/security.md)
        out.send(new Frame.Result(x.id(), Payload.json(context.hub().index(x.prefix(), TopicIndex.MAX_CHILDREN,
                connection.scope()::maySubscribe, connection.scope()::maySubscribeAtOrBelow)
                .classified(context.events()::className).toJson())));
    }

    // ------------------------------------------------------------ from the hub and RPC routing

    /**
     * A publication. A lossy one takes the droppable path; over a WebSocket, the frame shared by the connections
     * of this loop is written as it is; otherwise (the HTTP-only session) the encoded {@code msg}. One of a durable
     * subscription advances the resumable session's position once written.
     */
    @Override
    public void deliver(Delivery d) {
        if (closed) {
            return;
        }
        if (d.lossy()) {
            out.sendDroppable(d.payload().retainedDuplicate(), d.binary());
            return;
        }
        Runnable advance = resumption.advanceOnWrite(d.msg());
        if (!out.framesWebSocket()) {
            if (advance == null) {
                out.send(d.payload().retainedDuplicate(), d.binary());
            } else {
                out.send(d.payload().retainedDuplicate(), d.binary(), advance);
            }
            return;
        }
        ByteBuf framed = out.deflated(d, WebSocketFraming.TEXT_OR_BINARY, d.payload(), d.binary());
        if (framed == null) {
            framed = d.derived(WebSocketFraming.TEXT_OR_BINARY, d.binary() ? WebSocketFraming.BINARY : WebSocketFraming.TEXT);
        }
        out.sendFramed(framed.retain(), d.payload().readableBytes(), advance); // shared: see sendFramed
    }

    @Override
    public void deliver(Delivery d, Runnable written) {
        if (closed) {
            return;
        }
        Runnable advance = resumption.advanceOnWrite(d.msg());
        out.send(d.payload().retainedDuplicate(), d.binary(), advance == null ? written : () -> {
            advance.run();
            written.run();
        });
    }

    /** A frame that is not a publication (a presence push). */
    @Override
    public void write(ByteBuf frame, boolean binary) {
        if (closed) {
            frame.release();
        } else {
            out.send(frame, binary);
        }
    }

    @Override
    public void close(int code, String reason) {
        out.close(code, reason);
    }

    @Override
    public boolean carriesServerSubscriptions() {
        return true;
    }

    @Override
    public void serverSubscription(String pattern, boolean subscribed) {
        if (!closed) {
            out.send(new Frame.ServerSub(pattern, subscribed));
        }
    }

    /** A paged recovery could not keep up: close as a slow consumer, so that the client recovers from its offsets. */
    @Override
    public void fellBehind() {
        if (!closed) {
            out.close(CloseCodes.SLOW_CONSUMER, "fell behind while recovering: reconnect and recover");
        }
    }

    /** The engine may have lost publications: close so that the client reconnects and recovers from its offsets. */
    @Override
    public void interrupted() {
        if (!closed && connection.subscriptionCount() > 0) {
            out.close(CloseCodes.TRY_AGAIN_LATER, "cluster connection lost: reconnect and recover");
        }
    }

    @Override
    public void invoke(Invocation invocation) {
        if (closed) {
            context.rpc().calleeGone(Set.of(invocation.id()));
            return;
        }
        writableInvocations().put(invocation.id(), Boolean.TRUE);
        out.send(new Frame.Invoke(invocation.id(), invocation.proc(), invocation.args(), invocation.progress()));
    }

    /**
     * An invocation this connection has not answered was canceled or timed out. Unless the caller waits for the
     * reply ({@code kill}), the invocation is forgotten here too: a reply to it is ignored.
     */
    @Override
    public void interrupt(long invocationId, CancelMode mode, String reason) {
        boolean inFlight = mode == CancelMode.KILL ? invocations.containsKey(invocationId)
                : invocations.remove(invocationId) != null;
        if (inFlight && !closed && mode != CancelMode.SKIP) {
            out.send(new Frame.Interrupt(invocationId, mode, reason));
        }
    }

    @Override
    public void callProgress(long requestId, Payload data) {
        if (calls.containsKey(requestId) && !closed) {
            out.send(new Frame.Progress(requestId, data));
        }
    }

    @Override
    public void callSucceeded(long requestId, Payload result) {
        if (calls.remove(requestId) != null && !closed) {
            out.send(new Frame.Result(requestId, result));
        }
    }

    @Override
    public void callFailed(long requestId, ErrorCode code, String message, Payload data) {
        calls.remove(requestId);
        if (!closed) {
            out.send(new Frame.Error(requestId, code.wire(), message, data));
        }
    }

    // ------------------------------------------------------------ lifecycle

    /** The server is draining: tell the client, then close with 1001 behind the queued frames. */
    public void goAway() {
        if (closed || goingAway) {
            return;
        }
        goingAway = true;
        out.send(new Frame.GoAway("server shutting down", 1000));
        out.close(CloseCodes.GOING_AWAY, "going away");
    }

    /** The channel closed: undo every registration. Idempotent. */
    public void closed() {
        if (closed) {
            return;
        }
        closed = true;
        auth.cancel();
        connection.closed();
        presence.closed();
        if (stateCommands != null) {
            stateCommands.closed();
        }
        for (String proc : procedures) {
            context.rpc().unregister(proc, this);
        }
        procedures.clear();
        context.rpc().calleeGone(invocations.keySet());
        invocations.clear();
        context.rpc().callerGone(calls.values());
        calls.clear();
        resumption.closed();
        context.sessionClosed(this);
    }

    public int subscriptionCount() {
        return connection.subscriptionCount();
    }

    private dev.ferry.server.state.StateCommands stateCommands() {
        if (stateCommands == null) {
            stateCommands = new dev.ferry.server.state.StateCommands(context.stateChannels(),
                    new dev.ferry.server.connection.FollowerFeed(connection), out, new dev.ferry.server.state.StateCommands.Permission() {
                        @Override
                        public boolean denied(long id, Action action, String topic) {
                            return Session.this.denied(id, action, topic);
                        }

                        @Override
                        public boolean refusedSubscribe(long id, String topic) {
                            return refused(id, connection.admitSubscribe(topic));
                        }

                        @Override
                        public boolean refusedByHook(long id, Throwable failure) {
                            return refused(id, dev.ferry.server.connection.HookRefusal.in(failure));
                        }
                    }, connection::subscriptionCount, context.config().websocket().maxSubscriptions());
        }
        return stateCommands;
    }

    @Override
    public String kind() {
        return out.kind();
    }

    @Override
    public dev.ferry.server.rpc.CallOrigin origin() {
        return new dev.ferry.server.rpc.CallOrigin(kind(), connection.id(), connection.identity());
    }

    @Override
    public String clientAddress() {
        return dev.ferry.server.connection.Connections.address(remote);
    }

    @Override
    public long queuedBytes() {
        return out.queuedBytes();
    }

    @Override
    public java.util.Collection<String> registrations() {
        return procedures;
    }

    public String remote() {
        return String.valueOf(remote);
    }

    // ------------------------------------------------------------ helpers

    /**
     * Runs {@code task}, the outcome of an engine operation, on this connection's event loop; nothing once closed.
     * It runs at once when called there and no earlier outcome is still queued for the loop; otherwise it is
     * queued behind them. Engines complete operations in the order they were issued, some on their own threads
     * (queued) and some while the loop is still issuing (at once): without the check a later outcome could
     * overtake an earlier one, and acknowledgements would arrive out of order.
     */
    private void inLoop(Runnable task) {
        if (executor().inEventLoop() && queuedOutcomes.get() == 0) {
            if (!closed) {
                task.run();
            }
            return;
        }
        queuedOutcomes.incrementAndGet();
        try {
            executor().execute(() -> {
                queuedOutcomes.decrementAndGet();
                if (!closed) {
                    task.run();
                }
            });
        } catch (RuntimeException rejected) {
            queuedOutcomes.decrementAndGet(); // the event loop is shutting down: the connection is going away
        }
    }

    /** Answers {@code refusal} as an {@code error}, when there is one; returns whether it did. */
    private boolean refused(long id, Refusal refusal) {
        if (refusal == null) {
            return false;
        }
        out.send(new Frame.Error(id, refusal.code().wire(), refusal.message(), refusal.data()));
        return true;
    }

    /** Answers {@code error} when {@code why} says what is wrong; returns whether it did. */
    private boolean refused(long id, ErrorCode code, String why) {
        if (why == null) {
            return false;
        }
        sendError(id, code, why);
        return true;
    }

    /** The session the upgrade chose for this connection (see {@link ResumableSessions#open}); called once, first. */
    public void opening(ResumableSessions.Opening opening) {
        resumption.opening(opening);
    }

    // ------------------------------------------------------------ authentication and authorization

    /** The identity this connection acts as. */
    public Identity identity() {
        return connection.identity();
    }

    private void expired() {
        if (closed || goingAway) {
            return;
        }
        context.security().counters().expiredClosed();
        out.close(CloseCodes.TOKEN_EXPIRED, "token expired");
    }

    /**
     * {@code auth}: a token for this connection, which {@link TokenAuth} verifies. What the new identity may no
     * longer do is undone: such subscriptions, presence events, state channels and registrations are dropped, each
     * with a {@code forbidden} error without id.
     */
    private void authenticate(Frame.Auth a) {
        TokenAuth.Verdict verdict = auth.verify(a.token());
        if (verdict.refusal() != null) {
            sendError(a.id(), ErrorCode.UNAUTHORIZED, verdict.refusal());
            return;
        }
        Identity next = verdict.next();
        Identity current = connection.identity();
        auth.adopt(next);
        presence.identityChanged(next);
        if (!current.samePrincipal(next)) {
            resumption.principalChanged();
        }
        revokeDisallowed();
        String exp = next.expiresAt() == null ? "" : ",\"exp\":" + next.expiresAt().getEpochSecond();
        out.send(new Frame.Result(a.id(), Payload.json(("{\"sub\":" + quoted(next.name()) + exp + "}")
                .getBytes(StandardCharsets.UTF_8))));
    }

    /** A reload changed the server's rules: what they no longer allow is dropped, as after {@code auth}. */
    @Override
    public void permissionsChanged(Connection c) {
        if (!closed) {
            revokeDisallowed();
        }
    }

    /**
     * Drops what the connection's scope no longer allows: subscriptions, presence events, state channels and
     * registrations, each with a {@code forbidden} error without id.
     */
    private void revokeDisallowed() {
        AccessScope scope = connection.scope();
        Admission admission = connection.admission();
        connection.dropRevoked((pattern, refusal) -> {
            presence.unsubscribed(pattern);
            refused(0, refusal);
        });
        for (String topic : presence.watching()) {
            if (refused(0, admission.revoked(scope, Action.PRESENCE, topic, "the presence events were stopped"))) {
                presence.events(topic, false);
            }
        }
        if (stateCommands != null) {
            stateCommands.revoke(t -> refused(0,
                    admission.revoked(scope, Action.SUBSCRIBE, t, "the state subscription was dropped")));
        }
        for (String proc : List.copyOf(procedures)) {
            if (refused(0, admission.revoked(scope, Action.REGISTER, proc, "the registration was dropped"))) {
                procedures.remove(proc);
                context.rpc().unregister(proc, this);
            }
        }
    }

    /** Answers {@code forbidden} when this connection may not do {@code action} on {@code target}. */
    private boolean denied(long id, Action action, String target) {
        return refused(id, connection.admission().permit(connection.scope(), action, target));
    }

    /**
     * Whether the next message is dropped unread: the connection is closed or being closed for its message rate, or
     * this message is one too many beyond it (which closes the connection with 4010). Checked before decoding (and
     * by the transport before it even copies or validates the message), so that a flood past its allowance costs
     * no decoding and gets no answers.
     */
    public boolean dropsMessage() {
        if (closed || rateClosed) {
            return true;
        }
        if (messageRate != null && messageRate.exhausted(context.clock().nanoTime())) {
            closeForRate();
            return true;
        }
        return false;
    }

    /**
     * Takes one frame from the message rate: answers {@code rate_limited} when the frame is beyond it, and closes
     * the connection with 4010 when it keeps exceeding it ({@link MessageRate}).
     */
    private boolean beyondMessageRate(long id) {
        if (messageRate == null) {
            return false;
        }
        switch (messageRate.take(context.clock().nanoTime())) {
            case ACCEPT -> {
                return false;
            }
            case REFUSE -> {
                refuseForRate(id, "message", "limits.message-rate");
                return true;
            }
            default -> {
                closeForRate();
                return true;
            }
        }
    }

    private void closeForRate() {
        rateClosed = true;
        context.security().counters().rateLimited();
        context.security().counters().rateLimitClosed();
        out.close(CloseCodes.RATE_LIMIT_EXCEEDED, "rate limit exceeded");
    }

    private void refuseForRate(long id, String action, String key) {
        refused(id, connection.admission().rateLimited(action, key));
    }

    private void sendError(long id, ErrorCode code, String message) {
        out.send(new Frame.Error(id, code.wire(), message, null));
    }

    private static Payload object(String name, String value) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(("{\"" + name + "\":").getBytes(StandardCharsets.UTF_8));
        b.writeBytes(FrameCodec.quote(value));
        b.write('}');
        return Payload.json(b.toByteArray());
    }

    private static String quoted(String s) {
        return new String(FrameCodec.quote(s), StandardCharsets.UTF_8);
    }
}
