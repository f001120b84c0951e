package dev.ferry.server.session;

import dev.ferry.server.auth.AccessScope;
import dev.ferry.server.auth.Security;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.connection.Connection;
import dev.ferry.server.connection.ConnectionFactory;
import dev.ferry.server.connection.Connections;
import dev.ferry.server.events.EventClasses;
import dev.ferry.server.connection.Transport;
import dev.ferry.server.hub.Hub;
import dev.ferry.server.presence.Presence;
import dev.ferry.server.rpc.Rpc;
import dev.ferry.server.state.StateChannels;
import dev.ferry.server.time.ServerClock;
import dev.ferry.server.transport.Drainable;
import dev.ferry.server.transport.FaultLog;
import dev.ferry.server.transport.OpenChannels;
import java.util.function.BooleanSupplier;

/**
 * What the ferry.v1 sessions of one server work with, made once by the server and shared by its sessions: the
 * configuration in force (a reload replaces it: read it at each use, {@link #config()}), security, the hub, RPC routing, presence, state channels, resumable sessions, the clock, the
 * fault log, the connection cores and the registry of open sessions that a drain tells to go away.
 */
public record SessionServices(java.util.concurrent.atomic.AtomicReference<FerryConfig> liveConfig, Security security, ServerClock clock, Hub hub, Rpc rpc,
                              Presence presence, StateChannels stateChannels, ResumableSessions resumableSessions,
                              FaultLog faultLog, ConnectionFactory connectionFactory,
                              OpenChannels openChannels) {

    /** The configuration in force: the one the server started with, or the last reload's. */
    public FerryConfig config() {
        return liveConfig.get();
    }

    /** A connection core for a session of {@code scope}; {@code draining} says when its new work is refused. */
    public Connection connection(AccessScope scope, Transport transport, BooleanSupplier draining) {
        return connectionFactory.open(scope, transport, draining);
    }

    /**
     * The expiry of the identity of a connection on {@code loop} ({@link dev.ferry.server.connection.IdentityExpiry}):
     * at expiry the connect hook's identities go to the refresh hook, others end through {@code owner}.
     */
    public dev.ferry.server.connection.IdentityExpiry expiry(io.netty.util.concurrent.EventExecutor loop,
            java.util.function.Supplier<String> clientId, String transport,
            dev.ferry.server.connection.IdentityExpiry.Owner owner) {
        return new dev.ferry.server.connection.IdentityExpiry(connectionFactory.hooks(), clock, loop, clientId, transport,
                owner);
    }

    /** The open connections of this node, whatever their transport (the server API lists them). */
    public Connections connections() {
        return connectionFactory.open();
    }

    /** The declared event classes, their schemas compiled (docs/events.md). */
    public EventClasses events() {
        return connectionFactory.events();
    }

    /** Whether the server is draining: new connections, subscriptions and requests are refused. */
    public boolean draining() {
        return openChannels.draining();
    }

    /** Tracks an open session for the drain; one opened while draining is told to go away at once. */
    public void sessionOpened(Drainable session) {
        openChannels.sessionOpened(session);
    }

    /** The session is closed: a drain no longer waits for it. */
    public void sessionClosed(Session session) {
        openChannels.sessionClosed(session);
    }
}
