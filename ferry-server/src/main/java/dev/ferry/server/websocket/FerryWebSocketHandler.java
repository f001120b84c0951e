package dev.ferry.server.websocket;

import dev.ferry.protocol.CloseCodes;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Frame;
import dev.ferry.server.auth.Identity;
import dev.ferry.server.session.ResumableSessions;
import dev.ferry.server.session.Session;
import dev.ferry.server.transport.BoundedFrameAggregator;
import dev.ferry.server.transport.HandlerNames;
import dev.ferry.server.transport.ServerContext;
import dev.ferry.server.transport.ThreadBuffers;
import dev.ferry.server.transport.WebSocketOutbound;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.ReferenceCountUtil;

/**
 * Adapts WebSocket frames to a {@link Session}: whole messages in, the session's outbound queue out. Also owns the
 * connection's liveness: it pings after {@code websocket.ping-interval} without input and closes with 4002 once
 * nothing has arrived for {@code websocket.idle-timeout} ({@link Liveness}).
 */
final class FerryWebSocketHandler extends ChannelInboundHandlerAdapter implements Liveness.Silence {

    private final ServerContext server;

    // ---- event loop only
    private Session session;
    private ChannelHandlerContext ctx;
    private WebSocketOutbound outbound;
    private final Liveness liveness;
    /** Who the upgrade authenticated, and the resumable session it chose; until the handshake completes. */
    private Identity identity;
    private ResumableSessions.Opening opening;

    FerryWebSocketHandler(ServerContext server, Identity identity, ResumableSessions.Opening opening) {
        this.server = server;
        this.liveness = new Liveness(server.config().websocket(), this);
        this.identity = identity;
        this.opening = opening;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
            opened(ctx);
        } else {
            super.userEventTriggered(ctx, evt);
        }
    }

    private void opened(ChannelHandlerContext ctx) {
        if (ctx.pipeline().get(HandlerNames.HTTP_ROUTER) != null) {
            ctx.pipeline().remove(HandlerNames.HTTP_ROUTER);
        }
        outbound = new WebSocketOutbound(ctx, server, server.config().websocket().outboundQueueBytes());
        session = new Session(server, outbound, ctx.channel().remoteAddress(), identity);
        ctx.channel().attr(Session.KEY).set(session);
        session.opening(opening);
        identity = null;
        opening = null;
        Session s = session;
        WebSocketOutbound o = outbound;
        var heartbeats = server.heartbeats();
        liveness.start(heartbeats, ctx.executor());
        ctx.channel().closeFuture().addListener(f -> {
            heartbeats.leave(liveness);
            s.closed();
            o.channelClosed();
        });
        server.sessionOpened(session);
    }

    @Override
    public void ping() {
        ctx.writeAndFlush(new PingWebSocketFrame());
    }

    @Override
    public void idleTimeout() {
        ctx.writeAndFlush(new CloseWebSocketFrame(CloseCodes.IDLE_TIMEOUT, "idle timeout"))
                .addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        liveness.heard();
        try {
            if (session == null) {
                return;
            }
            if ((msg instanceof TextWebSocketFrame || msg instanceof BinaryWebSocketFrame) && session.dropsMessage()) {
                return; // beyond the message rate: not validated, copied or decoded
            }
            if (msg instanceof TextWebSocketFrame text) {
                if (!WebSocketUpgrade.validText(text.content())) {
                    exceptionCaught(ctx, WebSocketUpgrade.invalidText());
                    return;
                }
                ThreadBuffers.read(text.content(), session);
            } else if (msg instanceof BinaryWebSocketFrame binary) {
                session.onBinary(bytes(binary.content()));
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private static byte[] bytes(ByteBuf buf) {
        return ByteBufUtil.getBytes(buf, buf.readerIndex(), buf.readableBytes(), false);
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
            case TOO_LARGE -> closeWithError(ctx, ErrorCode.MESSAGE_TOO_LARGE, "message larger than websocket.max-message-bytes ("
                    + server.config().websocket().maxMessageBytes() + " bytes)", CloseCodes.MESSAGE_TOO_BIG, "message too large");
            case REASSEMBLY -> {
                BoundedFrameAggregator.Refused r = (BoundedFrameAggregator.Refused) cause;
                closeWithError(ctx, null, null, r.code(), r.reason());
            }
            case CORRUPT -> ctx.writeAndFlush(new CloseWebSocketFrame(((CorruptedWebSocketFrameException) cause).closeStatus()))
                    .addListener(dev.ferry.server.transport.LingeringClose.INSTANCE);
            case IO -> {
                server.faultLog().clientFault("ferry.v1 WebSocket", ctx.channel().remoteAddress(), cause);
                ctx.close();
            }
            default -> {
                server.faultLog().fault("ferry.v1 WebSocket", ctx.channel().remoteAddress(), cause);
                ctx.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.INTERNAL_SERVER_ERROR))
                        .addListener(ChannelFutureListener.CLOSE);
            }
        }
    }

    /** Closes with {@code closeCode} behind the queued frames, after an error frame when {@code code} is not null. */
    private void closeWithError(ChannelHandlerContext ctx, ErrorCode code, String message, int closeCode, String reason) {
        if (outbound != null) {
            if (code != null) {
                outbound.send(new Frame.Error(0, code.wire(), message, null));
            }
            outbound.close(closeCode, reason);
        } else {
            ctx.writeAndFlush(new CloseWebSocketFrame(closeCode, reason)).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
