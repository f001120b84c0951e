package dev.ferry.server.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.socket.DuplexChannel;
import java.util.concurrent.TimeUnit;

/**
 * Ends a connection after its last frame (a WebSocket close) without a TCP reset. Closing a socket whose peer is
 * still sending (the rest of an oversized or corrupt message) makes the kernel answer with a reset, and the peer
 * may then lose the close frame that explains why. Instead: shut the output down (the peer reads the frame, then
 * the end of the stream), keep reading and discarding for at most {@link #LINGER_MS}, then close. Handlers must
 * ignore what they read after their close frame (they do: their connection is closing).
 */
public final class LingeringClose implements ChannelFutureListener {
    /** Listener for the future of the last write. */
    public static final LingeringClose INSTANCE = new LingeringClose();
    static final long LINGER_MS = 1000;

    private LingeringClose() {
    }

    @Override
    public void operationComplete(ChannelFuture written) {
        Channel ch = written.channel();
        if (!written.isSuccess() || !(ch instanceof DuplexChannel duplex) || !ch.isActive()) {
            ch.close();
            return;
        }
        var deadline = ch.eventLoop().schedule(() -> {
            ch.close();
        }, LINGER_MS, TimeUnit.MILLISECONDS);
        ch.closeFuture().addListener(f -> deadline.cancel(false));
        ch.config().setAutoRead(true);
        duplex.shutdownOutput().addListener(f -> {
            if (!f.isSuccess()) {
                ch.close();
            }
        });
    }
}
