package dev.ferry.server.hub;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.EventExecutor;

/** A receiver of publications: one per connection, whatever the number of its patterns. */
public interface Subscriber {
    /** The event loop on which {@link #deliver} is called. */
    EventExecutor executor();

    /**
     * Delivers one encoded {@code msg} frame. Called on {@link #executor()}. The subscriber owns {@code frame}
     * (a retained duplicate of a buffer shared with other subscribers) and must release it or pass it on.
     */
    void deliver(ByteBuf frame, boolean binary);

    /**
     * As {@link #deliver(ByteBuf, boolean)}, for a publication on a lossy topic when {@code lossy}: a subscriber
     * that is behind may drop it rather than queue it.
     */
    default void deliver(ByteBuf frame, boolean binary, boolean lossy) {
        deliver(frame, binary);
    }

    /**
     * As {@link #deliver(ByteBuf, boolean, boolean)}, with the publication {@code frame} encodes: a subscriber
     * that remembers positions (durable subscriptions) reads its topic and offset here.
     */
    default void deliver(dev.ferry.protocol.Frame.Msg msg, ByteBuf frame, boolean binary, boolean lossy) {
        deliver(frame, binary, lossy);
    }

    /**
     * Delivers a live publication shared by the subscribers of this event loop (see {@link Delivery}): a
     * subscriber retains what it keeps. The default keeps a duplicate of the encoded frame.
     */
    default void deliver(Delivery d) {
        deliver(d.msg(), d.payload().retainedDuplicate(), d.binary(), d.lossy());
    }

    /**
     * As {@link #deliver(dev.ferry.protocol.Frame.Msg, ByteBuf, boolean, boolean)} for a publication of a paged
     * recovery, and runs {@code written} on {@link #executor()} once the frame has been written to the connection
     * (never when it is dropped): the hub reads the next page then. The default runs it once the frame is queued.
     */
    default void deliver(dev.ferry.protocol.Frame.Msg msg, ByteBuf frame, boolean binary, Runnable written) {
        deliver(msg, frame, binary, false);
        executor().execute(written);
    }

    /**
     * A recovery of this subscriber could not be completed (history moved on while it was paged, or live
     * publications outran it): the subscriber should make its client recover again from where it is. Called on
     * {@link #executor()}; the default treats it as {@link #interrupted()}.
     */
    default void fellBehind() {
        interrupted();
    }

    /**
     * Publications of this subscriber's topics may have been missed (the engine lost its way to the backend):
     * the subscriber should make its client recover. Called on {@link #executor()}.
     */
    default void interrupted() {
    }
}
