package dev.ferry.client;

import java.util.concurrent.CompletableFuture;

/** A registered procedure. It stays registered across reconnects until {@link #unregister()}. */
public interface Registration {
    String procedure();

    /** Stops answering calls to the procedure and tells the server ({@code unregister}). Idempotent. */
    CompletableFuture<Void> unregister();
}
