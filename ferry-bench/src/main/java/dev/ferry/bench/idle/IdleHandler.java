package dev.ferry.bench.idle;

import dev.ferry.bench.fanout.ClientChannelInitializer;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;

/**
 * One idle connection: after the upgrade it sends {@code sub} (id 1), completes {@link #subscribed()} on its
 * {@code result}, and then only answers the server's pings (Netty's protocol handler sends the pongs).
 *
 * <p>Lifecycle: HANDSHAKING, then SUBSCRIBING once the upgrade completes, then SUBSCRIBED on the result, then
 * CLOSED. A close after SUBSCRIBED is counted in {@code closedAfterSubscribe}.
 */
final class IdleHandler extends ChannelInboundHandlerAdapter {
    private enum State { HANDSHAKING, SUBSCRIBING, SUBSCRIBED, CLOSED }

    private static final String RESULT_OF_SUB = "\"type\":\"result\",\"id\":1";

    private final String subFrame;
    private final LongAdder closedAfterSubscribe;
    private final CompletableFuture<Void> subscribed = new CompletableFuture<>();

    // ---- event loop only
    private State state = State.HANDSHAKING;

    IdleHandler(String topic, LongAdder closedAfterSubscribe) {
        this.subFrame = "{\"type\":\"sub\",\"id\":1,\"topic\":\"" + topic + "\"}";
        this.closedAfterSubscribe = closedAfterSubscribe;
    }

    CompletableFuture<Void> subscribed() {
        return subscribed;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (ClientChannelInitializer.handshakeCompleted(evt, subscribed)) {
            state = State.SUBSCRIBING;
            ctx.writeAndFlush(new TextWebSocketFrame(subFrame));
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof TextWebSocketFrame text && state == State.SUBSCRIBING) {
                String s = text.content().toString(StandardCharsets.UTF_8);
                if (s.contains(RESULT_OF_SUB)) {
                    state = State.SUBSCRIBED;
                    subscribed.complete(null);
                } else if (s.contains("\"type\":\"error\"")) {
                    subscribed.completeExceptionally(new IOException("sub refused: " + s));
                }
            } else if (msg instanceof CloseWebSocketFrame close) {
                ctx.writeAndFlush(new CloseWebSocketFrame(close.statusCode(), null))
                        .addListener(ChannelFutureListener.CLOSE);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (state == State.SUBSCRIBED) {
            closedAfterSubscribe.increment();
        }
        state = State.CLOSED;
        subscribed.completeExceptionally(new IOException("connection closed before its sub was answered"));
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        subscribed.completeExceptionally(cause);
        ctx.close();
    }
}
