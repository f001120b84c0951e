package dev.ferry.server.websocket;

import dev.ferry.protocol.CloseCodes;
import dev.ferry.server.transport.BoundedFrameAggregator;
import dev.ferry.server.transport.HandlerNames;
import dev.ferry.server.transport.PerMessageDeflate;
import dev.ferry.server.transport.WebSocketOutbound;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.ReferenceCountUtil;

/**
 * The socket side every WebSocket endpoint shares (ferry.v1, multiplexer, per-topic and index sockets): a bounded
 * {@link WebSocketOutbound}, held until the handshake completes, and from then the connection's {@link Liveness} (ping after
 * {@code websocket.ping-interval}, close 4002 after {@code websocket.idle-timeout}); whole messages in, checked
 * against the endpoint's message rate and, for text, UTF-8; the queue drained when the channel is writable again;
 * faults mapped to close codes (1009, 4008/4009, the decoder's code, 1011) and logged.
 *
 * <p>Lifecycle: {@link #opened} when the upgrade is installed (before the 101 is written), then {@link #onText}/{@link #onBinary}*, then
 * {@link #closed} exactly once when the channel closes, whatever the reason. Event loop only: every method runs on
 * the channel's event loop.
 */
public abstract class WebSocketEndpointHandler extends ChannelInboundHandlerAdapter {
    protected final WebSocketServices server;
    /** What the fault log calls this endpoint's connections. */
    private final String kind;
    private final Liveness liveness;

    // ---- event loop only
    private WebSocketOutbound outbound;
    /** The WebSocket handshake has completed: messages are read from now on. */
    private boolean handshaken;
    private boolean channelClosed;

    protected WebSocketEndpointHandler(WebSocketServices server, String kind) {
        this.server = server;
        this.kind = kind;
        this.liveness = new Liveness(server.sessions().config().websocket(), new Liveness.Silence() {
            @Override
            public void ping() {
                if (!channelClosed) {
                    outbound.ping();
                }
            }

            @Override
            public void idleTimeout() {
                if (!channelClosed) {
                    silent();
                }
            }
        });
    }

    /**
     * The endpoint opens, before the handshake's 101 is written: {@code out} is the connection's queue, whose
     * frames wait until the handshake completes.
     */
    protected abstract void opened(ChannelHandlerContext ctx, WebSocketOutbound out);

    /**
     * What the handshake's 101 waits for, asked right after {@link #opened}: null (the default) or a completed
     * stage answers at once; otherwise the upgrade is answered once the stage completes (reading nothing from the
     * client meanwhile), so that what the endpoint does asynchronously as it opens (a per-topic socket's
     * subscription, which a subscribe hook decides) is done before the client sees the socket open. The stage must
     * also complete when the channel closes first.
     */
    protected java.util.concurrent.CompletionStage<?> answerAfter() {
        return null;
    }

    /** A text message, valid UTF-8; {@code content} is released after the call. */
    protected abstract void onText(ByteBuf content);

    protected abstract void onBinary(byte[] bytes);

    /** The channel closed: undo every subscription and registration. Called once. */
    protected abstract void closed();

    /**
     * Whether the next message is dropped unread: the endpoint's message rate is exhausted (the endpoint closes the
     * connection, as its protocol says) or the connection is going away. Checked before the message is validated
     * or copied.
     */
    protected abstract boolean dropsMessage();

    /** Nothing arrived for {@code websocket.idle-timeout}: by default, close with 4002 behind what is queued. */
    protected void silent() {
        outbound.close(CloseCodes.IDLE_TIMEOUT, "idle timeout");
    }

    /** A message beyond {@code websocket.max-message-bytes}: by default, close with 1009. */
    protected void tooLarge(ChannelHandlerContext ctx) {
        close(ctx, CloseCodes.MESSAGE_TOO_BIG, "message too large");
    }

    /** The connection's queue. */
    protected WebSocketOutbound outbound() {
        return outbound;
    }

    protected boolean channelClosed() {
        return channelClosed;
    }

