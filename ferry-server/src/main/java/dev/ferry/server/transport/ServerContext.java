package dev.ferry.server.transport;

import dev.ferry.server.auth.OriginPolicy;
import dev.ferry.server.auth.Security;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.http.WebAssets;
import dev.ferry.server.hub.Hub;
import dev.ferry.server.rpc.Rpc;
import dev.ferry.server.session.ResumableSessions;
import dev.ferry.server.session.Session;
import dev.ferry.server.time.ServerClock;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import dev.ferry.server.tunnel.Tunnels;
import dev.ferry.server.sse.FallbackSessions;
import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.ChannelGroupFuture;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What every connection of one server shares: configuration, the hub, RPC routing, the open channels and
 * sessions, and the drain state. Thread-safe.
 */
public final class ServerContext {
    /** Set on a channel while an HTTP request on it is being answered; drained channels without it close at once. */
    public static final AttributeKey<Boolean> HTTP_BUSY = AttributeKey.valueOf("ferry.http.busy");
    /**
     * Set on a plain WebSocket channel or an event stream: how it says goodbye (idempotent, run on its event loop)
     * when draining; an event stream ends its chunked response with the last chunk, then closes.
     */
    public static final AttributeKey<Runnable> GO_AWAY = AttributeKey.valueOf("ferry.goaway");
    /** Set on a channel accepted beyond a connection limit: its first request is answered 429 or 503. */
    public static final AttributeKey<dev.ferry.server.auth.ConnectionLimiter.Refusal> OVER_CONNECTION_LIMIT =
            AttributeKey.valueOf("ferry.over-connection-limit");

    private final FerryConfig config;
    private final Hub hub;
    private final Rpc rpc;
    private final Tunnels tunnels;
    private final Security security;
    private final ServerClock clock;
    private final ChannelGroup channels = new DefaultChannelGroup("ferry", GlobalEventExecutor.INSTANCE);
    private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
    private final WebAssets webAssets = new WebAssets();
    private final OriginPolicy originPolicy;
    private final FallbackSessions fallbackSessions;
    private final ResumableSessions resumableSessions;
    private final dev.ferry.server.presence.Presence presence;
    private final LongAdder slowConsumerCloses = new LongAdder();
    private final LongAdder lossyDrops = new LongAdder();
    private final LongAdder outboundQueued = new LongAdder();
    private final ByteCounter byteCounter = new ByteCounter();
    private final FaultLog faultLog = new FaultLog();
    /** Endpoints of protocols above the transports layer, by path; added before the server binds. */
    private final java.util.Map<String, dev.ferry.server.http.UpgradeRoute> upgradeRoutes = new ConcurrentHashMap<>();
    private final FlushBatch.PerLoop flushBatches = new FlushBatch.PerLoop();
    private final Heartbeats.PerLoop heartbeats;
    private final dev.ferry.server.websocket.WebSocketSettings webSocketSettings;
    private final ReassemblyBudget reassemblyBudget;
    private final PrometheusMeterRegistry meters;
    private volatile boolean draining;
    private final dev.ferry.server.state.StateChannels stateChannels;
    private final dev.ferry.server.events.EventClasses events;
    private final dev.ferry.server.connection.Connections connections;

