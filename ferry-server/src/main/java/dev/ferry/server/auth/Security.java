package dev.ferry.server.auth;

import dev.ferry.server.config.ConfigException;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.config.LimitsConfig;
import dev.ferry.server.time.ServerClock;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Everything security a server holds: the authenticator, the permission rules, the per-address connection count,
 * the limits and the counters. One per server; thread-safe.
 *
 * <p>The authenticator (issuers, keys, API keys), the permission rules and the limits are one snapshot that
 * {@link #reload} swaps at once: a check reads whichever snapshot is current, never a mix of two. Bans and counters
 * outlive a reload.
 */
public final class Security implements AutoCloseable {
    private final SecurityCounters counters = new SecurityCounters();
    private final ServerClock clock;
    private final AtomicReference<Rules> rules;
    private final ConnectionLimiter connections;

    /** One configuration's authenticator, permissions and limits. */
    private record Rules(Authenticator authenticator, Permissions permissions, LimitsConfig limits) {
    }

    /** Security on the system clock. */
    public Security(FerryConfig config) {
        this(config, ServerClock.system());
    }

    /**
     * Security whose tokens are checked against {@code clock} ({@code exp}, {@code nbf}, JWKS refresh spacing). A
     * {@link ConfigException} names {@code auth.rules} or an API key's {@code allow} when a rule is not understood.
     */
    public Security(FerryConfig config, ServerClock clock) {
        this.clock = clock;
        this.rules = new AtomicReference<>(new Rules(new Authenticator(config.auth(), config.http(), counters, clock),
                permissions(config), config.limits()));
        this.connections = new ConnectionLimiter(config.limits().connectionsPerIp(), config.limits().maxConnections());
    }

    /**
     * What takes the authentication settings, rules and limits of {@code next} for every check from now on, once
     * applied; the previous authenticator is then closed (its JWKS refreshes stop). Connections keep the
     * {@link AccessScope} they hold until they are given a new one. A {@link ConfigException} (a rule that is not
     * understood) is thrown here, before anything changes.
     */
    public Pending reloading(FerryConfig next) {
        Permissions permissions = permissions(next);
        return new Pending(new Rules(new Authenticator(next.auth(), next.http(), counters, clock, authenticator().bans()),
                permissions, next.limits()));
    }

    /** A reload's rules, checked and made, not yet in force: {@link #apply()} or {@link #discard()} it, once. */
    public final class Pending {
        private final Rules fresh;

        private Pending(Rules fresh) {
            this.fresh = fresh;
        }

        /** Puts the rules in force and closes the authenticator they replace. */
        public void apply() {
            rules.getAndSet(fresh).authenticator().close();
            connections.limits(fresh.limits().connectionsPerIp(), fresh.limits().maxConnections());
        }

        /** Forgets them (another part of the reload was refused). */
        public void discard() {
            fresh.authenticator().close();
        }
    }

    /** The rules of {@code auth.rules}; a {@link ConfigException} names the rule that is not understood. */
    private static Permissions permissions(FerryConfig config) {
        try {
            return Permissions.parse(config.auth().rules());
        } catch (IllegalArgumentException e) {
            throw new ConfigException("auth.rules: " + e.getMessage());
        }
    }

    public Authenticator authenticator() {
        return rules.get().authenticator();
    }

    public Permissions permissions() {
        return rules.get().permissions();
    }

    public ConnectionLimiter connections() {
        return connections;
    }

    public LimitsConfig limits() {
        return rules.get().limits();
    }

    public SecurityCounters counters() {
        return counters;
    }

    @Override
    public void close() {
        authenticator().close();
    }
}
