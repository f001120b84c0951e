package dev.ferry.server.extension;

import dev.ferry.protocol.Payload;
import dev.ferry.server.hub.Delivery;
import dev.ferry.server.hub.Subscriber;
import io.netty.util.concurrent.EventExecutor;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * An extension's connection to its node, made by the connection core as a client's is
 * ({@link ExtensionContext#connect}): its subscriptions and publications pass the same admission (the topic
 * grammar, the permission of its identity, the topic's event class), it is listed with the open connections of the
 * server API (transport {@code extension}) and counted there, and the hub delivers to it as to any connection.
 *
 * <p>Its identity is the extension's: an API key named after it with every grant but {@code admin}, so that
 * {@code auth.rules} written for clients do not cut a bridge the operator configured. It has no publish or call
 * rate ({@code limits.publish-rate} is a client's limit; a bridge carries many clients' traffic) and no
 * subscription limit.
 *
 * <p>Every method runs on the executor the connection was opened with: an extension hops onto it first
 * ({@code executor.execute}), as the hub does to deliver.
 */
public interface ExtensionConnection {
    /** Opens extension connections: given to extensions by {@link ExtensionContext}. */
    @FunctionalInterface
    interface Opener {
        /**
         * A connection named {@code name} (the extension's), confined to {@code executor}, whose publications the
         * hub hands to {@code deliveries} on it (the delivery's buffers are valid during the call only).
         */
        ExtensionConnection open(String name, EventExecutor executor, Consumer<Delivery> deliveries);
    }

    /** Subscribes to {@code pattern}: null once subscribed (or already held), else why not ({@code code: message}). */
    String subscribe(String pattern);

    /** Unsubscribes from {@code pattern}; returns whether it was held. */
    boolean unsubscribe(String pattern);

    /**
     * Publishes {@code data} with {@code tags} to {@code topic} once admitted: returns why not
     * ({@code code: message}; nothing is published), or null and calls {@code then} with the publication's offset
     * or the engine's failure, on any thread (inline, before this returns, when the engine answers at once). An
     * engine that cannot carry tags gets the publication without them.
     */
    String publish(String topic, Payload data, Map<String, String> tags, BiConsumer<Long, Throwable> then);

    /** Whether {@code s}, a subscriber the hub reports (to an interest listener), is this connection. */
    boolean isSubscriber(Subscriber s);

    /** Closes the connection: undoes its subscriptions, and the server API no longer lists it. Idempotent. */
    void close();
}
