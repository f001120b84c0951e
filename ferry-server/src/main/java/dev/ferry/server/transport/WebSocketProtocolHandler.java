package dev.ferry.server.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;

/**
 * Netty's WebSocket server protocol handler, except that a frame the decoder refuses (oversized, or breaking
 * RFC 6455) is left to the endpoint's handler, which answers with the close status and ends the connection with
 * {@link LingeringClose}. Netty's own handler closes the channel at once, while the peer may still be sending the
 * rest of the frame: the kernel then resets the connection and the peer may never read the close frame, seeing
 * 1006 instead of 1009 or 1002.
 *
 * <p>A ping that arrives while the channel is not writable (the peer does not read what it is sent) is not answered:
 * otherwise a peer sending pings and reading nothing makes the server queue a pong for each, without bound. RFC 6455
 * §5.5.3 lets an endpoint skip pongs; the reading goes on as for an answered ping.
 */
public final class WebSocketProtocolHandler extends WebSocketServerProtocolHandler {
    public WebSocketProtocolHandler(WebSocketServerProtocolConfig config) {
        super(config);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, WebSocketFrame frame, java.util.List<Object> out) throws Exception {
        if (frame instanceof PingWebSocketFrame && !ctx.channel().isWritable()) {
            if (!ctx.channel().config().isAutoRead()) {
                ctx.read();
            }
            return; // the decoder releases the frame
        }
        super.decode(ctx, frame, out);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
        if (cause instanceof CorruptedWebSocketFrameException) {
            ctx.fireExceptionCaught(cause);
            return;
        }
        super.exceptionCaught(ctx, cause);
    }
}
