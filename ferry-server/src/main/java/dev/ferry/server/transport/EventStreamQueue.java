package dev.ferry.server.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * The outbound side of a {@code text/event-stream} response: encoded events queued in order, bounded in bytes,
 * in front of the channel; the same policies as {@link WebSocketOutbound}.
 *
 * <p>Events are written straight to the channel while it is writable and wait here otherwise; flushes are batched
 * per event loop ({@link FlushBatch}). Policy when full: when the bytes waiting here would exceed
 * {@code limitBytes} the stream is a slow consumer: what waits is dropped, the response is ended and the
 * connection closed, and it is counted; the client reconnects and resumes with {@code Last-Event-ID}. Events of
 * lossy topics that do not fit are dropped (and counted) instead.
 *
 * <p>Event loop only: every method must be called on the channel's event loop.
 */
public final class EventStreamQueue {
    /** How long the end of a stream may take to reach a peer that does not read before the socket is closed. */
    private static final long END_GRACE_MS = 3000;

    private final ChannelHandlerContext ctx;
    /** This connection's flush, coalesced with its loop's others. */
    private final ChannelFlush flush;
    private final OutboundQueues queues;
    private final long limitBytes;

    // ---- event loop only
    private final ArrayDeque<ByteBuf> queue = new ArrayDeque<>();
    private long queuedBytes;
    private boolean ended;

    public EventStreamQueue(ChannelHandlerContext ctx, OutboundQueues queues, long limitBytes) {
        this.ctx = ctx;
        this.flush = new ChannelFlush(ctx, queues, null);
        this.queues = queues;
        this.limitBytes = limitBytes;
    }

    /** Queues one encoded event; takes ownership of it. */
    public void send(ByteBuf event) {
        assert ctx.executor().inEventLoop();
        if (ended) {
            event.release();
            return;
        }
        if (queue.isEmpty() && ctx.channel().isWritable()) {
            ctx.write(new DefaultHttpContent(event), ctx.voidPromise());
            scheduleFlush();
            return;
        }
        queue.add(event);
        queuedBytes += event.readableBytes();
        if (queuedBytes > limitBytes) {
            slowConsumer();
        }
    }

    /** Queues an event of a lossy topic, or drops it (counted) when the queue is full. Takes ownership. */
    public void sendDroppable(ByteBuf event) {
        assert ctx.executor().inEventLoop();
        if (!ended && !(queue.isEmpty() && ctx.channel().isWritable()) && queuedBytes + event.readableBytes() > limitBytes) {
            event.release();
            queues.lossyDropped();
            return;
        }
        send(event);
    }

    /** Writes what waits while the channel stays writable; called when writability returns. */
    public void drain() {
        while (!queue.isEmpty() && ctx.channel().isWritable()) {
            ByteBuf e = queue.poll();
            queuedBytes -= e.readableBytes();
            ctx.write(new DefaultHttpContent(e), ctx.voidPromise());
        }
        scheduleFlush();
    }

    /** Whether nothing waits here (a heartbeat is only needed when the stream is otherwise idle). */
    public boolean isEmpty() {
        return queue.isEmpty();
    }

    /** Ends the response now (what still waits here is dropped) and closes the connection. */
    public void end() {
        if (ended) {
            return;
        }
        releaseQueue();
        closeBehind();
    }

    /** Writes the last chunk, closes once it is written, or after a grace when the peer does not read. */
    private void closeBehind() {
        ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
        queues.clock().schedule(ctx.executor(), ctx::close, END_GRACE_MS, TimeUnit.MILLISECONDS);
    }

    /**
     * Ends the response with {@code last} (a final event; what still waits here is dropped: the client resumes
     * with {@code Last-Event-ID}) and closes the connection. Takes ownership of {@code last}.
     */
    public void end(ByteBuf last) {
        if (ended) {
            last.release();
            return;
        }
        releaseQueue();
        ctx.write(new DefaultHttpContent(last), ctx.voidPromise());
        closeBehind();
    }

    private void slowConsumer() {
        queues.slowConsumerClosed();
        end();
    }

    private void scheduleFlush() {
        flush.schedule();
    }

    /**
     * Releases whatever is still queued; called when the channel closes. What is sent from then on (an event
     * already on its way to this loop) is released at once.
     */
    public void releaseQueue() {
        ended = true;
        ByteBuf e;
        while ((e = queue.poll()) != null) {
            e.release();
        }
        queuedBytes = 0;
    }

    public long queuedBytes() {
        return queuedBytes;
    }
}
