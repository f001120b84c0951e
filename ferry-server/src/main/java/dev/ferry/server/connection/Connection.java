package dev.ferry.server.connection;

import dev.ferry.protocol.Frame;
import dev.ferry.protocol.Payload;
import dev.ferry.server.auth.AccessScope;
import dev.ferry.server.auth.Action;
import dev.ferry.server.auth.Identity;
import dev.ferry.server.config.HooksConfig;
import dev.ferry.server.engine.Published;
import dev.ferry.server.events.EventClasses;
import dev.ferry.server.hooks.Hooks;
import dev.ferry.server.filter.Filter;
import dev.ferry.server.hub.Delivery;
import dev.ferry.server.hub.Hub;
import dev.ferry.server.hub.Subscriber;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.EventExecutor;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;

/**
 * One client connection, whatever its transport: its identity (an {@link AccessScope}), its {@link Admission},
 * the patterns it is subscribed to, and the one {@link Subscriber} the hub delivers its publications (and presence
 * pushes) to, which it hands to its {@link Transport}. Every subscription and publication of a client goes through
 * here, so that each rule is applied once for all transports.
 *
 * <p>Lifecycle: made when the transport opens; operations and deliveries; then {@link #closed()} once the channel
 * closes, which undoes every subscription. Event loop only: every method runs on {@link #executor()}, and the hub
 * hops onto it to deliver.
 */
