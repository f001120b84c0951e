package dev.ferry.server.auth;

import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.config.LimitsConfig;

/**
 * Everything security a server holds: the authenticator, the permission rules, the per-address connection count,
 * the limits and the counters. One per server; thread-safe.
 */
public final class Security implements AutoCloseable {
    private final SecurityCounters counters = new SecurityCounters();
    private final Authenticator authenticator;
    private final Permissions permissions;
    private final ConnectionLimiter connections;
    private final LimitsConfig limits;

    public Security(FerryConfig config) {
        this.authenticator = new Authenticator(config.auth(), config.http(), counters);
        this.permissions = Permissions.parse(config.auth().rules());
        this.connections = new ConnectionLimiter(config.limits().connectionsPerIp(), config.limits().maxConnections());
        this.limits = config.limits();
    }

    public Authenticator authenticator() {
        return authenticator;
    }

    public Permissions permissions() {
        return permissions;
    }

    public ConnectionLimiter connections() {
        return connections;
    }

    public LimitsConfig limits() {
        return limits;
    }

    public SecurityCounters counters() {
        return counters;
    }

    @Override
    public void close() {
        authenticator.close();
    }
}
