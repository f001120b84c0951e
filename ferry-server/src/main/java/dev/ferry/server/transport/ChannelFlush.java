package dev.ferry.server.transport;

import io.netty.channel.ChannelHandlerContext;

/**
 * The flush of one connection's outbound queue, coalesced with the other connections of its event loop through
 * the loop's {@link FlushBatch}: {@link #schedule()} asks for at most one pending flush, which first runs the
 * queue's {@code beforeFlush} (to write what it batched) and then flushes the channel. Shared by
 * {@link WebSocketOutbound} and {@link EventStreamQueue}.
 *
 * <p>Event loop only.
 */
final class ChannelFlush implements Runnable {
    private final ChannelHandlerContext ctx;
    private final OutboundQueues queues;
    /** What the queue writes just before the flush; null: nothing. */
    private final Runnable beforeFlush;

    // ---- event loop only
    private boolean scheduled;

    ChannelFlush(ChannelHandlerContext ctx, OutboundQueues queues, Runnable beforeFlush) {
        this.ctx = ctx;
        this.queues = queues;
        this.beforeFlush = beforeFlush;
    }

    /** Flushes once the loop is done with its current work, unless a flush is already pending. */
    void schedule() {
        if (!scheduled) {
            scheduled = true;
            queues.flushBatch().add(ctx.executor(), this);
        }
    }

    @Override
    public void run() {
        scheduled = false;
        if (beforeFlush != null) {
            beforeFlush.run();
        }
        ctx.flush();
    }
}
