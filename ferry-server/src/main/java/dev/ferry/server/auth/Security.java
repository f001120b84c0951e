package dev.ferry.server.auth;

import dev.ferry.server.config.ConfigException;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.config.LimitsConfig;
import dev.ferry.server.time.ServerClock;

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

    /** Security on the system clock. */
    public Security(FerryConfig config) {
        this(config, ServerClock.system());
    }

    /**
     * Security whose tokens are checked against {@code clock} ({@code exp}, {@code nbf}, JWKS refresh spacing). A
     * {@link ConfigException} names {@code auth.rules} or an API key's {@code allow} when a rule is not understood.
     */
    public Security(FerryConfig config, ServerClock clock) {
        try {
            this.permissions = Permissions.parse(config.auth().rules());
        } catch (IllegalArgumentException e) {
            throw new ConfigException("auth.rules: " + e.getMessage());
        }
        this.authenticator = new Authenticator(config.auth(), config.http(), counters, clock);
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
