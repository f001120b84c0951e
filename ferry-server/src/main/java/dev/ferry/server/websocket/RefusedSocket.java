package dev.ferry.server.websocket;

import dev.ferry.server.transport.WebSocketOutbound;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;

/**
 * The endpoint of an upgrade whose connection the connect hook refused: the handshake is answered and the socket
 * closed at once with the refusal's close code and reason ({@link ConnectRefusal}); nothing the client sends is
 * read. Event loop only.
 */
final class RefusedSocket extends WebSocketEndpointHandler {
    private final ConnectRefusal refusal;

    RefusedSocket(WebSocketServices server, ConnectRefusal refusal) {
        super(server, "WebSocket");
        this.refusal = refusal;
    }

    @Override
    protected void opened(ChannelHandlerContext ctx, WebSocketOutbound out) {
        out.close(refusal.closeCode(), refusal.closeReason()); // held until the handshake's 101 is written
    }

    @Override
    protected void onText(ByteBuf content) {
    }

    @Override
    protected void onBinary(byte[] bytes) {
    }

    @Override
    protected void closed() {
    }

    @Override
    protected boolean dropsMessage() {
        return true;
    }
}
