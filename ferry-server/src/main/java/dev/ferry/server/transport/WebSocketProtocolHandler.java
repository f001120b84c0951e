package dev.ferry.server.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;

/**
 * Netty's WebSocket server protocol handler, except that a frame the decoder refuses (oversized, or breaking
 * RFC 6455) is left to the endpoint's handler, which answers with the close status and ends the connection with
 * {@link LingeringClose}. Netty's own handler closes the channel at once, while the peer may still be sending the
 * rest of the frame: the kernel then resets the connection and the peer may never read the close frame, seeing
 * 1006 instead of 1009 or 1002.
 */
public final class WebSocketProtocolHandler extends WebSocketServerProtocolHandler {
    public WebSocketProtocolHandler(WebSocketServerProtocolConfig config) {
        super(config);
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
