package dev.ferry.bench.peers;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler.ClientHandshakeStateEvent;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The application handler of one peer connection: drives a {@link PeerSession} and reports what it sees to a
 * {@link Listener}. {@link #whenReady()} completes when the peer acknowledged the connection, {@link #subscribed()}
 * when it acknowledged the subscription (with a topic), and both fail if the connection errs or closes first.
 * Sends the codec's client heartbeat while open.
 */
public final class PeerHandler extends ChannelInboundHandlerAdapter implements PeerSink {
    /** What the run wants to know; called on the connection's event loop. */
    public interface Listener {
        void delivery(PeerHandler connection, long intendedNanos, long nowNanos);

        void error(PeerHandler connection, String what);

        /** The connection closed after it was ready; {@code code} is the close frame's code, 0 without one. */
        void closed(PeerHandler connection, int code);
    }

    private final PeerCodec codec;
    private final PeerSession session;
    private final String topic;
    private final Listener listener;
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final CompletableFuture<Void> subscribed = new CompletableFuture<>();

    // ---- event loop only
    private ChannelHandlerContext ctx;
    private long now;
    private boolean reading;
    private boolean wrote;
    private int closeCode;
    private ScheduledFuture<?> heartbeats;

    /** A connection speaking {@code codec}, subscribing to {@code topic} (peer spelling) unless it is null. */
    public PeerHandler(PeerCodec codec, String topic, Listener listener) {
        this.codec = codec;
        this.session = codec.session();
        this.topic = topic;
        this.listener = listener;
    }

    /** Completes when the peer acknowledged the connection. */
    public CompletableFuture<Void> whenReady() {
        return ready;
    }

    /** Completes when the peer acknowledged the subscription. */
    public CompletableFuture<Void> whenSubscribed() {
        return subscribed;
    }

    public PeerSession session() {
        return session;
    }

    /** Writes and flushes {@code frame} from the event loop. */
    public void sendNow(WebSocketFrame frame) {
        assert ctx.executor().inEventLoop();
        ctx.writeAndFlush(frame, ctx.voidPromise());
    }

    public io.netty.channel.Channel channel() {
        return ctx.channel();
    }

    public ByteBufAllocator alloc() {
        return ctx.alloc();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
            session.open(ctx.alloc(), topic, this);
            ctx.flush();
            long every = codec.heartbeatMillis();
            if (every > 0) {
                heartbeats = ctx.executor().scheduleAtFixedRate(() -> {
                    WebSocketFrame beat = session.heartbeat(ctx.alloc());
                    if (beat != null) {
                        ctx.writeAndFlush(beat, ctx.voidPromise());
                    }
                }, every, every, TimeUnit.MILLISECONDS);
            }
        } else if (evt == ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
            fail(new IOException("WebSocket handshake timed out"));
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        now = System.nanoTime();
        reading = true;
        try {
            if (msg instanceof CloseWebSocketFrame close) {
                closeCode = close.statusCode();
                ctx.writeAndFlush(new CloseWebSocketFrame(close.statusCode(), null)).addListener(ChannelFutureListener.CLOSE);
            } else if (msg instanceof PingWebSocketFrame || msg instanceof PongWebSocketFrame) {
                return; // pings are answered by the protocol handler
            } else if (msg instanceof WebSocketFrame frame) {
                session.read(frame, this);
            }
        } finally {
            reading = false;
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        if (wrote) {
            wrote = false;
            ctx.flush();
        }
        super.channelReadComplete(ctx);
    }

    @Override
    public void send(WebSocketFrame frame) {
        if (reading) {
            ctx.write(frame, ctx.voidPromise());
            wrote = true;
        } else {
            ctx.writeAndFlush(frame, ctx.voidPromise());
        }
    }

    @Override
    public void ready() {
        ready.complete(null);
    }

    @Override
    public void subscribed() {
        subscribed.complete(null);
    }

    @Override
    public void delivery(long intendedNanos) {
        listener.delivery(this, intendedNanos, now);
    }

    @Override
    public void error(String what) {
        listener.error(this, what);
        fail(new IOException("peer error: " + what));
    }

    private void fail(Throwable cause) {
        ready.completeExceptionally(cause);
        subscribed.completeExceptionally(cause);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (heartbeats != null) {
            heartbeats.cancel(false);
        }
        session.close();
        boolean wasReady = ready.isDone() && !ready.isCompletedExceptionally();
        fail(new IOException("connection closed" + (closeCode != 0 ? " (close code " + closeCode + ")" : "")));
        if (wasReady) {
            listener.closed(this, closeCode);
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(cause);
        ctx.close();
    }
}
