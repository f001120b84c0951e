package dev.ferry.server.connection;

import dev.ferry.server.auth.AccessScope;
import dev.ferry.server.auth.SecurityCounters;
import dev.ferry.server.config.LimitsConfig;
import dev.ferry.server.events.EventClasses;
import dev.ferry.server.hub.Hub;
import dev.ferry.server.time.ServerClock;
import java.util.function.BooleanSupplier;

/**
 * Makes the {@link Connection} of each client of one server, admitted by the server's limits and listed in its
 * open {@link Connections} until it closes. Thread-safe.
 */
public final class ConnectionFactory {
    private final Hub hub;
    private final LimitsConfig limits;
    private final int maxSubscriptions;
    private final SecurityCounters counters;
    private final ServerClock clock;
    private final EventClasses events;
    private final Connections open;

    /**
     * {@code maxSubscriptions} is {@code websocket.max-subscriptions}; refusals are counted in {@code counters};
     * publications are checked against the declared {@code events} classes; connections are listed in {@code open}.
     */
    public ConnectionFactory(Hub hub, LimitsConfig limits, int maxSubscriptions, SecurityCounters counters,
                       ServerClock clock, EventClasses events, Connections open) {
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

    /** The declared event classes, their schemas compiled (docs/events.md). */
    public EventClasses events() {
        return events;
    }

    /**
     * A connection core for a client of {@code scope} over {@code transport}; {@code draining} says when its new
     * subscriptions are refused.
     */
    public Connection open(AccessScope scope, Transport transport, BooleanSupplier draining) {
        var admission = new Admission(limits, maxSubscriptions, draining, counters, clock::nanoTime, events);
        return new Connection(hub, admission, scope, transport, open);
    }
}
