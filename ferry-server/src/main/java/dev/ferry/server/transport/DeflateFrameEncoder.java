package dev.ferry.server.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtension;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionEncoder;
import java.util.List;

/**
 * permessage-deflate for one connection's own messages: a whole (unfragmented) text or binary
 * {@link WebSocketFrame} of at least the threshold is compressed, without context, and sent with RSV1 set. Frames
 * already framed as bytes (publications shared by a loop, compressed or not, by {@link PerMessageDeflate}) pass
 * through untouched, as do control frames and small messages. The server never fragments its messages.
 */
final class DeflateFrameEncoder extends WebSocketExtensionEncoder {
    private final PerMessageDeflate deflate;

    DeflateFrameEncoder(PerMessageDeflate deflate) {
        this.deflate = deflate;
    }

    @Override
    public boolean acceptOutboundMessage(Object msg) throws Exception {
        return (msg instanceof TextWebSocketFrame || msg instanceof BinaryWebSocketFrame)
                && ((WebSocketFrame) msg).rsv() == 0 && ((WebSocketFrame) msg).isFinalFragment()
                && deflate.compresses(((WebSocketFrame) msg).content().readableBytes());
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, WebSocketFrame msg, List<Object> out) {
        var compressed = deflate.compress(msg.content(), ctx.alloc());
        out.add(msg instanceof TextWebSocketFrame
                ? new TextWebSocketFrame(true, WebSocketExtension.RSV1, compressed)
                : new BinaryWebSocketFrame(true, WebSocketExtension.RSV1, compressed));
    }
}
