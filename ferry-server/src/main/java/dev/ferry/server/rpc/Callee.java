package dev.ferry.server.rpc;

import io.netty.util.concurrent.EventExecutor;

/** A connection that has registered procedures. */
public interface Callee {
    /** The event loop on which {@link #invoke} is called. */
    EventExecutor executor();

    /**
     * Sends an invocation to this callee. Called on {@link #executor()}. A callee that has already gone must
     * answer {@link Rpc#calleeGone} for the id at once.
     */
    void invoke(long invocationId, String proc, dev.ferry.protocol.Payload args);
}
