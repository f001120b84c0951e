package dev.ferry.server.sse;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * Takes the router's place once a connection carries an event stream: the response never ends while the stream
 * lives, so anything more the client sends is discarded; writability changes go to the stream's queue.
 */
final class EventStreamHandler extends ChannelInboundHandlerAdapter {
    private final dev.ferry.server.transport.FaultLog faultLog;

    EventStreamHandler(dev.ferry.server.transport.FaultLog faultLog) {
        this.faultLog = faultLog;
    }

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
        faultLog.fault("event stream", ctx.channel().remoteAddress(), cause);
        ctx.close();
    }
}
