package dev.ferry.server.connection;

import dev.ferry.server.auth.AccessScope;
import dev.ferry.server.auth.SecurityCounters;
import dev.ferry.server.config.LimitsConfig;
import dev.ferry.server.events.EventClasses;
import dev.ferry.server.hooks.Hooks;
import dev.ferry.server.hub.Hub;
import dev.ferry.server.time.ServerClock;
import java.util.function.BooleanSupplier;

/**
 * Makes the {@link Connection} of each client of one server, admitted by the server's limits and listed in its
 * open {@link Connections} until it closes. Thread-safe.
 */
public final class ConnectionFactory {
    private final Hub hub;
    /** Read at each publication and call, by every connection: a reload's rates apply at once. */
    private volatile LimitsConfig limits;
    private final int maxSubscriptions;
    private final SecurityCounters counters;
    private final ServerClock clock;
    /** Read at each publication, by every connection: a reload's event classes apply at once. */
    private volatile EventClasses events;
    private final Connections open;
    private final Hooks hooks;

    /**
     * {@code maxSubscriptions} is {@code websocket.max-subscriptions}; refusals are counted in {@code counters};
     * publications are checked against the declared {@code events} classes; connections are listed in {@code open}.
     */
    public ConnectionFactory(Hub hub, LimitsConfig limits, int maxSubscriptions, SecurityCounters counters,
                       ServerClock clock, EventClasses events, Connections open) {
        this(hub, limits, maxSubscriptions, counters, clock, events, open, Hooks.none());
    }

    /** As above, with the backend {@code hooks} that connections go through (docs/hooks.md). */
    public ConnectionFactory(Hub hub, LimitsConfig limits, int maxSubscriptions, SecurityCounters counters,
                       ServerClock clock, EventClasses events, Connections open, Hooks hooks) {
        this.hooks = hooks;
        this.hub = hub;
        this.limits = limits;
        this.maxSubscriptions = maxSubscriptions;
        this.counters = counters;
        this.clock = clock;
        this.events = events;
        this.open = open;
    }

    /** The open connections of this node, whatever their transport (the server API lists them). */
    public Connections open() {
        return open;
    }

    /** The backend hooks (docs/hooks.md). */
    public Hooks hooks() {
        return hooks;
    }

    /** The limits in force. */
    public LimitsConfig limits() {
        return limits;
    }

    /** The declared event classes, their schemas compiled (docs/events.md). */
    public EventClasses events() {
        return events;
    }

    /**
     * A reload: every connection takes {@code limits}' publish and call rates at its next publication or call, and
     * every publication from now on, on any connection, is checked against {@code events}.
     */
    public void reload(LimitsConfig limits, EventClasses events) {
        this.limits = limits;
        this.events = events;
    }

    /**
     * A connection core for a client of {@code scope} over {@code transport}; {@code draining} says when its new
     * subscriptions are refused.
     */
    public Connection open(AccessScope scope, Transport transport, BooleanSupplier draining) {
        var admission = new Admission(this::limits, maxSubscriptions, draining, counters, clock::nanoTime,
                this::events);
        Connection c = new Connection(hub, admission, scope, transport, open);
        c.hooks(hooks, events);
        return c;
    }

    /**
     * The connection of an extension (see {@link ExtensionConnections}) of {@code scope} over {@code transport}:
     * admitted as a client's, event classes included, but without the per-connection rates ({@link LimitsConfig#DEFAULT}
     * has none) and subscription limit, which are a client's limits (a bridge carries many clients' traffic), and not
     * refused while the server drains (the extension stops after the clients are gone).
     */
    public Connection openExtension(AccessScope scope, Transport transport) {
        var admission = new Admission(LimitsConfig.DEFAULT, Integer.MAX_VALUE, () -> false, counters, clock::nanoTime,
                this::events);
        return new Connection(hub, admission, scope, transport, open);
    }
}
