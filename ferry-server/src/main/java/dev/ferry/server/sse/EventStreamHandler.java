package dev.ferry.server.sse;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes the router's place once a connection carries an event stream: the response never ends while the stream
 * lives, so anything more the client sends is discarded; writability changes go to the stream's queue.
 */
final class EventStreamHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(EventStreamHandler.class);

    // ---- event loop only
    private Runnable writable = () -> { };

    /** {@code task} runs on the channel's event loop each time the channel becomes writable again. */
    void onWritable(Runnable task) {
        this.writable = task;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ReferenceCountUtil.release(msg);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (ctx.channel().isWritable()) {
            writable.run();
        }
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            log.debug("I/O error on event stream {}: {}", ctx.channel().remoteAddress(), cause.toString());
        } else {
            log.warn("unexpected error on event stream {}", ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }
}
