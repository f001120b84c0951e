package dev.ferry.server.websocket;

import dev.ferry.protocol.CloseCodes;
import dev.ferry.server.auth.AccessScope;
import dev.ferry.server.transport.BoundedFrameAggregator;
import dev.ferry.server.transport.HandlerNames;
import dev.ferry.server.transport.ServerContext;
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
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * The socket side of a plain WebSocket endpoint (no ferry.v1 framing): whole messages in, a bounded
 * {@link WebSocketOutbound} out, the same liveness rules as ferry.v1 connections (ping after
 * {@code websocket.ping-interval}, close 4002 after {@code websocket.idle-timeout}) and the same drain. Messages
 * count against {@code limits.message-rate}; a plain socket has no way to be told that a message was refused, so
 * the first message beyond the rate closes the connection with 4010 instead of being dropped.
 *
 * <p>Lifecycle: {@link #opened} once the handshake completes, then {@link #onText}/{@link #onBinary}*, then
 * {@link #closed} exactly once when the channel closes, whatever the reason. Event loop only: every method runs on
 * the channel's event loop.
 */
public abstract class PlainWebSocketHandler extends ChannelInboundHandlerAdapter {

    protected final ServerContext server;
    /** What the client, authenticated by the upgrade, may do (docs/security.md). */
    protected final AccessScope scope;

    // ---- event loop only
    private WebSocketOutbound outbound;
    private final Liveness liveness;
    private boolean channelClosed;
    /** {@code limits.message-rate}; null when unlimited. */
    private dev.ferry.server.auth.MessageRate messageRate;
    /** The connection is being closed with 4010: nothing more it sends is read. */
    private boolean rateClosed;

    protected PlainWebSocketHandler(ServerContext server, AccessScope scope) {
        this.server = server;
        this.liveness = new Liveness(server.config().websocket(), new Liveness.Silence() {
            @Override
            public void ping() {
                if (!channelClosed) {
                    outbound.ping();
                }
            }

            @Override
            public void idleTimeout() {
                if (!channelClosed) {
                    outbound.close(CloseCodes.IDLE_TIMEOUT, "idle timeout");
                }
            }
        });
        this.scope = scope;
    }

    /** The handshake completed: {@code out} is the connection's queue. */
    protected abstract void opened(ChannelHandlerContext ctx, WebSocketOutbound out);

    protected abstract void onText(String text);

    protected abstract void onBinary(byte[] bytes);

    /** The channel closed: undo every subscription. Called once. */
    protected abstract void closed();

    /** The server is draining: close with 1001 behind the queued messages. */
    protected void goAway() {
        if (!channelClosed) {
            outbound.close(CloseCodes.GOING_AWAY, "going away");
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
            if (ctx.pipeline().get(HandlerNames.HTTP_ROUTER) != null) {
                ctx.pipeline().remove(HandlerNames.HTTP_ROUTER);
            }
            outbound = new WebSocketOutbound(ctx, server, server.config().websocket().outboundQueueBytes());
            messageRate = dev.ferry.server.auth.MessageRate.of(server.config().limits(), System.nanoTime());
            WebSocketOutbound o = outbound;
            var heartbeats = server.heartbeats();
            liveness.start(heartbeats, ctx.executor());
            ctx.channel().closeFuture().addListener(f -> {
                heartbeats.leave(liveness);
                channelClosed = true;
                closed();
                o.channelClosed();
            });
            opened(ctx, outbound);
            closeAtExpiry(ctx);
            ctx.channel().attr(ServerContext.GO_AWAY).set(this::goAway);
            if (server.draining()) {
                goAway();
            }
        } else {
            super.userEventTriggered(ctx, evt);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        liveness.heard();
        try {
            if (outbound == null || rateClosed) {
                return;
            }
            if ((msg instanceof TextWebSocketFrame || msg instanceof BinaryWebSocketFrame) && beyondMessageRate()) {
                return;
            }
            if (msg instanceof TextWebSocketFrame text) {
                if (!WebSocketUpgrade.validText(text.content())) {
                    exceptionCaught(ctx, WebSocketUpgrade.invalidText());
                    return;
                }
                onText(text.content().toString(StandardCharsets.UTF_8));
            } else if (msg instanceof BinaryWebSocketFrame binary) {
                ByteBuf b = binary.content();
                onBinary(ByteBufUtil.getBytes(b, b.readerIndex(), b.readableBytes(), false));
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    /** Takes one message from the message rate; closes with 4010 (without reading it) when it is beyond. */
    private boolean beyondMessageRate() {
        if (messageRate == null
                || messageRate.take(System.nanoTime()) == dev.ferry.server.auth.MessageRate.Verdict.ACCEPT) {
            return false;
        }
        rateClosed = true;
        server.security().counters().rateLimited();
        server.security().counters().rateLimitClosed();
        outbound.close(CloseCodes.RATE_LIMIT_EXCEEDED, "rate limit exceeded");
        return true;
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (outbound != null && ctx.channel().isWritable()) {
            outbound.drain();
        }
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        switch (WebSocketFault.of(cause)) {
            case TOO_LARGE -> close(ctx, CloseCodes.MESSAGE_TOO_BIG, "message too large");
            case REASSEMBLY -> {
                BoundedFrameAggregator.Refused r = (BoundedFrameAggregator.Refused) cause;
                close(ctx, r.code(), r.reason());
            }
            case CORRUPT -> ctx.writeAndFlush(new CloseWebSocketFrame(((CorruptedWebSocketFrameException) cause).closeStatus()))
                    .addListener(dev.ferry.server.transport.LingeringClose.INSTANCE);
            case IO -> {
                server.faultLog().clientFault("WebSocket", ctx.channel().remoteAddress(), cause);
                ctx.close();
            }
            default -> {
                server.faultLog().fault("WebSocket", ctx.channel().remoteAddress(), cause);
                close(ctx, WebSocketCloseStatus.INTERNAL_SERVER_ERROR.code(), "internal error");
            }
        }
    }

    /** Closes with 4005 when the token that opened the socket expires (a plain socket has no way to refresh it). */
    private void closeAtExpiry(ChannelHandlerContext ctx) {
        Instant expires = scope.identity().expiresAt();
        if (expires == null) {
            return;
        }
        long delay = expires.toEpochMilli() - server.clock().millis();
        WebSocketOutbound o = outbound;
        var task = server.clock().schedule(ctx.executor(), () -> {
            if (!channelClosed) {
                server.security().counters().expiredClosed();
                o.close(CloseCodes.TOKEN_EXPIRED, "token expired");
            }
        }, delay, TimeUnit.MILLISECONDS);
        ctx.channel().closeFuture().addListener(f -> task.cancel(false));
    }

    private void close(ChannelHandlerContext ctx, int code, String reason) {
        if (outbound != null) {
            outbound.close(code, reason);
        } else {
            ctx.writeAndFlush(new CloseWebSocketFrame(code, reason)).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
