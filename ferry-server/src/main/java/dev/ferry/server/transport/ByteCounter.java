package dev.ferry.server.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the bytes every accepted connection reads from and writes to its socket (TLS records included, whatever
 * the transport: HTTP, WebSocket, SSE, tunnels), for {@code ferry.bytes}. One instance is shared by all the
 * pipelines, first in each; the counters are {@link LongAdder}s, so event loops do not contend.
 */
@ChannelHandler.Sharable
public final class ByteCounter extends ChannelDuplexHandler {
    private final LongAdder in = new LongAdder();
    private final LongAdder out = new LongAdder();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        in.add(size(msg));
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        out.add(size(msg));
        ctx.write(msg, promise);
    }

    private static int size(Object msg) {
        if (msg instanceof ByteBuf b) {
            return b.readableBytes();
        }
        return msg instanceof ByteBufHolder h ? h.content().readableBytes() : 0;
    }

    /** Bytes read from sockets since start. */
    public long bytesIn() {
        return in.sum();
    }

    /** Bytes handed to sockets for writing since start. */
    public long bytesOut() {
        return out.sum();
    }
}
