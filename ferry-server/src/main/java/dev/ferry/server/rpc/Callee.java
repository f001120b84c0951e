package dev.ferry.server.rpc;

import dev.ferry.protocol.CancelMode;
import io.netty.util.concurrent.EventExecutor;

/**
 * A connection that has registered procedures. For each invocation it gets {@link #invoke} once and then at most
 * one {@link #interrupt}, and answers it with {@link Rpc#progress} (when the invocation takes progressive results)
 * any number of times, then {@link Rpc#reply} once.
 */
public interface Callee {
    /** The event loop on which {@link #invoke} and {@link #interrupt} are called. */
    EventExecutor executor();

    /**
     * Sends an invocation to this callee. Called on {@link #executor()}. A callee that has already gone must
     * answer {@link Rpc#calleeGone} for its id at once.
     */
    void invoke(Invocation invocation);

    /**
     * The invocation's caller canceled it in {@code mode}, or it timed out ({@code reason} {@code "timeout"}, mode
     * {@link CancelMode#KILLNOWAIT}). With {@link CancelMode#KILL} the caller still waits for this callee's reply;
     * otherwise any reply is dropped, and the callee forgets the invocation. With {@link CancelMode#SKIP} its client
     * is not told. Called on {@link #executor()}.
     */
    void interrupt(long invocationId, CancelMode mode, String reason);
}
