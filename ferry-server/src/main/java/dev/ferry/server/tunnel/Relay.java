package dev.ferry.server.tunnel;

import dev.ferry.server.time.ServerClock;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries a TCP byte stream in WebSocket binary messages, both ways, between a WebSocket channel (after its
 * handshake) and a stream channel: on the gateway the client's WebSocket and the upstream socket, in the tunnel
 * client the WebSocket to the gateway and the local socket. The bytes are never re-framed: each binary frame's
 * payload (fragments included) is written to the stream as it is, and each chunk read from the stream becomes one
 * binary message (several of at most {@link #MAX_MESSAGE} bytes for a larger read). Once the handshake completes, {@link TunnelFrameDecoder} takes the place of Netty's frame decoder,
 * so that the payload read from the WebSocket reaches the stream as slices of the buffers read, never copied.
 *
 * <p>Flow control (the proxy pattern): once started, both channels run with {@code autoRead} off (the stream
 * channel should have it off from the start, so that nothing is read before the WebSocket is open). After a batch read from one
 * side is written and flushed to the other, the next read is requested only if the other side is still writable;
 * otherwise it is requested when that side becomes writable again. So the relay holds at most about one read
 * batch plus the target's write-buffer high-water mark per direction, however slow either peer is.
 *
 * <p>Close: once started, when either channel closes, the other is closed once what was already written to it is
 * flushed; the WebSocket gets a close frame (1000) first. Before the start (while the WebSocket is being opened)
 * closing is the caller's business. Text frames are a protocol error: close 1003. Both channels must be
 * on the same event loop; every field is event-loop confined.
 *
 * <p>Lifecycle: construct, add {@link #webSocketHandler()} and {@link #streamHandler()} to the two pipelines;
 * relaying starts when the WebSocket handler sees the handshake complete (server or client side), or on
 * {@link #start()}.
 */
public final class Relay {
    private static final Logger log = LoggerFactory.getLogger(Relay.class);

    private final Channel webSocket;
    private final Channel stream;
    private final TunnelCounters counters;
    private final ServerClock clock;
    private final int maxFrameBytes;
    private final WebSocketSide webSocketSide = new WebSocketSide();
    private final StreamSide streamSide = new StreamSide();

    /** The largest binary message a relay sends: a larger read goes out as several, slices of the one buffer. */
    public static final int MAX_MESSAGE = 64 * 1024;

    /**
     * Reads on both channels: from 64 KiB, so that a bulk transfer does not start with reads of a few KiB, up to
     * 256 KiB, a quarter of the system calls of Netty's 64 KiB ceiling; down to 4 KiB on a quiet link.
     */
    private static final AdaptiveRecvByteBufAllocator READS = new AdaptiveRecvByteBufAllocator(4096, 64 * 1024, 256 * 1024);

    // ---- event loop only
    private boolean started;
    /** The WebSocket is the client's end (the tunnel client), whose masking encoder splits large messages itself. */
    private boolean clientEnd;
    /** A read from the WebSocket is owed once the stream becomes writable. */
    private boolean webSocketReadPaused;
    /** A read from the stream is owed once the WebSocket becomes writable. */
    private boolean streamReadPaused;
    private boolean closing;

    /**
     * Relays between {@code webSocket} and {@code stream}; the lingering close of the WebSocket is timed on
     * {@code clock}, and a frame longer than {@code maxFrameBytes} closes it with 1009.
     */
    public Relay(Channel webSocket, Channel stream, TunnelCounters counters, ServerClock clock, int maxFrameBytes) {
        if (webSocket.eventLoop() != stream.eventLoop()) {
            throw new IllegalArgumentException("both channels of a relay must be on one event loop");
        }
        this.webSocket = webSocket;
        this.stream = stream;
        this.counters = counters;
        this.clock = clock;
        this.maxFrameBytes = maxFrameBytes;
    }

    /** The handler for the WebSocket pipeline, after the WebSocket protocol handler and an idle-state handler. */
    public ChannelInboundHandlerAdapter webSocketHandler() {
        return webSocketSide;
    }

    /** The handler for the stream pipeline (last). */
    public ChannelInboundHandlerAdapter streamHandler() {
        return streamSide;
    }

    /** Starts relaying: one read on each side. Call on the event loop, once the WebSocket handshake is done. */
    public void start() {
        assert webSocket.eventLoop().inEventLoop();
        if (started) {
            return;
        }
        started = true;
        webSocket.closeFuture().addListener(f -> closeOnFlush(stream));
        stream.closeFuture().addListener(f -> closeWebSocket(WebSocketCloseStatus.NORMAL_CLOSURE.code(), "peer closed"));
        webSocket.config().setAutoRead(false);
        stream.config().setAutoRead(false);
        webSocket.config().setRecvByteBufAllocator(READS);
        stream.config().setRecvByteBufAllocator(READS);
        if (!webSocket.isActive() || !stream.isActive()) {
            webSocket.close();
            stream.close();
            return;
        }
        webSocket.read();
        stream.read();
    }

    /** Whether relaying has started; until then closing one channel does not close the other. */
    public boolean started() {
        return started;
    }

    /** Sends a close frame with {@code code} and closes the WebSocket, unless it is closing already. */
    public void closeWebSocket(int code, String reason) {
        if (closing) {
            return;
        }
        closing = true;
        if (webSocket.isActive() && started) {
            webSocket.writeAndFlush(new CloseWebSocketFrame(code, reason))
                    .addListener(dev.ferry.server.transport.LingeringClose.on(clock));
        } else {
            webSocket.close();
        }
    }

    /** Closes {@code ch} once what was written to it is flushed (at once if it is not connected yet). */
    static void closeOnFlush(Channel ch) {
        if (ch.isActive()) {
            ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        } else {
            ch.close();
        }
    }

    private ChannelFutureListener written(int n, boolean toWebSocket) {
        return f -> {
            counters.written(n, toWebSocket, f.isSuccess());
            if (!f.isSuccess()) {
                log.debug("tunnel write failed: {}", f.cause().toString());
                webSocket.close();
                stream.close();
            }
        };
    }

    private static void failed(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof WebSocketHandshakeException || cause instanceof javax.net.ssl.SSLException
                || cause instanceof io.netty.handler.codec.DecoderException && cause.getCause() instanceof javax.net.ssl.SSLException) {
            log.warn("cannot open the tunnel's WebSocket to {}: {}", ctx.channel().remoteAddress(), cause.getMessage());
        } else if (cause instanceof IOException || cause instanceof CorruptedWebSocketFrameException) {
            log.debug("tunnel {} closed: {}", ctx.channel().remoteAddress(), cause.toString());
        } else {
            log.warn("unexpected error on tunnel {}", ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }

    /** WebSocket → stream. */
    private final class WebSocketSide extends ChannelInboundHandlerAdapter {
        private boolean wrote;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (closing) {
                ReferenceCountUtil.release(msg);
            } else if (msg instanceof BinaryWebSocketFrame || msg instanceof ContinuationWebSocketFrame) {
                ByteBuf data = ((WebSocketFrame) msg).content();
                int n = data.readableBytes();
                counters.read(n);
                stream.write(data).addListener(written(n, false));
                wrote = true;
            } else if (msg instanceof TextWebSocketFrame) {
                ReferenceCountUtil.release(msg);
                // AMQP WebSocket Binding 1.0, section 2.3: the AMQP stream is carried in binary messages only.
                closeWebSocket(WebSocketCloseStatus.INVALID_MESSAGE_TYPE.code(), "text frames are not allowed on a tunnel");
            } else {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (wrote) {
                wrote = false;
                stream.flush();
            }
            if (!started || closing) {
                return;
            }
            if (stream.isWritable()) {
                webSocket.read();
            } else {
                webSocketReadPaused = true;
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
            if (webSocket.isWritable() && streamReadPaused) {
                streamReadPaused = false;
                stream.read();
            }
            super.channelWritabilityChanged(ctx);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            boolean server = evt instanceof WebSocketServerProtocolHandler.HandshakeComplete;
            if (server || evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                // nothing has been read since the handshake: the frames are all the tunnel's decoder's
                TunnelFrameDecoder.replace(ctx.pipeline(), server, maxFrameBytes);
                clientEnd = !server;
                start();
            } else if (evt instanceof IdleStateEvent) {
                ctx.writeAndFlush(new PingWebSocketFrame());
            } else {
                super.userEventTriggered(ctx, evt);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof CorruptedWebSocketFrameException c && started) {
                // an oversized or malformed frame: say why with the decoder's status, then close without a reset
                log.debug("tunnel {}: {}", ctx.channel().remoteAddress(), cause.getMessage());
                closeWebSocket(c.closeStatus().code(), c.closeStatus().reasonText());
                return;
            }
            failed(ctx, cause);
        }
    }

    /** Stream → WebSocket. */
    private final class StreamSide extends ChannelInboundHandlerAdapter {
        private boolean wrote;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf data)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            int n = data.readableBytes();
            counters.read(n);
            wrote = true;
            if (n <= MAX_MESSAGE || clientEnd) {
                webSocket.write(new BinaryWebSocketFrame(data)).addListener(written(n, true));
                return;
            }
            for (int at = 0; at < n; at += MAX_MESSAGE) {
                int len = Math.min(MAX_MESSAGE, n - at);
                webSocket.write(new BinaryWebSocketFrame(data.retainedSlice(data.readerIndex() + at, len)))
                        .addListener(written(len, true));
            }
            data.release();
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (wrote) {
                wrote = false;
                webSocket.flush();
            }
            if (!started || closing) {
                return;
            }
            if (webSocket.isWritable()) {
                stream.read();
            } else {
                streamReadPaused = true;
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
            if (stream.isWritable() && webSocketReadPaused) {
                webSocketReadPaused = false;
                webSocket.read();
            }
            super.channelWritabilityChanged(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            failed(ctx, cause);
        }
    }
}