    /** A context whose meters nobody scrapes (tests). */
    public ServerContext(FerryConfig config, Hub hub, Rpc rpc) {
        this(config, hub, rpc, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), new Security(config),
                ServerClock.system());
    }

    public ServerContext(FerryConfig config, Hub hub, Rpc rpc, PrometheusMeterRegistry meters, Security security,
                         ServerClock clock) {
        this.config = config;
        this.events = dev.ferry.server.events.EventClasses.compile(config.events());
        this.clock = clock;
        this.connections = new dev.ferry.server.connection.Connections(clock);
        this.hub = hub;
        this.rpc = rpc;
        this.meters = meters;
        this.security = security;
        this.fallbackSessions = new FallbackSessions(security.connections());
        this.originPolicy = new OriginPolicy(config.web());
        this.heartbeats = new Heartbeats.PerLoop(config.websocket().pingInterval().toNanos(), clock);
        this.webSocketSettings = new dev.ferry.server.websocket.WebSocketSettings(config.websocket());
        this.reassemblyBudget = new ReassemblyBudget(config.limits().reassemblyBytes());
        this.tunnels = new Tunnels(config.tunnel());
        dev.ferry.server.session.SessionStore shared = hub.engine().sessionStore();
        this.resumableSessions = shared == null ? new ResumableSessions(config.session(), clock)
                : new ResumableSessions(config.session(), shared, clock);
        this.presence = new dev.ferry.server.presence.Presence(config.presence(),
                hub.engine().presenceStore(config.presence()), clock);
        this.stateChannels = new dev.ferry.server.state.StateChannels(config.state(), hub);
        hub.stateTopics(stateChannels::configured);
    }

    /** The declared event classes, their schemas compiled (docs/events.md). */
    public dev.ferry.server.events.EventClasses events() {
        return events;
    }

    /** The time expiries, timeouts and timers follow. */
    public ServerClock clock() {
        return clock;
    }

    /** Who is subscribed to which topic, and the presence pushes (docs/protocol.md §4.7). */
    public dev.ferry.server.presence.Presence presence() {
        return presence;
    }

    /** The state channels (docs/protocol.md §4.6). */
    public dev.ferry.server.state.StateChannels stateChannels() {
        return stateChannels;
    }

    /** Resumable sessions and their durable subscriptions (docs/protocol.md §4.5). */
    public ResumableSessions resumableSessions() {
        return resumableSessions;
    }

    /** Authentication, permissions, limits and their counters. */
    public Security security() {
        return security;
    }

    /** The registry scraped at {@code GET /metrics}. */
    public PrometheusMeterRegistry meters() {
        return meters;
    }

    /** The demo page and ferry-js files served at {@code /}. */
    public WebAssets webAssets() {
        return webAssets;
    }

    public OriginPolicy originPolicy() {
        return originPolicy;
    }

    public FerryConfig config() {
        return config;
    }

    public Hub hub() {
        return hub;
    }

    public Rpc rpc() {
        return rpc;
    }

    public Tunnels tunnels() {
        return tunnels;
    }

    /** The open HTTP-only fallback sessions (docs/web.md). */
    public FallbackSessions fallbackSessions() {
        return fallbackSessions;
    }

    /**
     * A connection core for a client of {@code scope} over {@code transport}, admitted by this server's limits;
     * {@code draining} says when its new subscriptions are refused.
     */
    public dev.ferry.server.connection.Connection connection(dev.ferry.server.auth.AccessScope scope,
            dev.ferry.server.connection.Transport transport, java.util.function.BooleanSupplier draining) {
        var admission = new dev.ferry.server.connection.Admission(config.limits(), config.websocket().maxSubscriptions(),
                draining, security.counters(), clock::nanoTime, events);
        return new dev.ferry.server.connection.Connection(hub, admission, scope, transport, connections);
    }

    /** The open connections of this node, whatever their transport (the server API lists them). */
    public dev.ferry.server.connection.Connections connections() {
        return connections;
    }

    /** Adds a WebSocket endpoint at {@code route.path()}; before the server binds. */
    public void upgradeRoute(dev.ferry.server.http.UpgradeRoute route) {
        upgradeRoutes.put(route.path(), route);
    }

    /** The endpoint added at {@code path}, or null. */
    public dev.ferry.server.http.UpgradeRoute upgradeRoute(String path) {
        return upgradeRoutes.isEmpty() ? null : upgradeRoutes.get(path);
    }

    public boolean draining() {
        return draining;
    }

    /** Tracks a newly accepted channel until it closes. */
    public void register(Channel channel) {
        channels.add(channel);
    }

    public void sessionOpened(Session session) {
        sessions.add(session);
        if (draining) {
            session.executor().execute(session::goAway);
        }
    }

    public void sessionClosed(Session session) {
        sessions.remove(session);
    }

    public int openChannels() {
        return channels.size();
    }

    /** Where every connection's faults are logged, client faults rate-limited (docs/operations.md, "Logs"). */
    public FaultLog faultLog() {
        return faultLog;
    }

    /** The shared handler that counts every connection's socket bytes. */
    public ByteCounter byteCounter() {
        return byteCounter;
    }

    /** Adds {@code delta} (negative when frames leave) to the bytes waiting in connections' outbound queues. */
    void outboundQueued(long delta) {
        outboundQueued.add(delta);
    }

    /** Bytes waiting in the connections' outbound queues (docs/operations.md), not yet handed to the socket. */
    public long outboundQueuedBytes() {
        return outboundQueued.sum();
    }

    /** Bytes handed to connections' sockets but not yet written by the kernel (Netty's outbound buffers). */
    public long socketPendingBytes() {
        long sum = 0;
        for (Channel ch : channels) {
            var buffer = ch.unsafe().outboundBuffer();
            if (buffer != null) {
                sum += buffer.totalPendingWriteBytes();
            }
        }
        return sum;
    }

    public int openSessions() {
        return sessions.size();
    }

    /** The flush batch of the calling event-loop thread. */
    FlushBatch flushBatch() {
        return FlushBatch.of(flushBatches);
    }

    /** The WebSocket settings every upgrade of this server uses, built once. */
    public dev.ferry.server.websocket.WebSocketSettings webSocketSettings() {
        return webSocketSettings;
    }

    /** The budget of unfinished fragmented WebSocket messages of all connections ({@code limits.reassembly-bytes}). */
    public ReassemblyBudget reassemblyBudget() {
        return reassemblyBudget;
    }

    /** The WebSocket liveness timer of the calling event-loop thread. */
    public Heartbeats heartbeats() {
        return heartbeats.get();
    }

    /** Counts connections closed with 4001 because their outbound queue overflowed. */
    public void slowConsumerClosed() {
        slowConsumerCloses.increment();
    }

    public long slowConsumerCloses() {
        return slowConsumerCloses.sum();
    }

    /** Counts publications of lossy topics dropped for a subscriber that was behind. */
    public void lossyDropped() {
        lossyDrops.increment();
    }

    public long lossyDrops() {
        return lossyDrops.sum();
    }

    /**
     * Starts draining: every session gets {@code goaway} and a 1001 close behind its queued frames; idle HTTP
     * connections close now, busy ones after their response. The returned future completes once all are closed.
     */
    public ChannelGroupFuture drain() {
        draining = true;
        ChannelGroupFuture allClosed = channels.newCloseFuture();
        for (Session s : sessions) {
            s.executor().execute(s::goAway);
        }
        for (Channel ch : channels) {
            Runnable goAway = ch.attr(GO_AWAY).get();
            if (goAway != null) {
                ch.eventLoop().execute(goAway);
            } else if (!ch.hasAttr(Session.KEY) && !Boolean.TRUE.equals(ch.attr(HTTP_BUSY).get())) {
                ch.close();
            }
        }
        return allClosed;
    }

    /** Closes whatever is still open. */
    public void closeAll() {
        channels.close().awaitUninterruptibly();
        security.close();
        presence.close();
    }
}
