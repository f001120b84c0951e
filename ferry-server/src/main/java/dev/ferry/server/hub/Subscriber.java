package dev.ferry.server.hub;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.EventExecutor;

/**
 * A receiver of publications: one per connection, whatever the number of its patterns. In the server this is the
 * connection core's {@code Connection}, for every transport; every method is called on {@link #executor()}.
 */
public interface Subscriber {
    /** The event loop on which the other methods are called. */
    EventExecutor executor();

    /**
     * Delivers one publication, live or replayed, as a {@link Delivery}: shared by the subscribers of this event
     * loop and valid during this call only, so a subscriber retains what it keeps. One of a lossy topic
     * ({@link Delivery#lossy()}) may be dropped by a subscriber that is behind.
     */
    void deliver(Delivery d);

    /**
     * As {@link #deliver(Delivery)} for a publication of a paged recovery, and runs {@code written} on
     * {@link #executor()} once it has been written to the connection (never when it is dropped): the hub reads the
     * next page then. The default runs it once the publication is handed over.
     */
    default void deliver(Delivery d, Runnable written) {
        deliver(d);
        executor().execute(written);
    }

    /** Writes one frame that is not a publication (a presence push); the subscriber owns {@code frame}. */
    void write(ByteBuf frame, boolean binary);

    /**
     * A recovery of this subscriber could not be completed (history moved on while it was paged, or live
     * publications outran it): the subscriber should make its client recover again from where it is. The default
     * treats it as {@link #interrupted()}.
     */
    default void fellBehind() {
        interrupted();
    }

    /**
     * Publications of this subscriber's topics may have been missed (the engine lost its way to the backend):
     * the subscriber should make its client recover.
     */
    default void interrupted() {
    }
}
