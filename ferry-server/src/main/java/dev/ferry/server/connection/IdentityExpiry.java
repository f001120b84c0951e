package dev.ferry.server.connection;

import dev.ferry.server.auth.Identity;
import dev.ferry.server.config.HooksConfig;
import dev.ferry.server.hooks.ConnectVerdict;
import dev.ferry.server.hooks.Hooks;
import dev.ferry.server.time.ServerClock;
import io.netty.util.concurrent.EventExecutor;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The expiry of one connection's identity, the same for every transport (docs/hooks.md, "refresh";
 * docs/security.md): when the identity reaches its {@code expiresAt} (on the server clock), an identity the connect
 * hook gave is first offered to the refresh hook, if one is configured. Its answer for the same principal with an
 * expiry still ahead is {@link Owner#refreshed adopted} and timed in turn; a refusal, an answer for another
 * principal or with an expiry already past, or no answer under {@code hooks.refresh.failure-policy: refuse} ends the
 * connection through {@link Owner#expired}, as does the expiry of any other identity (a token, a certificate) or of
 * a connect hook identity without a refresh hook. No answer under {@code allow} keeps the identity and asks again
 * after {@code hooks.refresh.retry}. The transport only says how it closes and what it undoes after a change.
 *
 * <p>Event loop only: every method runs on the connection's loop, where its timers and the hook's answers run too.
 */
public final class IdentityExpiry {
    /** What a transport does about its identity's expiry; every method is called on the connection's loop. */
    public interface Owner {
        /** Whether the connection is still open: nothing is done for one that closed meanwhile. */
        boolean open();

        /**
         * The refresh hook extended the identity with {@code next} (same principal): the connection acts as it
         * from now on, and undoes what its grants no longer allow.
         */
        void refreshed(Identity next);

        /**
         * The identity expired and was not extended: the connection ends the transport's way (a close code 4005,
         * a final event of a stream, ...).
         */
        void expired();
    }

    private final Hooks hooks;
    private final ServerClock clock;
    private final EventExecutor loop;
    private final Supplier<String> clientId;
    private final String transport;
    private final Owner owner;

    // ---- event loop only
    /** The identity being timed; a refresh answer for another one (replaced meanwhile) is dropped. */
    private Identity current;
    /** Runs at the current identity's expiry, or its next refresh retry; null when nothing is due. */
    private ScheduledFuture<?> timer;

    /**
     * @param clientId the connection's id in the server API ({@code client} of the refresh request; empty for a
     *     connection the API does not list)
     * @param transport the connection's kind ({@code transport} of the refresh request)
     */
    public IdentityExpiry(Hooks hooks, ServerClock clock, EventExecutor loop, Supplier<String> clientId,
                          String transport, Owner owner) {
        this.hooks = hooks;
        this.clock = clock;
        this.loop = loop;
        this.clientId = clientId;
        this.transport = transport;
        this.owner = owner;
    }

    /** Times {@code identity}, the connection's from now on, instead of any identity timed before. */
    public void start(Identity identity) {
        cancel();
        current = identity;
        if (identity.expiresAt() == null) {
            return;
        }
        long delay = identity.expiresAt().toEpochMilli() - clock.millis();
        // whether it is refreshed is decided at expiry: a reload may add or remove the refresh hook meanwhile
        timer = clock.schedule(loop, () -> {
            if (refreshes(identity)) {
                refresh(identity);
            } else {
                expire(identity);
            }
        }, delay, TimeUnit.MILLISECONDS);
    }

    /** Whether {@code identity} is offered to the refresh hook at its expiry: one the connect hook gave. */
    public boolean refreshes(Identity identity) {
        return hooks.refreshConfigured() && Hooks.ISSUER.equals(identity.issuer());
    }

    /** The connection closed (or its identity is timed no more): nothing runs from now on. */
    public void cancel() {
        current = null;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void expire(Identity identity) {
        timer = null;
        if (current == identity && owner.open()) {
            owner.expired();
        }
    }

    private void refresh(Identity identity) {
        timer = null;
        if (current != identity || !owner.open()) {
            return;
        }
        if (!hooks.refreshConfigured()) { // removed by a reload since the retry was timed
            expire(identity);
            return;
        }
        hooks.refresh(clientId.get(), transport, identity, Map.of())
                .whenComplete((verdict, failure) -> loop.execute(() -> answered(identity, verdict)));
    }

    private void answered(Identity identity, ConnectVerdict verdict) {
        if (current != identity || !owner.open()) {
            return;
        }
        Identity next = verdict == null ? null : verdict.identity();
        if (next != null && next.samePrincipal(identity)
                && (next.expiresAt() == null || next.expiresAt().toEpochMilli() > clock.millis())) {
            owner.refreshed(next);
            if (owner.open()) {
                start(next);
            }
        } else if (next == null && (verdict == null || verdict.refusal() == null)
                && hooks.config().refresh() != null // null: removed by a reload meanwhile
                && hooks.config().refresh().failurePolicy() == HooksConfig.FailurePolicy.ALLOW) {
            timer = clock.schedule(loop, () -> refresh(identity), hooks.config().refreshRetry().toMillis(),
                    TimeUnit.MILLISECONDS);
        } else {
            cancel();
            owner.expired();
        }
    }
}
