package dev.ferry.server.transport;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.LastHttpContent;
import dev.ferry.server.time.ServerClock;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes an HTTP connection that has not delivered a complete request within the deadline: from accept to the
 * first request (which bounds the WebSocket handshake too), and between requests on a keep-alive connection.
 * Unlike a read-idle timer it cannot be held off by a client that trickles one byte at a time. The deadline is
 * timed on the server's {@link ServerClock}.
 */
public final class HttpRequestDeadline extends ChannelDuplexHandler {
    private final long deadlineMs;
    private final ServerClock clock;

    // ---- event loop only
    private ScheduledFuture<?> timer;

    public HttpRequestDeadline(long deadlineMs, ServerClock clock) {
        this.deadlineMs = deadlineMs;
        this.clock = clock;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            arm(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        arm(ctx);
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof LastHttpContent) {
            disarm(); // a whole request is in; the clock restarts once its response is written
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof LastHttpContent) {
            arm(ctx);
        }
        super.write(ctx, msg, promise);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        disarm();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        disarm();
        super.channelInactive(ctx);
    }

    private void arm(ChannelHandlerContext ctx) {
        disarm();
        timer = clock.schedule(ctx.executor(), ctx::close, deadlineMs, TimeUnit.MILLISECONDS);
    }

    private void disarm() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
