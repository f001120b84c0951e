package dev.ferry.server.transport;

import io.netty.util.concurrent.EventExecutor;

/** A connection that says goodbye by itself when the server drains (a ferry.v1 session sends {@code goaway}). */
public interface Drainable {
    /** The event loop {@link #goAway()} runs on. */
    EventExecutor executor();

    /** Tells the client the server is going away and closes once the queued frames are written; idempotent. */
    void goAway();
}
