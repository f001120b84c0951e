package dev.ferry.client;

import dev.ferry.protocol.CancelMode;
import java.util.concurrent.CompletionStage;

/**
 * One call to a procedure registered with a {@link ProgressiveProcedureHandler}: the handler sends progressive
 * results through it, and learns through it that the caller canceled the call (docs/protocol.md §4, "progress and
 * cancel"). Thread-safe.
 */
public interface Invocation {
    /** Whether the caller takes progressive results; {@link #progress} sends nothing when it does not. */
    boolean receivesProgress();

    /**
     * Sends a progressive result (a {@link com.fasterxml.jackson.databind.JsonNode}, a {@code byte[]}, {@code null}
     * or any value Jackson can serialize) ahead of the handler's result, when the caller takes them.
     */
    void progress(Object data);

    /**
     * Completes with the mode when the server interrupts the invocation: the caller canceled it ({@code kill}:
     * the caller still waits for the handler's answer, which should be an error; {@code killnowait}: nobody waits
     * for it any more), it timed out, or the caller left. Never completes when none of these happens.
     */
    CompletionStage<CancelMode> interrupted();
}
