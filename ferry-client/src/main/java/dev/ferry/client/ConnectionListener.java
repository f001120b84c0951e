package dev.ferry.client;

/**
 * Observes a client's connection. Called on the client's internal threads: return quickly and do not block.
 *
 * <p>Lifecycle: {@code onConnected}, then for each loss {@code onDisconnected} followed, when the client
 * reconnects, by another {@code onConnected}.
 */
public interface ConnectionListener {
    /**
     * A connection is open and every subscription and registration has been re-established on it (or has failed
     * and been logged). {@code reconnect} is false for the first connection.
     */
    default void onConnected(boolean reconnect) {
    }

    /**
     * The connection closed. {@code closeCode} is the WebSocket close code (1006 when the connection broke without
     * one); {@code willReconnect} says whether the client will try again.
     */
    default void onDisconnected(int closeCode, String reason, boolean willReconnect) {
    }

    /**
     * After a reconnect, the publications on {@code topic} missed while disconnected could not be recovered from
     * the server's history (too old, too many, or the server lost the history: a new epoch). Delivery goes on live
     * from {@code offset} + 1; an application that needs every message resynchronises from its source of truth.
     */
    default void onNotRecovered(String topic, String epoch, long offset) {
    }

    /** A reconnect attempt failed; the client tries again after a backoff. */
    default void onReconnectFailed(Throwable cause) {
    }
}
