package dev.ferry.server.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.socket.DuplexChannel;
import dev.ferry.server.time.ServerClock;
import java.util.concurrent.TimeUnit;

/**
 * Ends a connection after its last frame (a WebSocket close) without a TCP reset. Closing a socket whose peer is
 * still sending (the rest of an oversized or corrupt message) makes the kernel answer with a reset, and the peer
 * may then lose the close frame that explains why. Instead: shut the output down (the peer reads the frame, then
 * the end of the stream), keep reading and discarding for at most {@link #LINGER_MS}, then close. Handlers must
 * ignore what they read after their close frame (they do: their connection is closing). The linger is timed on
 * the server's {@link ServerClock}, so a test advances it.
 */
public final class LingeringClose implements ChannelFutureListener {
    static final long LINGER_MS = 1000;
    private static final LingeringClose SYSTEM = new LingeringClose(ServerClock.system());

    private final ServerClock clock;

    private LingeringClose(ServerClock clock) {
        this.clock = clock;
    }

    /** Listener for the future of the last write, lingering on {@code clock}. */
    public static LingeringClose on(ServerClock clock) {
        return clock == ServerClock.system() ? SYSTEM : new LingeringClose(clock);
    }

    @Override
    public void operationComplete(ChannelFuture written) {
        Channel ch = written.channel();
        if (!written.isSuccess() || !(ch instanceof DuplexChannel duplex) || !ch.isActive()) {
            ch.close();
            return;
        }
        var deadline = clock.schedule(ch.eventLoop(), ch::close, LINGER_MS, TimeUnit.MILLISECONDS);
        ch.closeFuture().addListener(f -> deadline.cancel(false));
        ch.config().setAutoRead(true);
        duplex.shutdownOutput().addListener(f -> {
            if (!f.isSuccess()) {
                ch.close();
            }
        });
    }
}
