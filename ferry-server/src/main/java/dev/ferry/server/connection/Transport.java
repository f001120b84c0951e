package dev.ferry.server.connection;

import dev.ferry.server.hub.Delivery;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.EventExecutor;

/**
 * What the connection core needs of a transport: the event loop it runs on, a way to write a publication (in the
 * transport's own encoding, made once per {@link Delivery} for every connection that shares it) or any other frame,
 * and a way to close. Every method is called on {@link #executor()}.
 */
public interface Transport {
    /** The event loop the connection is confined to. */
    EventExecutor executor();

    /**
     * Writes one publication. The delivery's buffers are shared with the other connections of the loop and valid
     * during this call only: a transport encodes it with {@link Delivery#encoded} under its encoding key and
     * retains what it queues.
     */
    void deliver(Delivery d);

    /**
     * As {@link #deliver(Delivery)} for a publication of a paged recovery: runs {@code written} on
     * {@link #executor()} once it has been written to the connection, never when it is dropped. The default runs
     * it once the publication is handed over.
     */
    default void deliver(Delivery d, Runnable written) {
        deliver(d);
        executor().execute(written);
    }

    /** Writes one frame that is not a publication (a presence push, for instance); takes ownership of it. */
    void write(ByteBuf frame, boolean binary);

    /** Closes the connection with {@code code} and {@code reason} behind what is queued. */
    void close(int code, String reason);

    /**
     * The transport's name as the server API lists it: {@code ws} (ferry.v1), {@code multiplex}, {@code topic} (a
     * per-topic socket), {@code sse}, {@code fallback}, {@code state} (a state channel's event stream) or
     * {@code wamp}.
     */
    default String kind() {
        return "other";
    }

    /** The client's address as {@code host:port}, or null when unknown. */
    default String clientAddress() {
        return null;
    }

    /** Bytes waiting in the connection's outbound queue, not yet handed to the socket. */
    default long queuedBytes() {
        return 0;
    }

    /**
     * Whether the transport's protocol can tell its client of server-side subscriptions: ferry.v1 (WebSocket and
     * fallback sessions) can, with {@code server_sub} and {@code server_unsub} (docs/protocol.md); the default cannot.
     */
    default boolean carriesServerSubscriptions() {
        return false;
    }

    /**
     * Tells the client that the server subscribed it to {@code pattern} ({@code subscribed}) or removed that
     * subscription. Called only when {@link #carriesServerSubscriptions()}.
     */
    default void serverSubscription(String pattern, boolean subscribed) {
        throw new UnsupportedOperationException(kind() + " carries no server-side subscriptions");
    }

    /**
     * A configuration reload changed the server's rules, and {@code connection} (whose transport this is) now acts
     * with its new scope: the transport undoes what the connection may no longer hold (subscriptions, and what its
     * protocol adds: registrations, presence events, state channels) and tells its client as its protocol allows
     * (docs/protocol.md, "Permissions revoked by a reload"). Nothing else about the connection changes. The
     * default drops the revoked subscriptions and, when it dropped any, closes the connection with 4006
     * ({@code forbidden}), having no other way to tell its client.
     */
    default void permissionsChanged(Connection connection) {
        boolean[] dropped = {false};
        connection.dropRevoked((pattern, refusal) -> dropped[0] = true);
        if (dropped[0]) {
            close(dev.ferry.protocol.CloseCodes.FORBIDDEN, "forbidden: a subscription is no longer allowed");
        }
    }

    /** The procedures the connection has registered as a callee (ferry.v1 and WAMP); the default has none. */
    default java.util.Collection<String> registrations() {
        return java.util.List.of();
    }

    /**
     * Publications of the connection's topics may have been missed (the engine lost its way to the backend): the
     * transport makes its client recover, as its protocol allows. The default does nothing.
     */
    default void interrupted() {
    }

    /** A recovery could not keep up with history or live traffic; the default treats it as {@link #interrupted()}. */
    default void fellBehind() {
        interrupted();
    }
}
