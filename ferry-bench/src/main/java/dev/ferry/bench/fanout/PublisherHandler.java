package dev.ferry.bench.fanout;

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
 * The publisher connection's inbound side: {@link #ready()} completes once the upgrade is done; anything the
 * server sends back (a {@code pub} without {@code ack} gets no reply when it succeeds) is counted as an error,
 * and the first one is kept for the report.
 */
final class PublisherHandler extends ChannelInboundHandlerAdapter {
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final LongAdder errors = new LongAdder();
    private volatile String firstError;

    CompletableFuture<Void> ready() {
        return ready;
    }

    long errors() {
        return errors.sum();
    }

    String firstError() {
        return firstError;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (ClientChannelInitializer.handshakeCompleted(evt, ready)) {
            ready.complete(null);
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof TextWebSocketFrame text) {
                error(text.content().toString(StandardCharsets.UTF_8));
            } else if (msg instanceof CloseWebSocketFrame close) {
                error("closed by the server: " + close.statusCode() + " " + close.reasonText());
                ctx.close();
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void error(String what) {
        errors.increment();
        if (firstError == null) {
            firstError = what;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        ready.completeExceptionally(new IOException("publisher connection closed"));
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        error(String.valueOf(cause));
        ready.completeExceptionally(cause);
        ctx.close();
    }
}
