package dev.ferry.server.session;

import dev.ferry.server.auth.AuthError;
import dev.ferry.server.auth.AuthOutcome;
import dev.ferry.server.auth.Identity;
import dev.ferry.server.auth.Security;
import dev.ferry.server.config.HooksConfig;
import dev.ferry.server.connection.Connection;
import dev.ferry.server.hooks.Hooks;
import dev.ferry.server.time.ServerClock;
import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The identity of one ferry.v1 connection over its life: it makes the connection act as an identity (its
 * {@link Connection#scope} from the server's permissions), closes it through {@code expired} when that identity's
 * token expires, and decides whether the token of an {@code auth} command may replace it: an anonymous connection
 * takes any valid token's identity, an authenticated one only a token of its own principal (same issuer and
 * subject), which pushes its expiry back (docs/security.md).
 *
 * <p>Event loop only; the expiry timer runs on the connection's loop, on the server clock.
 */
final class TokenAuth {
    /** What an {@code auth} token does: the identity it makes the connection's, or why it is refused. */
    record Verdict(Identity next, String refusal) {
    }

    private final Security security;
    private final ServerClock clock;
    private final Connection connection;
    private final EventExecutor loop;
    private final Runnable expired;
    private final Hooks hooks;

    // ---- event loop only
    /** Runs {@link #expired} when the identity expires; null when it does not. */
    private ScheduledFuture<?> expiry;

    /** @param expired closes the connection with 4005 once its identity has expired */
    TokenAuth(Security security, ServerClock clock, Connection connection, EventExecutor loop, Runnable expired) {
        this(security, clock, connection, loop, expired, Hooks.none());
    }

    /** As above; an expiring identity of the connect hook is first offered to {@code hooks}' refresh hook. */
    TokenAuth(Security security, ServerClock clock, Connection connection, EventExecutor loop, Runnable expired,
              Hooks hooks) {
        this.hooks = hooks;
        this.security = security;
        this.clock = clock;
        this.connection = connection;
        this.loop = loop;
        this.expired = expired;
    }

    /** Takes {@code identity} as the connection's own, with its permissions, until it expires. */
    void adopt(Identity identity) {
        connection.scope(security.permissions().scope(identity));
        cancel();
        if (identity.expiresAt() != null) {
            long delay = identity.expiresAt().toEpochMilli() - clock.millis();
            boolean refreshed = hooks.refreshConfigured() && Hooks.ISSUER.equals(identity.issuer());
            expiry = clock.schedule(loop, refreshed ? () -> refresh(identity) : expired, delay, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * The identity the connect hook gave has expired: asks the refresh hook (docs/hooks.md, "refresh"). Its answer
     * for the same user takes over with its new expiry; a refusal, an answer for another user or with an expiry
     * already past (which would ask again at once), or no answer with
     * {@code failure-policy: refuse} closes the connection through {@link #expired}; no answer with {@code allow}
     * keeps the identity for {@code hooks.refresh.retry} and asks again.
     */
    private void refresh(Identity current) {
        expiry = null;
        hooks.refresh(connection.id(), connection.transport().kind(), current, java.util.Map.of())
                .whenComplete((verdict, failure) -> loop.execute(() -> {
                    if (connection.isClosed() || connection.identity() != current) {
                        return;
                    }
                    Identity next = verdict == null ? null : verdict.identity();
                    if (next != null && next.samePrincipal(current)
                            && (next.expiresAt() == null || next.expiresAt().toEpochMilli() > clock.millis())) {
                        adopt(next);
                    } else if (verdict != null && verdict.identity() == null && verdict.refusal() == null
                            && hooks.config().refresh() != null // null: removed by a reload meanwhile
                            && hooks.config().refresh().failurePolicy() == HooksConfig.FailurePolicy.ALLOW) {
                        expiry = clock.schedule(loop, () -> refresh(current), hooks.config().refreshRetry().toMillis(),
                                TimeUnit.MILLISECONDS);
                    } else {
                        expired.run();
                    }
                }));
    }

    /**
     * Verifies the token of an {@code auth} command against the connection's identity: the identity it may take
     * instead, or the {@code unauthorized} message (a refused replacement is counted as a failed authentication).
     */
    Verdict verify(String token) {
        AuthOutcome outcome = security.authenticator().verifyToken(token);
        if (outcome instanceof AuthError e) {
            return new Verdict(null, e.message());
        }
        Identity next = (Identity) outcome;
        Identity current = connection.identity();
        if (current.kind() != Identity.Kind.ANONYMOUS && !current.samePrincipal(next)) {
            security.counters().authFailed();
            return new Verdict(null, "this connection is authenticated as " + current.describe()
                    + "; a token for " + next.describe() + " cannot replace it (open a new connection)");
        }
        return new Verdict(next, null);
    }

    /** The connection closed, or takes another identity: its expiry timer no longer runs. */
    void cancel() {
        if (expiry != null) {
            expiry.cancel(false);
            expiry = null;
        }
    }
}
