package dev.ferry.server.session;

import dev.ferry.server.auth.AuthError;
import dev.ferry.server.auth.AuthOutcome;
import dev.ferry.server.auth.Identity;
import dev.ferry.server.auth.Security;
import dev.ferry.server.connection.Connection;
import dev.ferry.server.connection.IdentityExpiry;
import dev.ferry.server.hooks.Hooks;
import dev.ferry.server.time.ServerClock;
import io.netty.util.concurrent.EventExecutor;

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
    private final Connection connection;
    /** Times the identity: closes through {@code expired}, or asks the refresh hook first. */
    private final IdentityExpiry expiry;

    /** @param expired closes the connection with 4005 once its identity has expired */
    TokenAuth(Security security, ServerClock clock, Connection connection, EventExecutor loop, Runnable expired) {
        this(security, clock, connection, loop, expired, Hooks.none());
    }

    /** As above; an expiring identity of the connect hook is first offered to {@code hooks}' refresh hook. */
    TokenAuth(Security security, ServerClock clock, Connection connection, EventExecutor loop, Runnable expired,
              Hooks hooks) {
        this.security = security;
        this.connection = connection;
        this.expiry = new IdentityExpiry(hooks, clock, loop, connection::id, connection.transport().kind(),
                new IdentityExpiry.Owner() {
                    @Override
                    public boolean open() {
                        return !connection.isClosed();
                    }

                    @Override
                    public void refreshed(Identity next) {
                        // what the answer's grants no longer allow is dropped, as after a reload
                        connection.permissionsChanged(security.permissions().scope(next));
                    }

                    @Override
                    public void expired() {
                        expired.run();
                    }
                });
    }

    /**
     * Takes {@code identity} as the connection's own, with its permissions, until it expires; an identity of the
     * connect hook is then offered to the refresh hook (docs/hooks.md, "refresh"), whose answer for the same user
     * takes over with its new expiry.
     */
    void adopt(Identity identity) {
        connection.scope(security.permissions().scope(identity));
        expiry.start(identity);
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
        expiry.cancel();
    }
}
