package dev.ferry.server.rpc;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Payload;
import io.netty.util.concurrent.EventExecutor;

/** Whoever waits for a call's outcome: a WebSocket session or an HTTP request. Exactly one method is called. */
public interface Caller {
    /** The event loop on which the outcome is delivered (and the timeout runs). */
    EventExecutor executor();

    void callSucceeded(long requestId, Payload result);

    /** {@code data} may be null. */
    void callFailed(long requestId, ErrorCode code, String message, Payload data);
}