public final class Connection implements Subscriber {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Connection.class);
    private final Hub hub;
    private final Admission admission;
    private final Transport transport;
    /** The connection this one is a channel of (see {@link #channel}); null for a client connection. */
    private final Connection parent;
    /** Where the server lists it while it is open (null: not listed). */
    private final Connections registry;
    private final String id;
    private final long connectedAt;

    /** Read by the registry's filters from any thread; written on the event loop. */
    private volatile AccessScope scope;

    // ---- event loop only
    private long messagesIn;
    private long bytesIn;
    private long messagesOut;
    private long bytesOut;
    private final Set<String> subscriptions = new LinkedHashSet<>(4); // most connections hold one or two
    /** The open channels of this connection; null until it opens one. */
    private Set<Connection> channels;
    private boolean closed;
    /** The backend hooks its subscriptions and publications go through; set once, before the first operation. */
    private Hooks hooks = Hooks.none();
    private EventClasses events = EventClasses.NONE;
    /**
     * Publications of this connection not yet handed to the hub, at least one of them waiting on a publish hook;
     * {@code publishTail} completes once the last of them is handed on (see {@link #publishAdmitted}).
     */
    private int publishWaiting;
    private java.util.concurrent.CompletableFuture<Void> publishTail;

    /** A connection no registry lists (tests of the core). */
    public Connection(Hub hub, Admission admission, AccessScope scope, Transport transport) {
        this(hub, admission, scope, transport, null, null);
    }

    /** A connection listed in {@code registry} from now until {@link #closed()}. */
    public Connection(Hub hub, Admission admission, AccessScope scope, Transport transport, Connections registry) {
        this(hub, admission, scope, transport, null, registry);
    }

    private Connection(Hub hub, Admission admission, AccessScope scope, Transport transport, Connection parent,
                       Connections registry) {
        this.hub = hub;
        this.admission = admission;
        this.scope = scope;
        this.transport = transport;
        this.parent = parent;
        this.registry = registry;
        this.id = registry == null ? "" : registry.nextId();
        this.connectedAt = registry == null ? 0 : registry.now();
        if (registry != null) {
            registry.opened(this);
        }
    }

    /** The connection's id in the server API, unique in the cluster. */
    public String id() {
        return id;
    }

    /** When the connection opened, in epoch milliseconds. */
    public long connectedAt() {
        return connectedAt;
    }

    public Transport transport() {
        return transport;
    }

    /** What the server API shows of this connection now. Event loop only. */
    public ConnectionInfo info() {
        return new ConnectionInfo(id, identity(), transport.kind(), transport.clientAddress(), connectedAt,
                List.copyOf(subscriptions), List.copyOf(transport.registrations()), messagesIn, bytesIn, messagesOut,
                bytesOut, transport.queuedBytes());
    }

    /**
     * A channel of this connection: a subscriber of its own on the hub, whose deliveries go to {@code channelTransport}
     * and never mix with this connection's, with this connection's identity and admission. A state channel a client
     * follows is one: the follower sees every publication of its topic, whatever the client's own subscriptions.
     * Closed when this connection closes, or by {@link #closed()} on it.
     */
    public Connection channel(Transport channelTransport) {
        if (channels == null) {
            channels = new LinkedHashSet<>(4);
        }
        Connection channel = new Connection(hub, admission, null, channelTransport, this, null); // not listed
        channel.hooks(hooks, events);
        channels.add(channel);
        return channel;
    }

    /** Sends this connection's subscriptions and publications through {@code hooks} (docs/hooks.md). */
    void hooks(Hooks hooks, EventClasses events) {
        this.hooks = hooks;
        this.events = events;
    }

    // ------------------------------------------------------------ identity and admission

    public AccessScope scope() {
        return parent != null ? parent.scope() : scope;
    }

    public Identity identity() {
        return scope().identity();
    }

    /** The connection authenticated again: what it and its channels may do from now on. */
    public void scope(AccessScope next) {
        if (parent != null) {
            throw new IllegalStateException("a channel takes the identity of its connection");
        }
        this.scope = next;
    }

    public Admission admission() {
        return admission;
    }

    /**
     * A configuration reload changed the server's rules: this connection acts with {@code next} (its identity's
     * scope under the new rules) from now on, and its transport undoes what it may no longer hold
     * ({@link Transport#permissionsChanged}). Does nothing once closed. Event loop only.
     */
    public void permissionsChanged(AccessScope next) {
        if (closed) {
            return;
        }
        scope(next);
        transport.permissionsChanged(this);
    }

    // ------------------------------------------------------------ subscriptions

    /** Whether subscribing to {@code pattern} is admitted (grammar, permission, not draining), or why not. */
    public Refusal admitSubscribe(String pattern) {
        return admission.subscribe(scope(), pattern);
    }

    /**
     * Whether this connection has room for {@code pattern} next to {@code others} subscriptions it holds outside
     * the hub (state channels): a pattern already held always has.
     */
    public Refusal roomFor(String pattern, int others) {
        return subscriptions.contains(pattern) ? null : admission.roomFor(subscriptions.size() + others);
    }

    /**
     * Subscribes to {@code pattern} live, without recovery, once admitted and with room; holding it already does
     * nothing. Returns the refusal, or null once subscribed. Not asked of the subscribe hook: for subscriptions the
     * application itself makes (server-side extensions); a client's go through {@link #subscribeLive}.
     */
    public Refusal subscribe(String pattern) {
        Refusal r = admitSubscribe(pattern);
        if (r == null) {
            r = roomFor(pattern, 0);
        }
        if (r != null) {
            return r;
        }
        if (subscriptions.add(pattern)) {
            hub.subscribe(pattern, this);
            subscribedEvent(pattern);
        }
        return null;
    }

    /**
     * A client subscribes to {@code pattern} live, without recovery (the multiplexer's channels, a per-topic
     * socket): as {@link #subscribe(String)}, but a pattern a subscribe hook decides (and the connection does not
     * hold yet) is asked of the hook first (docs/hooks.md, "subscribe"). {@code then} gets null once subscribed, or
     * the refusal ({@code subscribe_refused}, {@code hook_unavailable} among them), on this loop: at once without a
     * hook, once the hook answered otherwise, and never once the connection closed.
     */
    public void subscribeLive(String pattern, java.util.function.Consumer<Refusal> then) {
        Refusal r = admitSubscribe(pattern);
        if (r == null) {
            r = roomFor(pattern, 0);
        }
        HooksConfig.Rule rule = r != null || subscriptions.contains(pattern) ? null : hooks.subscribeRule(pattern);
        if (rule == null) {
            then.accept(r != null ? r : subscribe(pattern));
            return;
        }
        askSubscribeHook(rule, pattern, refused -> then.accept(refused != null ? refused : subscribe(pattern)));
    }

    /**
     * Asks {@code rule}'s subscribe hook about {@code pattern}; {@code decided} gets, on this loop and only while
     * the connection is open, null when the subscription may go ahead, else the refusal: {@code subscribe_refused}
     * with the application's reason and code, or {@code hook_unavailable} (no answer, failure policy refuse).
     */
    private void askSubscribeHook(HooksConfig.Rule rule, String pattern, java.util.function.Consumer<Refusal> decided) {
        Connection client = parent != null ? parent : this; // a state channel is asked about as its connection
        hooks.subscribe(rule, client.id(), client.transport.kind(), identity(), pattern).whenComplete((v, failure) ->
                executor().execute(() -> {
                    if (closed) {
                        return;
                    }
                    decided.accept(v == null
                            ? Refusal.of(dev.ferry.protocol.ErrorCode.HOOK_UNAVAILABLE, String.valueOf(failure))
                            : HookRefusal.of(rule, v, dev.ferry.protocol.ErrorCode.SUBSCRIBE_REFUSED));
                }));
    }

    /** Tells events out that this listed connection subscribed to {@code pattern}. */
    private void subscribedEvent(String pattern) {
        if (registry != null) {
            registry.eventsOut().subscribed(id, Connections.user(identity()), pattern);
        }
    }

    /** Tells events out that this listed connection's subscription to {@code pattern} ended. */
    private void unsubscribedEvent(String pattern) {
        if (registry != null) {
            registry.eventsOut().unsubscribed(id, Connections.user(identity()), pattern);
        }
    }

    /**
     * Subscribes to an admitted {@code pattern}, recovering from {@code since}, with {@code filter} (null: none);
     * {@code then} is called on this loop as {@link Hub#subscribe(String, Subscriber, List, Filter, BiConsumer)}
     * says, never once closed. A pattern that fails in the engine and was not held before is forgotten.
     */
    public void subscribe(String pattern, List<Frame.Position> since, Filter filter,
                          BiConsumer<List<Hub.Recovery>, Throwable> then) {
        HooksConfig.Rule rule = subscriptions.contains(pattern) ? null : hooks.subscribeRule(pattern);
        if (rule == null) {
            subscribeAdmitted(pattern, since, filter, then);
            return;
        }
        // The subscribe hook decides first (docs/hooks.md, "subscribe"); its refusal fails {@code then} with a
        // HookRefusal.
        askSubscribeHook(rule, pattern, r -> {
            if (r != null) {
                then.accept(null, new HookRefusal(r));
            } else {
                subscribeAdmitted(pattern, since, filter, then);
            }
        });
    }

    private void subscribeAdmitted(String pattern, List<Frame.Position> since, Filter filter,
                                   BiConsumer<List<Hub.Recovery>, Throwable> then) {
        boolean known = !subscriptions.add(pattern);
        hub.subscribe(pattern, this, since, filter, (recoveries, failure) -> {
            if (closed) {
                return;
            }
            if (failure != null && !known) {
                subscriptions.remove(pattern);
            } else if (failure == null && !known) {
                subscribedEvent(pattern);
            }
            then.accept(recoveries, failure);
        });
    }

    /**
     * The server subscribes this connection to {@code pattern} (the server API, a token's {@code ferry.subs}): its
     * grammar and {@code websocket.max-subscriptions} are checked, not the identity's permissions, and the client is
     * told before any publication of it. Holding it already does nothing. Returns the refusal ({@code bad_topic},
     * {@code too_many_subscriptions}), or null. Only for a transport that {@link Transport#carriesServerSubscriptions()}.
     */
    public Refusal subscribeByServer(String pattern) {
        String why = dev.ferry.protocol.Topics.checkPattern(pattern);
        if (why != null) {
            return Refusal.of(dev.ferry.protocol.ErrorCode.BAD_TOPIC, why);
        }
        if (subscriptions.contains(pattern) || closed) {
            return null;
        }
        Refusal r = roomFor(pattern, 0);
        if (r != null) {
            return r;
        }
        transport.serverSubscription(pattern, true);
        subscriptions.add(pattern);
        hub.subscribe(pattern, this);
        subscribedEvent(pattern);
        return null;
    }

    /** The server removes the subscription to {@code pattern} and tells the client; returns whether it was held. */
    public boolean unsubscribeByServer(String pattern) {
        if (closed || !unsubscribe(pattern)) {
            return false;
        }
        transport.serverSubscription(pattern, false);
        return true;
    }

    /** Unsubscribes from {@code pattern}; returns whether it was held. */
    public boolean unsubscribe(String pattern) {
        if (!subscriptions.remove(pattern)) {
            return false;
        }
        hub.unsubscribe(pattern, this);
        unsubscribedEvent(pattern);
        return true;
    }

    /**
     * After the identity changed: unsubscribes every pattern it may no longer subscribe to, and hands each to
     * {@code dropped} with its {@code forbidden} refusal.
     */
    public void dropRevoked(BiConsumer<String, Refusal> dropped) {
        for (String pattern : List.copyOf(subscriptions)) {
            Refusal r = admission.revoked(scope(), Action.SUBSCRIBE, pattern, "the subscription was dropped");
            if (r != null) {
                try (ConnectionLog.Scope s = ConnectionLog.about(this)) {
                    log.info("subscription to {} dropped: no longer allowed", pattern);
                }
                unsubscribe(pattern);
                dropped.accept(pattern, r);
            }
        }
    }

    public boolean holds(String pattern) {
        return subscriptions.contains(pattern);
    }

    public int subscriptionCount() {
        return subscriptions.size();
    }

    /** The patterns held, in the order they were subscribed (a read-only view). */
    public Set<String> subscriptions() {
        return Collections.unmodifiableSet(subscriptions);
    }

    // ------------------------------------------------------------ publications

    /**
     * Whether publishing {@code data} with {@code tags} to {@code topic} is admitted (grammar, permission, event
     * class, publish rate), or why not.
     */
    public Refusal admitPublish(String topic, Payload data, Map<String, String> tags) {
        return admission.publish(scope(), topic, data, tags);
    }

    /**
     * At most this many publications of one connection wait for a publish hook (or behind one that does, for
     * order); one more is refused with {@code rate_limited} (docs/hooks.md, "publish").
     */
    public static final int MAX_PUBLISH_WAITING = 64;

    /**
     * Publishes an admitted publication, through the topic's publish hook if it has one ({@link HookRefusal#publish});
     * completes (on any thread) as {@link Hub#publish} does, or with a {@link HookRefusal}. The publications of a
     * connection reach the hub in the order they were sent: while one waits for its hook, those after it (hooked
     * or not) wait behind it, at most {@link #MAX_PUBLISH_WAITING}; their hooks are asked at once, concurrently.
     */
    public CompletionStage<Published> publishAdmitted(String topic, Payload data, Map<String, String> tags, String pubId) {
        messagesIn++;
        bytesIn += data.length();
        HooksConfig.Rule rule = hooks.publishRule(topic);
        if (rule == null && publishWaiting == 0) {
            return hub.publish(topic, data, tags, pubId);
        }
        if (publishWaiting >= MAX_PUBLISH_WAITING) {
            return java.util.concurrent.CompletableFuture.failedFuture(new HookRefusal(new Refusal(
                    dev.ferry.protocol.ErrorCode.RATE_LIMITED, MAX_PUBLISH_WAITING
                            + " publications of this connection already wait for the publish hook",
                    Payload.json("{\"action\":\"publish\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8)))));
        }
        publishWaiting++;
        java.util.concurrent.CompletableFuture<Void> previous = publishTail != null ? publishTail
                : java.util.concurrent.CompletableFuture.completedFuture(null);
        java.util.concurrent.CompletableFuture<Void> handed = new java.util.concurrent.CompletableFuture<>();
        publishTail = handed;
        handed.thenRun(() -> { // on the event loop: HookRefusal.publish completes it there
            publishWaiting--;
            if (publishTail == handed) {
                publishTail = null;
            }
        });
        return HookRefusal.publish(rule, hooks, events, hub, executor(), id(), transport.kind(), identity(), topic,
                data, tags, pubId, previous, handed);
    }

    /**
     * Publishes {@code data} to {@code topic} once admitted: returns the refusal, or null and calls {@code then}
     * with the outcome (on any thread).
     */
    public Refusal publish(String topic, Payload data, BiConsumer<Published, Throwable> then) {
        Refusal r = admitPublish(topic, data, Map.of());
        if (r != null) {
            return r;
        }
        publishAdmitted(topic, data, Map.of(), null).whenComplete(then);
        return null;
    }

    // ------------------------------------------------------------ lifecycle

    /** The connection (or this channel of it) closed: undoes every subscription, its channels' too. Idempotent. */
    public void closed() {
        if (closed) {
            return;
        }
        closed = true;
        for (String pattern : subscriptions) {
            hub.unsubscribe(pattern, this);
            unsubscribedEvent(pattern);
        }
        subscriptions.clear();
        if (registry != null) {
            registry.closed(this);
        }
        if (channels != null) {
            for (Connection channel : List.copyOf(channels)) {
                channel.closed();
            }
        }
        if (parent != null && parent.channels != null) {
            parent.channels.remove(this);
        }
    }

    public boolean isClosed() {
        return closed;
    }

    // ------------------------------------------------------------ from the hub (and presence)

    @Override
    public EventExecutor executor() {
        return transport.executor();
    }

    @Override
    public void deliver(Delivery d) {
        if (!closed) {
            delivered(d);
            transport.deliver(d);
        }
    }

    @Override
    public void deliver(Delivery d, Runnable written) {
        if (!closed) {
            delivered(d);
            transport.deliver(d, written);
        }
    }

    private void delivered(Delivery d) {
        messagesOut++;
        bytesOut += d.msg().data().length();
    }

    /** A frame that is not a publication (a presence push): written as it is. */
    @Override
    public void write(ByteBuf frame, boolean binary) {
        if (closed) {
            frame.release();
        } else {
            transport.write(frame, binary);
        }
    }

    @Override
    public void fellBehind() {
        if (!closed) {
            transport.fellBehind();
        }
    }

    @Override
    public void interrupted() {
        if (!closed) {
            transport.interrupted();
        }
    }
}
