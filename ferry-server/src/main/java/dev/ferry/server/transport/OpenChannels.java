package dev.ferry.server.transport;

import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.ChannelGroupFuture;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The channels and ferry.v1 sessions a server has open, and its drain: once {@link #drain()} starts, every
 * connection says goodbye in the way of its transport and new work is refused. Thread-safe.
 */
public final class OpenChannels {
    /** Set on a channel while an HTTP request on it is being answered; drained channels without it close at once. */
    public static final AttributeKey<Boolean> HTTP_BUSY = AttributeKey.valueOf("ferry.http.busy");
    /**
     * Set on a plain WebSocket channel or an event stream: how it says goodbye (idempotent, run on its event loop)
     * when draining; an event stream ends its chunked response with the last chunk, then closes.
     */
    public static final AttributeKey<Runnable> GO_AWAY = AttributeKey.valueOf("ferry.goaway");
    /** Set on a channel that carries a {@link Drainable} session: the session says goodbye, not the channel. */
    public static final AttributeKey<Drainable> SESSION = AttributeKey.valueOf("ferry.session");
    /** Set on a channel accepted beyond a connection limit: its first request is answered 429 or 503. */
    public static final AttributeKey<dev.ferry.server.auth.ConnectionLimiter.Refusal> OVER_CONNECTION_LIMIT =
            AttributeKey.valueOf("ferry.over-connection-limit");

    private final ChannelGroup channels = new DefaultChannelGroup("ferry", GlobalEventExecutor.INSTANCE);
    private final Set<Drainable> sessions = ConcurrentHashMap.newKeySet();
    private volatile boolean draining;

    /** Whether the server is draining: new connections, subscriptions and requests are refused. */
    public boolean draining() {
        return draining;
    }

    /** Tracks a newly accepted channel until it closes. */
    public void register(Channel channel) {
        channels.add(channel);
    }

    /** Tracks an open session until {@link #sessionClosed}; one opened while draining is told to go away at once. */
    public void sessionOpened(Drainable session) {
        sessions.add(session);
        if (draining) {
            session.executor().execute(session::goAway);
        }
    }

    public void sessionClosed(Drainable session) {
        sessions.remove(session);
    }

    public int openChannels() {
        return channels.size();
    }

    public int openSessions() {
        return sessions.size();
    }

    /** Bytes handed to connections' sockets but not yet written by the kernel (Netty's outbound buffers). */
    public long socketPendingBytes() {
        long sum = 0;
        for (Channel ch : channels) {
            var buffer = ch.unsafe().outboundBuffer();
            if (buffer != null) {
                sum += buffer.totalPendingWriteBytes();
            }
        }
        return sum;
    }

    /**
     * Starts draining: every session gets {@code goaway} and a 1001 close behind its queued frames; idle HTTP
     * connections close now, busy ones after their response. The returned future completes once all are closed.
     */
    public ChannelGroupFuture drain() {
        draining = true;
        ChannelGroupFuture allClosed = channels.newCloseFuture();
        for (Drainable s : sessions) {
            s.executor().execute(s::goAway);
        }
        for (Channel ch : channels) {
            Runnable goAway = ch.attr(GO_AWAY).get();
            if (goAway != null) {
                ch.eventLoop().execute(goAway);
            } else if (!ch.hasAttr(SESSION) && !Boolean.TRUE.equals(ch.attr(HTTP_BUSY).get())) {
                ch.close();
            }
        }
        return allClosed;
    }

    /** Closes whatever is still open. */
    public void closeAll() {
        channels.close().awaitUninterruptibly();
    }
}
