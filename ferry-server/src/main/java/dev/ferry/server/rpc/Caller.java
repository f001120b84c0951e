package dev.ferry.server.rpc;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Payload;
import io.netty.util.concurrent.EventExecutor;

/**
 * Whoever waits for a call's outcome: a WebSocket session or an HTTP request. A call made with progressive results
 * gets {@link #callProgress} any number of times, then exactly one of {@link #callSucceeded} and
 * {@link #callFailed}; a call without them gets only the outcome.
 */
public interface Caller {
    /** The event loop on which the outcome is delivered (and the timeout runs). */
    EventExecutor executor();

    void callSucceeded(long requestId, Payload result);

    /** {@code data} may be null. */
    void callFailed(long requestId, ErrorCode code, String message, Payload data);

    /**
     * Who makes the call, as a backend serving the procedure over HTTP is told (docs/hooks.md, "RPC served by
     * HTTP"); the default is an anonymous caller of no transport.
     */
    default CallOrigin origin() {
        return CallOrigin.UNKNOWN;
    }

    /** A progressive result of a call made with them; the default drops it. */
    default void callProgress(long requestId, Payload data) {
    }
}