    /**
     * The handler joins the pipeline before the upgrade request reaches the protocol handler: the endpoint opens
     * now, with its queue held until the handshake completes, so that whatever it subscribes to is subscribed
     * before the 101 response is written and no publication sent once the client sees it is missed.
     */
    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        WebSocketOutbound o = WebSocketOutbound.held(ctx, server.outboundQueues(), server.sessions().config().websocket().outboundQueueBytes());
        outbound = o;
        var heartbeats = server.heartbeats();
        ctx.channel().closeFuture().addListener(f -> {
            channelClosed = true;
            try {
                heartbeats.leave(liveness);
                closed();
            } finally {
                o.channelClosed(); // whatever the clean-up throws, the queue's buffers are released
            }
        });
        opened(ctx, o);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (!(evt instanceof WebSocketServerProtocolHandler.HandshakeComplete)) {
            super.userEventTriggered(ctx, evt);
            return;
        }
        if (ctx.pipeline().get(HandlerNames.HTTP_ROUTER) != null) {
            ctx.pipeline().remove(HandlerNames.HTTP_ROUTER);
        }
        handshaken = true;
        liveness.start(server.heartbeats(), ctx.executor());
        PerMessageDeflate deflate = server.webSocketSettings().deflate();
        outbound.open(deflate != null && PerMessageDeflate.negotiated(ctx.pipeline()) ? deflate : null);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        liveness.heard();
        try {
            if (!handshaken) {
                return;
            }
            if (msg instanceof WebSocketFrame f && f.rsv() != 0) { // no extension took the bits (RFC 6455 §5.2)
                exceptionCaught(ctx, new CorruptedWebSocketFrameException(
                        io.netty.handler.codec.http.websocketx.WebSocketCloseStatus.PROTOCOL_ERROR,
                        "reserved bits set without a negotiated extension"));
                return;
            }
            if ((msg instanceof TextWebSocketFrame || msg instanceof BinaryWebSocketFrame) && dropsMessage()) {
                return; // not validated, copied or decoded
            }
            if (msg instanceof TextWebSocketFrame text) {
                if (!WebSocketUpgrade.validText(text.content())) {
                    exceptionCaught(ctx, WebSocketUpgrade.invalidText());
                    return;
                }
                onText(text.content());
            } else if (msg instanceof BinaryWebSocketFrame binary) {
                ByteBuf b = binary.content();
                onBinary(ByteBufUtil.getBytes(b, b.readerIndex(), b.readableBytes(), false));
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (outbound != null && ctx.channel().isWritable()) {
            outbound.drain();
        }
        super.channelWritabilityChanged(ctx);
    }

    /** The connection core of this socket once it has one, else null: its id and identity go on its fault lines. */
    protected dev.ferry.server.connection.Connection connection() {
        return null;
    }

    /** The MDC of {@link #connection()} for a log call, or null (nothing to close) without one. */
    private dev.ferry.server.connection.ConnectionLog.Scope logScope() {
        var c = connection();
        return c == null ? null : dev.ferry.server.connection.ConnectionLog.about(c);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        switch (WebSocketFault.of(cause)) {
            case TOO_LARGE -> tooLarge(ctx);
            case REASSEMBLY -> {
                BoundedFrameAggregator.Refused r = (BoundedFrameAggregator.Refused) cause;
                close(ctx, r.code(), r.reason());
            }
            case CORRUPT -> ctx.writeAndFlush(new CloseWebSocketFrame(((CorruptedWebSocketFrameException) cause).closeStatus()))
                    .addListener(dev.ferry.server.transport.LingeringClose.on(server.sessions().clock()));
            case IO -> {
                try (var s = logScope()) {
                    server.sessions().faultLog().clientFault(kind, ctx.channel().remoteAddress(), cause);
                }
                ctx.close();
            }
            default -> {
                try (var s = logScope()) {
                    server.sessions().faultLog().fault(kind, ctx.channel().remoteAddress(), cause);
                }
                close(ctx, io.netty.handler.codec.http.websocketx.WebSocketCloseStatus.INTERNAL_SERVER_ERROR.code(),
                        "internal error");
            }
        }
    }

    /** Closes with {@code code} behind the queued frames, or at once when the endpoint is not open. */
    protected void close(ChannelHandlerContext ctx, int code, String reason) {
        if (outbound != null) {
            outbound.close(code, reason);
        } else {
            ctx.writeAndFlush(new CloseWebSocketFrame(code, reason)).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
