package dev.ferry.server;

import dev.ferry.server.auth.OriginPolicy;
import dev.ferry.server.auth.Security;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.connection.ConnectionFactory;
import dev.ferry.server.connection.Connections;
import dev.ferry.server.engine.Engine;
import dev.ferry.server.events.EventClasses;
import dev.ferry.server.http.HttpServices;
import dev.ferry.server.http.WebAssets;
import dev.ferry.server.hub.Hub;
import dev.ferry.server.presence.Presence;
import dev.ferry.server.rpc.Rpc;
import dev.ferry.server.session.ResumableSessions;
import dev.ferry.server.session.SessionServices;
import dev.ferry.server.sse.FallbackSessions;
import dev.ferry.server.sse.SseServices;
import dev.ferry.server.state.StateChannels;
import dev.ferry.server.time.ServerClock;
import dev.ferry.server.transport.ByteCounter;
import dev.ferry.server.transport.FaultLog;
import dev.ferry.server.transport.Heartbeats;
import dev.ferry.server.transport.OpenChannels;
import dev.ferry.server.transport.OutboundQueues;
import dev.ferry.server.transport.ReassemblyBudget;
import dev.ferry.server.transport.TransportAuth;
import dev.ferry.server.tunnel.Tunnels;
import dev.ferry.server.websocket.WebSocketServices;
import dev.ferry.server.websocket.WebSocketSettings;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import dev.ferry.server.hooks.Hooks;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * The layers of one server, built bottom up by {@link #of}, each handed the narrow collaborators it works with:
 * the socket plumbing ({@code channels}, {@code queues}, {@code byteCounter}, {@code reassembly}), the tunnel
 * routes, what the ferry.v1 sessions and connection cores work with ({@code sessions}), and the HTTP endpoints'
 * services ({@code http}, which hold the WebSocket and SSE endpoints' own). {@link FerryServer} binds them to a
 * port; tests build one to drive a handler without a socket.
 */
public record ServerAssembly(OpenChannels channels, OutboundQueues queues, ByteCounter byteCounter,
                             ReassemblyBudget reassembly, Tunnels tunnels, SessionServices sessions,
                             HttpServices http) {

    /** The layers over {@code hub} and {@code rpc}, with {@code config}, {@code security} and {@code clock}. */
    public static ServerAssembly of(FerryConfig config, Security security, Hub hub, Rpc rpc,
                                    PrometheusMeterRegistry meters, ServerClock clock) {
        return of(config, security, hub, rpc, meters, clock, Hooks.none());
    }

    /** As above, with the backend {@code hooks} (docs/hooks.md). */
    public static ServerAssembly of(FerryConfig config, Security security, Hub hub, Rpc rpc,
                                    PrometheusMeterRegistry meters, ServerClock clock, Hooks hooks) {
        OpenChannels channels = new OpenChannels();
        OutboundQueues queues = new OutboundQueues(config.server().shutdownGrace(), clock);
        ByteCounter byteCounter = new ByteCounter();
        ReassemblyBudget reassembly = new ReassemblyBudget(config.limits().reassemblyBytes());
        Tunnels tunnels = new Tunnels(config.tunnel(), clock);
        Engine e = hub.engine();
        ResumableSessions resumable = e.sessionStore() == null ? new ResumableSessions(config.session(), clock)
                : new ResumableSessions(config.session(), e.sessionStore(), clock);
        Presence presence = new Presence(config.presence(), e.presenceStore(config.presence()), clock);
        StateChannels state = new StateChannels(config.state(), hub);
        hub.stateTopics(state::configured);
        ConnectionFactory connections = new ConnectionFactory(hub, config.limits(),
                config.websocket().maxSubscriptions(), security.counters(), clock, EventClasses.compile(config.events()),
                new Connections(clock), hooks);
        SessionServices sessions = new SessionServices(new java.util.concurrent.atomic.AtomicReference<>(config), security, clock, hub, rpc, presence, state, resumable,
                new FaultLog(), connections, channels);
        WebSocketServices webSockets = new WebSocketServices(sessions, queues,
                new Heartbeats.PerLoop(config.websocket().pingInterval().toNanos(), clock),
                new WebSocketSettings(config.websocket()), reassembly);
        OriginPolicy origins = new OriginPolicy(config.web());
        TransportAuth auth = new TransportAuth(security, origins);
        SseServices sse = new SseServices(sessions, queues, auth, new FallbackSessions(security.connections()));
        HttpServices http = new HttpServices(webSockets, sse, auth, origins, tunnels, new WebAssets(), meters,
                new java.util.concurrent.ConcurrentHashMap<>(), new java.util.concurrent.atomic.AtomicReference<>(),
                new java.util.concurrent.atomic.AtomicReference<>(java.util.List::of),
                new dev.ferry.server.http.ClusterAdmin());
        return new ServerAssembly(channels, queues, byteCounter, reassembly, tunnels, sessions, http);
    }

    /** The layers of a server of {@code config} over {@code hub} and {@code rpc}, on the system clock (tests). */
    public static ServerAssembly of(FerryConfig config, Hub hub, Rpc rpc) {
        return of(config, new Security(config), hub, rpc, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                ServerClock.system());
    }
}
