package dev.ferry.client;

/**
 * Receives what the server subscribes this client to on its own (the server API, or the {@code ferry.subs} claim of
 * the token the client connects with; docs/protocol.md, "Server-side subscriptions"). Called on the client's
 * dispatch thread, in the order the server sent them: {@code onSubscribed}, then {@code onMessage} for each
 * publication of that pattern, then possibly {@code onUnsubscribed}. The server subscribes each connection anew, so
 * after a reconnect {@code onSubscribed} comes again for what still applies.
 */
public interface ServerSubscriptionListener {
    /** The server subscribed this connection to {@code pattern}. */
    default void onSubscribed(String pattern) {
    }

    /** The server removed its subscription to {@code pattern}. */
    default void onUnsubscribed(String pattern) {
    }

    /** A publication matching a pattern the server subscribed this connection to. */
    void onMessage(Message message);
}
