package dev.ferry.client;

import java.util.concurrent.CompletableFuture;

/** A handler subscribed to a pattern. It stays subscribed across reconnects until {@link #unsubscribe()}. */
public interface Subscription {
    String pattern();

    /**
     * Stops delivery to this handler at once. The server is told ({@code unsub}) when no other handler of this
     * client holds the same pattern. Idempotent.
     */
    CompletableFuture<Void> unsubscribe();
}
