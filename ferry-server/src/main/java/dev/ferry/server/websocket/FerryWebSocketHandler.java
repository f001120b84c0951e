package dev.ferry.server.websocket;

import dev.ferry.protocol.CloseCodes;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Frame;
import dev.ferry.server.auth.Identity;
import dev.ferry.server.session.ResumableSessions;
import dev.ferry.server.session.Session;
import dev.ferry.server.transport.ThreadBuffers;
import dev.ferry.server.transport.WebSocketOutbound;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;

/**
 * Adapts a ferry.v1 WebSocket to a {@link Session}: whole messages in (past the session's message rate, checked
 * before a message is copied), the session's outbound queue out. The socket side (liveness, writability, faults) is
 * {@link WebSocketEndpointHandler}'s; a ferry.v1 connection is told why a message was too large with an
 * {@code error} frame before the 1009 close, and closes at once when idle.
 */
final class FerryWebSocketHandler extends WebSocketEndpointHandler {
    // ---- event loop only
    private Session session;
    private ChannelHandlerContext ctx;
    /** Who the upgrade authenticated, and the resumable session it chose; until the handshake completes. */
    private Identity identity;
    private ResumableSessions.Opening opening;

    FerryWebSocketHandler(WebSocketServices server, Identity identity, ResumableSessions.Opening opening) {
        super(server, "ferry.v1 WebSocket");
        this.identity = identity;
        this.opening = opening;
    }

    @Override
    protected void opened(ChannelHandlerContext ctx, WebSocketOutbound out) {
        this.ctx = ctx;
        session = new Session(server.sessions(), out, ctx.channel().remoteAddress(), identity);
        ctx.channel().attr(dev.ferry.server.transport.OpenChannels.SESSION).set(session);
        session.opening(opening);
        identity = null;
        opening = null;
        server.sessions().sessionOpened(session);
    }

    @Override
    protected boolean dropsMessage() {
        return session.dropsMessage();
    }

    @Override
    protected void onText(ByteBuf content) {
        ThreadBuffers.read(content, session);
    }

    @Override
    protected void onBinary(byte[] bytes) {
        session.onBinary(bytes);
    }

    @Override
    protected void closed() {
        session.closed();
    }

    /** Nothing arrived for {@code websocket.idle-timeout}: close with 4002 at once, ahead of what is queued. */
    @Override
    protected void silent() {
        ctx.writeAndFlush(new CloseWebSocketFrame(CloseCodes.IDLE_TIMEOUT, "idle timeout"))
                .addListener(ChannelFutureListener.CLOSE);
    }

    /** An {@code error} frame saying why, then close 1009 behind the queued frames. */
    @Override
    protected void tooLarge(ChannelHandlerContext ctx) {
        WebSocketOutbound out = outbound();
        if (out != null) {
            out.send(new Frame.Error(0, ErrorCode.MESSAGE_TOO_LARGE.wire(), "message larger than websocket.max-message-bytes ("
                    + server.sessions().config().websocket().maxMessageBytes() + " bytes)", null));
        }
        close(ctx, CloseCodes.MESSAGE_TOO_BIG, "message too large");
    }

    @Override
    protected dev.ferry.server.connection.Connection connection() {
        return session == null ? null : session.connection();
    }
}
