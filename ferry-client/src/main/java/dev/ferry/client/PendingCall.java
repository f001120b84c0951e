package dev.ferry.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.protocol.CancelMode;
import java.util.concurrent.CompletableFuture;

/**
 * A call made with {@link FerryClient#call(String, Object, java.time.Duration, java.util.function.Consumer)}: its
 * result to come, and the means to cancel it.
 */
public interface PendingCall {
    /**
     * The callee's result, or a {@link FerryException} ({@code canceled} after {@link #cancel}, or any failure of
     * {@link FerryClient#call(String, Object, java.time.Duration)}).
     */
    CompletableFuture<JsonNode> result();

    /**
     * Asks the server to cancel the call in {@code mode} ({@code skip}, {@code kill} or {@code killnowait}; see
     * {@link CancelMode}). Does nothing once the call has its outcome. The outcome still arrives through
     * {@link #result()}: {@code canceled}, or with {@code kill} the callee's answer.
     */
    void cancel(CancelMode mode);
}
