package dev.ferry.server.transport;

import dev.ferry.protocol.CloseCodes;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.FrameCodec;
import dev.ferry.server.session.Outbound;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
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
    private final ServerContext server;
    private final long limitBytes;
    private final Runnable flushTask = this::flushNow;

    // ---- event loop only
    /**
     * {@link WebSocketFrame}s, and publications already framed ({@link ByteBuf}s, see {@link #sendFramed}); null
     * until a frame first has to wait (most connections never fill the channel's buffer).
     */
    private ArrayDeque<Object> queue;
    /** What to run once a frame has been written to the socket, for the few frames that need it; null until then. */
    private java.util.IdentityHashMap<Object, Runnable> onWritten;
    private long queuedBytes;
    private boolean flushScheduled;
    private boolean closing;
    /**
     * Text publications framed for this loop ({@link #sendFramed}) that came while nothing waited, held until the
     * flush: one is written as it is, several as one LF-batched text message (docs/protocol.md §2) built from
     * their payloads. Null until a connection first has two publications to batch.
     */
    private java.util.ArrayList<ByteBuf> batch;
    /** The first (often the only) publication of the current batch. */
    private ByteBuf batchFirst;
    private int batchPayloadBytes;

    /** A batch is written out once it holds this many publications or payload bytes, flush or not. */
    static final int MAX_BATCH_FRAMES = 64;
    static final int MAX_BATCH_BYTES = 64 * 1024;

    public WebSocketOutbound(ChannelHandlerContext ctx, ServerContext server, long limitBytes) {
        this.ctx = ctx;
        this.server = server;
        this.limitBytes = limitBytes;
    }

    @Override
    public EventExecutor executor() {
        return ctx.executor();
    }

    @Override
    public void send(Frame frame) {
        send(Unpooled.wrappedBuffer(FrameCodec.encode(frame)), FrameCodec.isBinary(frame));
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
     * written as it is, past the frame encoder. Takes ownership of {@code framed}.
     */
    @Override
    public void sendFramed(ByteBuf framed, int payloadBytes, Runnable written) {
        assert ctx.executor().inEventLoop();
        if (closing) {
            framed.release();
            return;
        }
        if (written == null && nothingWaits() && ctx.channel().isWritable() && framed.getByte(framed.readerIndex()) == TEXT_FIN) {
            batch(framed, payloadBytes);
            return;
        }
        writeBatch();
        if (written != null) {
            onWritten().put(framed, written);
        }
        enqueue(framed);
    }

    /** First byte of an unfragmented text frame (FIN, opcode 1), as {@link WebSocketFraming} writes it. */
    private static final byte TEXT_FIN = (byte) 0x81;

    private void batch(ByteBuf framed, int payloadBytes) {
        if (batchFirst == null) {
            batchFirst = framed;
        } else {
            if (batch == null) {
                batch = new java.util.ArrayList<>(8);
            }
            batch.add(framed);
        }
        batchPayloadBytes += payloadBytes;
        if (batchPayloadBytes >= MAX_BATCH_BYTES || (batch != null && batch.size() + 1 >= MAX_BATCH_FRAMES)) {
            writeBatch();
        }
        scheduleFlush();
    }

    /**
     * Writes the publications batched so far, ahead of whatever comes next: the only one as it was framed, or all
     * of them as one text message whose payload is theirs joined by LF (one header, one write, one message for the
     * client to read instead of many). The batch's frames are released.
     */
    private void writeBatch() {
        ByteBuf first = batchFirst;
        if (first == null) {
            return;
        }
        batchFirst = null;
        if (batch == null || batch.isEmpty()) {
            batchPayloadBytes = 0;
            ctx.write(first, ctx.voidPromise());
            return;
        }
        int frames = batch.size() + 1;
        int length = batchPayloadBytes + frames - 1;
        ByteBuf out = WebSocketFraming.header(ctx.alloc(), length, false);
        appendPayload(out, first);
        for (int i = 0; i < batch.size(); i++) {
            out.writeByte(dev.ferry.protocol.FrameCodec.LF);
            appendPayload(out, batch.get(i));
        }
        batch.clear();
        batchPayloadBytes = 0;
        ctx.write(out, ctx.voidPromise());
    }

    /** Copies a framed publication's payload (what follows its header) into {@code out}, and releases it. */
    private static void appendPayload(ByteBuf out, ByteBuf framed) {
        try {
            int header = WebSocketFraming.headerLength(framed);
            out.writeBytes(framed, framed.readerIndex() + header, framed.readableBytes() - header);
        } finally {
            framed.release();
        }
    }

    @Override
    public void sendDroppable(ByteBuf encoded, boolean binary) {
        assert ctx.executor().inEventLoop();
        writeBatch();
        if (closing || (!(nothingWaits() && ctx.channel().isWritable())
                && queuedBytes + encoded.readableBytes() > limitBytes)) {
            encoded.release();
            if (!closing) {
                server.lossyDropped();
            }
            return;
        }
        send(encoded, binary);
    }

    private static int bytes(Object frame) {
        return frame instanceof ByteBuf b ? b.readableBytes() : ((WebSocketFrame) frame).content().readableBytes();
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
        server.outboundQueued(n);
    }

    private void enqueue(Object frame) {
        if (nothingWaits() && !ctx.channel().isWritable()) {
            ctx.flush(); // the channel's buffer is full of frames not yet flushed (a replay): give them to the socket
        }
        if (nothingWaits() && ctx.channel().isWritable()) {
            write(frame);
            scheduleFlush();
            return;
        }
        hold(frame);
        if (queuedBytes > limitBytes && !(frame instanceof CloseWebSocketFrame)) {
            slowConsumer();
        }
    }

    /** Writes what waits while the channel stays writable; called when writability returns. */
    public void drain() {
        while (!nothingWaits() && ctx.channel().isWritable()) {
            Object f = queue.poll();
            int n = bytes(f);
            queuedBytes -= n;
            server.outboundQueued(-n);
            write(f);
        }
        if (queue != null && queue.isEmpty()) {
            queue = null; // a connection that caught up holds no queue while idle
        }
        scheduleFlush();
    }

    private void write(Object f) {
        if (f instanceof CloseWebSocketFrame) {
            ctx.writeAndFlush(f).addListener(LingeringClose.INSTANCE);
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
        if (!flushScheduled) {
            flushScheduled = true;
            server.flushBatch().add(ctx.executor(), flushTask);
        }
    }

    private void flushNow() {
        flushScheduled = false;
        writeBatch();
        ctx.flush();
    }

    /** Pings the peer now, ahead of whatever waits in the queue (a liveness check, not a message). */
    public void ping() {
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
        if (nothingWaits() && ctx.channel().isWritable()) {
            write(close);
        } else {
            hold(close);
        }
        ctx.executor().schedule(() -> {
            ctx.close();
        }, CLOSE_GRACE_MS + server.config().server().shutdownGrace().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void slowConsumer() {
        closing = true;
        releaseQueue();
        server.slowConsumerClosed();
        ctx.writeAndFlush(new CloseWebSocketFrame(CloseCodes.SLOW_CONSUMER, "slow consumer"))
                .addListener(LingeringClose.INSTANCE);
        ctx.executor().schedule(() -> {
            ctx.close();
        }, CLOSE_GRACE_MS, TimeUnit.MILLISECONDS);
    }

    /**
     * The channel has closed: releases whatever is still queued, and whatever is sent from now on (a delivery
     * already on its way to this loop) is released at once instead of waiting in a queue nobody drains.
     */
    public void channelClosed() {
        closing = true;
        releaseQueue();
    }

    /** Releases whatever is still queued or batched. */
    private void releaseQueue() {
        if (batchFirst != null) {
            batchFirst.release();
            batchFirst = null;
            if (batch != null) {
                batch.forEach(ByteBuf::release);
                batch.clear();
            }
            batchPayloadBytes = 0;
        }
        Object f;
        while (queue != null && (f = queue.poll()) != null) {
            io.netty.util.ReferenceCountUtil.release(f);
        }
        queue = null;
        onWritten = null;
        server.outboundQueued(-queuedBytes);
        queuedBytes = 0;
    }

    /** Bytes waiting in this queue (not yet handed to the channel). */
    public long queuedBytes() {
        return queuedBytes;
    }
}
