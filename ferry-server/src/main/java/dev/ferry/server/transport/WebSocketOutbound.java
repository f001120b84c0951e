package dev.ferry.server.transport;

import dev.ferry.protocol.CloseCodes;
import dev.ferry.protocol.Frame;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * A WebSocket connection's outbound side: an ordered queue bounded in bytes in front of the channel.
 *
 * <p>Frames are written straight to the channel while it is writable (Netty's own buffer is capped by the
 * channel's write-buffer high water mark); past that they wait here and are written as the channel becomes
 * writable again. Flushes are batched: one flush per connection per run of the event loop however many frames
 * were written, and one task per loop for all its connections ({@link FlushBatch}).
 *
 * <p>Policy when full: when the bytes waiting here would exceed {@code limitBytes}, the connection is a slow
 * consumer: everything waiting is dropped, the connection is closed with 4001 ("slow consumer"), and it is
 * counted. Publishers and other subscribers are never blocked or slowed. Publications of lossy topics
 * ({@code history.lossy-topics}) are the exception: when they do not fit they are dropped and counted, and the
 * connection stays open.
 *
 * <p>Event loop only: every method must be called on the channel's event loop.
 */
public final class WebSocketOutbound implements Outbound {
    /** How long a close frame may take to reach a peer that does not read before the socket is closed anyway. */
    private static final long CLOSE_GRACE_MS = 3000;

    private final ChannelHandlerContext ctx;
    /** This connection's flush, coalesced with its loop's others. */
    private final ChannelFlush flush;
    private final OutboundQueues queues;
    private final long limitBytes;
    /** permessage-deflate, when the connection negotiated it; else null (also while {@link #held}). */
    private PerMessageDeflate deflate;

    // ---- event loop only
    /**
     * {@link WebSocketFrame}s, publications already framed ({@link ByteBuf}s, see {@link #sendFramed}), and text
     * publications gathered into {@link LfBatch}es while they wait; null until a frame first has to wait (most
     * connections never fill the channel's buffer).
     */
    private ArrayDeque<Object> queue;
    /** What to run once a frame has been written to the socket, for the few frames that need it; null until then. */
    private java.util.IdentityHashMap<Object, Runnable> onWritten;
    private long queuedBytes;
    private boolean closing;
    /**
     * The channel has closed ({@link #channelClosed}): nothing will drain the queue any more. It can close while a
     * frame is being sent: {@link #writableNow} flushes, and a write that fails (a peer gone, "Broken pipe") closes
     * the channel and runs the close-future listeners there and then.
     */
    private boolean closed;
    /**
     * Text publications framed for this loop ({@link #sendFramed}) that came while nothing waited, held until the
     * flush and written as one message; written out sooner when {@link LfBatch#full() full}. Null until a
     * connection is first sent a publication.
     */
    private LfBatch batch;
    /**
     * The WebSocket handshake has not completed yet: the 101 response is still ahead of any frame, so everything
     * sent waits in the queue (bounded as always) until {@link #open}.
     */
    private boolean held;

    public WebSocketOutbound(ChannelHandlerContext ctx, OutboundQueues queues, long limitBytes) {
        this(ctx, queues, limitBytes, null, false);
    }

    /** {@code deflate}: the connection negotiated permessage-deflate (null: it did not). */
    public WebSocketOutbound(ChannelHandlerContext ctx, OutboundQueues queues, long limitBytes, PerMessageDeflate deflate) {
        this(ctx, queues, limitBytes, deflate, false);
    }

    /**
     * A queue whose handshake is still to complete: frames wait until {@link #open} (an endpoint subscribes before
     * the 101 is written, so that no publication sent once the client sees the socket open is missed).
     */
    public static WebSocketOutbound held(ChannelHandlerContext ctx, OutboundQueues queues, long limitBytes) {
        return new WebSocketOutbound(ctx, queues, limitBytes, null, true);
    }

    private WebSocketOutbound(ChannelHandlerContext ctx, OutboundQueues queues, long limitBytes, PerMessageDeflate deflate,
                              boolean held) {
        this.deflate = deflate;
        this.ctx = ctx;
        this.flush = new ChannelFlush(ctx, queues, this::writeBatch);
        this.queues = queues;
        this.limitBytes = limitBytes;
        this.held = held;
    }

    /**
     * The handshake completed, negotiating permessage-deflate ({@code deflate}) or not (null): what waited is
     * written (uncompressed, as the handshake was not known when it was queued), and frames go out from now on.
     */
    public void open(PerMessageDeflate deflate) {
        assert ctx.executor().inEventLoop();
        if (held) {
            this.deflate = deflate;
            held = false;
            drain();
        }
    }

    @Override
    public EventExecutor executor() {
        return ctx.executor();
    }

    /** Encodes and frames {@code frame} straight into a buffer of the channel's, written past the frame encoder. */
    @Override
    public void send(Frame frame) {
        assert ctx.executor().inEventLoop();
        if (closing) {
            return;
        }
        writeBatch();
        ByteBuf framed = ThreadBuffers.framed(frame, ctx.alloc());
        enqueue(deflate == null ? framed : deflate.deflateFramed(framed));
    }

    /** The publication compressed once for the loop's connections that negotiated permessage-deflate. */
    @Override
    public ByteBuf deflated(SharedEncodings d, Object plainKey, ByteBuf payload, boolean binary) {
        return deflate == null ? null : deflate.deflated(d, plainKey, payload, binary);
    }

    @Override
    public void send(ByteBuf encoded, boolean binary) {
        assert ctx.executor().inEventLoop();
        if (closing) {
            encoded.release();
            return;
        }
        writeBatch();
        enqueue(binary ? new BinaryWebSocketFrame(encoded) : new TextWebSocketFrame(encoded));
    }

    @Override
    public void send(ByteBuf encoded, boolean binary, Runnable written) {
        assert ctx.executor().inEventLoop();
        if (closing) {
            encoded.release();
            return;
        }
        writeBatch();
        WebSocketFrame frame = binary ? new BinaryWebSocketFrame(encoded) : new TextWebSocketFrame(encoded);
        onWritten().put(frame, written);
        enqueue(frame);
    }

    @Override
    public boolean framesWebSocket() {
        return true;
    }

    /**
     * Queues a publication framed once for all the connections of this loop ({@link WebSocketFraming}); it is
     * written past the frame encoder, batched with others or, alone, as a view of {@code framed}, whose indices
     * are never moved (the connections of the loop share it). Takes ownership of one reference to it.
     */
    @Override
    public void sendFramed(ByteBuf framed, int payloadBytes, Runnable written) {
        assert ctx.executor().inEventLoop();
        if (closing) {
            framed.release();
            return;
        }
        if (written == null && framed.getByte(framed.readerIndex()) == TEXT_FIN) {
            if (writableNow()) {
                batch(framed, payloadBytes);
            } else if (closed) {
                framed.release(); // the flush for room closed the channel
            } else {
                holdBatched(framed, payloadBytes);
            }
            return;
        }
        writeBatch();
        ByteBuf view = framed.duplicate(); // shares framed's reference count: writing it releases our reference
        if (written != null) {
            onWritten().put(view, written);
        }
        enqueue(view);
    }

    /**
     * Queues a message framed once for all the connections of this loop ({@link WebSocketFraming}) that must go out
     * as a message of its own: never joined to others as {@link #sendFramed} joins text publications (a protocol
     * whose messages are not LF-delimited, such as WAMP). Written past the frame encoder as a view of
     * {@code framed}, whose indices are never moved. Takes ownership of one reference to it.
     */
    public void sendFramedMessage(ByteBuf framed) {
        assert ctx.executor().inEventLoop();
        if (closing) {
            framed.release();
            return;
        }
        writeBatch();
        enqueue(framed.duplicate()); // shares framed's reference count: writing it releases our reference
    }

    /**
     * {@code framed}, a message framed once for the loop's connections, compressed once for those of them that
     * negotiated permessage-deflate ({@link PerMessageDeflate#deflatedFrame}); null when this connection did not,
     * or when the message is below the threshold: {@code framed} then goes as it is.
     */
    public ByteBuf deflatedFrame(SharedEncodings d, Object deflatedKey, ByteBuf framed) {
        return deflate == null ? null : deflate.deflatedFrame(d, deflatedKey, framed);
    }

    /** First byte of an unfragmented text frame (FIN, opcode 1), as {@link WebSocketFraming} writes it. */
    private static final byte TEXT_FIN = (byte) 0x81;

    private void batch(ByteBuf framed, int payloadBytes) {
        if (batch == null) {
            batch = new LfBatch();
        }
        batch.add(framed, payloadBytes);
        if (batch.full()) {
            writeBatch();
        }
        scheduleFlush();
    }

    /** Writes the publications batched so far, ahead of whatever comes next, as one message. */
    private void writeBatch() {
        if (batch != null && !batch.isEmpty()) {
            ctx.write(batch.take(), ctx.voidPromise());
        }
    }

    /**
     * A text publication that has to wait behind others: it joins the batch at the queue's tail, or starts one.
     * The further a connection falls behind, the larger the messages it is sent, the fewer writes and reads it
     * costs both sides, and the sooner it catches up.
     */
    private void holdBatched(ByteBuf framed, int payloadBytes) {
        writeBatch();
        Object tail = queue == null ? null : queue.peekLast();
        LfBatch held;
        if (tail instanceof LfBatch b && !b.full()) {
            held = b;
        } else {
            held = new LfBatch();
            hold(held);
        }
        int n = framed.readableBytes();
        held.add(framed, payloadBytes);
        queuedBytes += n;
        queues.queued(n);
        if (queuedBytes > limitBytes) {
            slowConsumer();
        }
    }

    @Override
    public void sendDroppable(ByteBuf encoded, boolean binary) {
        assert ctx.executor().inEventLoop();
        writeBatch();
        if (closing || (!(!held && nothingWaits() && ctx.channel().isWritable())
                && queuedBytes + encoded.readableBytes() > limitBytes)) {
            encoded.release();
            if (!closing) {
                queues.lossyDropped();
            }
            return;
        }
        send(encoded, binary);
    }

    private static int bytes(Object frame) {
        if (frame instanceof ByteBuf b) {
            return b.readableBytes();
        }
        return frame instanceof LfBatch b ? b.framedBytes() : ((WebSocketFrame) frame).content().readableBytes();
    }

    private boolean nothingWaits() {
        return queue == null || queue.isEmpty();
    }

    private java.util.IdentityHashMap<Object, Runnable> onWritten() {
        if (onWritten == null) {
            onWritten = new java.util.IdentityHashMap<>(4);
        }
        return onWritten;
    }

    /** Puts a frame in the queue and counts its bytes (here and server-wide). */
    private void hold(Object frame) {
        if (queue == null) {
            queue = new ArrayDeque<>(4);
        }
        queue.add(frame);
        int n = bytes(frame);
        queuedBytes += n;
        queues.queued(n);
    }

    /**
     * Whether a frame may go straight to the channel: nothing waits here and the channel takes more. A channel whose
     * buffer is full of frames not yet flushed (a replay) is given them first.
     */
    private boolean writableNow() {
        if (held) {
            return false;
        }
        if (nothingWaits() && !ctx.channel().isWritable()) {
            ctx.flush();
        }
        return nothingWaits() && ctx.channel().isWritable();
    }

    private void enqueue(Object frame) {
        if (writableNow()) {
            write(frame);
            scheduleFlush();
            return;
        }
        if (closed) { // the flush for room closed the channel
            if (onWritten != null) {
                onWritten.remove(frame);
            }
            io.netty.util.ReferenceCountUtil.release(frame);
            return;
        }
        hold(frame);
        if (queuedBytes > limitBytes && !(frame instanceof CloseWebSocketFrame)) {
            slowConsumer();
        }
    }

    /** Writes what waits while the channel stays writable; called when writability returns. */
    public void drain() {
        while (!held && !nothingWaits() && ctx.channel().isWritable()) {
            Object f = queue.poll();
            int n = bytes(f);
            queuedBytes -= n;
            queues.queued(-n);
            write(f instanceof LfBatch b ? b.take() : f);
        }
        if (queue != null && queue.isEmpty()) {
            queue = null; // a connection that caught up holds no queue while idle
        }
        scheduleFlush();
    }

    private void write(Object f) {
        if (f instanceof CloseWebSocketFrame) {
            ctx.writeAndFlush(f).addListener(LingeringClose.on(queues.clock()));
        } else {
            Runnable written = onWritten == null || onWritten.isEmpty() ? null : onWritten.remove(f);
            if (written == null) {
                ctx.write(f, ctx.voidPromise());
            } else {
                ctx.write(f).addListener(done -> {
                    if (done.isSuccess()) {
                        written.run();
                    }
                });
            }
        }
    }

    private void scheduleFlush() {
        flush.schedule();
    }

    /** Pings the peer now, ahead of whatever waits in the queue (a liveness check, not a message). */
    public void ping() {
        if (held) {
            return;
        }
        ctx.writeAndFlush(new io.netty.handler.codec.http.websocketx.PingWebSocketFrame());
    }

    @Override
    public void close(int code, String reason) {
        if (closing) {
            return;
        }
        writeBatch();
        closing = true;
        CloseWebSocketFrame close = new CloseWebSocketFrame(code, reason);
        if (writableNow()) {
            write(close);
        } else {
            hold(close);
        }
        queues.clock().schedule(ctx.executor(), ctx::close,
                CLOSE_GRACE_MS + queues.shutdownGraceMillis(), TimeUnit.MILLISECONDS);
    }

    private void slowConsumer() {
        closing = true;
        releaseQueue();
        queues.slowConsumerClosed();
        if (held) {
            ctx.close(); // no WebSocket yet to send a close frame on
            return;
        }
        ctx.writeAndFlush(new CloseWebSocketFrame(CloseCodes.SLOW_CONSUMER, "slow consumer"))
                .addListener(LingeringClose.on(queues.clock()));
        queues.clock().schedule(ctx.executor(), ctx::close, CLOSE_GRACE_MS, TimeUnit.MILLISECONDS);
    }

    /**
     * The channel has closed: releases whatever is still queued, and whatever is sent from now on (a delivery
     * already on its way to this loop) is released at once instead of waiting in a queue nobody drains.
     */
    public void channelClosed() {
        closing = true;
        closed = true;
        releaseQueue();
    }

    /** Releases whatever is still queued or batched. */
    private void releaseQueue() {
        if (batch != null) {
            batch.release();
        }
        Object f;
        while (queue != null && (f = queue.poll()) != null) {
            if (f instanceof LfBatch b) {
                b.release();
            } else {
                io.netty.util.ReferenceCountUtil.release(f);
            }
        }
        queue = null;
        onWritten = null;
        queues.queued(-queuedBytes);
        queuedBytes = 0;
    }

    /** Bytes waiting in this queue (not yet handed to the channel). */
    @Override
    public long queuedBytes() {
        return queuedBytes;
    }
}
