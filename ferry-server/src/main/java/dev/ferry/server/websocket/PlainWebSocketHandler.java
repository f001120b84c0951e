package dev.ferry.server.websocket;

import dev.ferry.protocol.CloseCodes;
import dev.ferry.server.auth.AccessScope;
import dev.ferry.server.auth.MessageRate;
import dev.ferry.server.transport.WebSocketOutbound;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import java.nio.charset.StandardCharsets;

/**
 * A plain WebSocket endpoint (no ferry.v1 framing): the socket side of {@link WebSocketEndpointHandler}, with the
 * rules of plain sockets. Messages count against {@code limits.message-rate}; a plain socket has no way to be told
 * that a message was refused, so the first message beyond the rate closes the connection with 4010 instead of being
 * dropped. The socket closes with 4005 when the identity that opened it expires (after asking the refresh hook for
 * one the connect hook gave), and with 1001 when the server drains.
 *
 * <p>Lifecycle: {@link #opened} before the handshake's 101 is written, then {@link #onText}/{@link #onBinary}*, then
 * {@link #closed} exactly once when the channel closes, whatever the reason. Event loop only: every method runs on
 * the channel's event loop.
 */
public abstract class PlainWebSocketHandler extends WebSocketEndpointHandler {
    /**
     * What the client, authenticated by the upgrade, may do (docs/security.md); null for an endpoint whose own
     * handshake authenticates the client once the socket is open (it then calls {@link #closeAtExpiry}).
     */
    protected final AccessScope scope;

    // ---- event loop only
    private ChannelHandlerContext ctx;
    /** {@code limits.message-rate}; null when unlimited. */
    private MessageRate messageRate;
    /** The connection is being closed with 4010: nothing more it sends is read. */
    private boolean rateClosed;
    /** The client's {@code host:port}, once opened. */
    private String address;

    protected PlainWebSocketHandler(WebSocketServices server, AccessScope scope) {
        super(server, "WebSocket");
        this.scope = scope;
    }

    /** The handshake completed: {@code out} is the connection's queue. */
    protected abstract void onOpen(ChannelHandlerContext ctx, WebSocketOutbound out);

    protected abstract void onText(String text);

    /** The server is draining: close with 1001 behind the queued messages. */
    protected void goAway() {
        if (!channelClosed()) {
            outbound().close(CloseCodes.GOING_AWAY, "going away");
        }
    }

    @Override
    protected final void opened(ChannelHandlerContext ctx, WebSocketOutbound out) {
        this.ctx = ctx;
        messageRate = MessageRate.following(() -> server.sessions().config().limits(),
                server.sessions().clock().nanoTime());
        address = dev.ferry.server.connection.Connections.address(ctx.channel().remoteAddress());
        onOpen(ctx, out);
        if (scope != null) {
            closeAtExpiry(scope.identity());
        }
        ctx.channel().attr(dev.ferry.server.transport.OpenChannels.GO_AWAY).set(this::goAway);
        if (server.sessions().draining()) {
            goAway();
        }
    }

    /** The client's {@code host:port} (what {@code Transport.clientAddress} answers for a plain socket). */
    public String clientAddress() {
        return address;
    }

    /** Bytes waiting in the outbound queue (what {@code Transport.queuedBytes} answers for a plain socket). */
    public long queuedBytes() {
        return outbound() == null ? 0 : outbound().queuedBytes();
    }

    /** A text message (valid UTF-8) as a string; an endpoint that parses the bytes itself overrides this. */
    @Override
    protected void onText(ByteBuf content) {
        onText(content.toString(StandardCharsets.UTF_8));
    }

    /** Takes one message from the message rate; closes with 4010 (without reading it) when it is beyond. */
    @Override
    protected final boolean dropsMessage() {
        if (rateClosed) {
            return true;
        }
        if (messageRate == null || messageRate.take(server.sessions().clock().nanoTime()) == MessageRate.Verdict.ACCEPT) {
            return false;
        }
        rateClosed = true;
        server.sessions().security().counters().rateLimited();
        server.sessions().security().counters().rateLimitClosed();
        outbound().close(CloseCodes.RATE_LIMIT_EXCEEDED, "rate limit exceeded");
        return true;
    }

    /**
     * Times the identity {@code who}, which opened the socket ({@link dev.ferry.server.connection.IdentityExpiry}):
     * at its expiry an identity of the connect hook is offered to the refresh hook, whose answer the socket takes
     * ({@link #refreshed}); otherwise, or when the refresh is refused, the socket ends ({@link #expired}: close
     * 4005). Once the socket is open.
     */
    protected void closeAtExpiry(dev.ferry.server.auth.Identity who) {
        if (who.expiresAt() == null) {
            return;
        }
        var expiry = server.sessions().expiry(ctx.executor(),
                () -> connection() == null ? "" : connection().id(), kind(),
                new dev.ferry.server.connection.IdentityExpiry.Owner() {
                    @Override
                    public boolean open() {
                        return !channelClosed();
                    }

                    @Override
                    public void refreshed(dev.ferry.server.auth.Identity next) {
                        PlainWebSocketHandler.this.refreshed(next);
                    }

                    @Override
                    public void expired() {
                        server.sessions().security().counters().expiredClosed();
                        PlainWebSocketHandler.this.expired();
                    }
                });
        expiry.start(who);
        ctx.channel().closeFuture().addListener(f -> expiry.cancel());
    }

    /** The socket's kind: {@code transport} of the refresh hook's request (docs/hooks.md). */
    protected abstract String kind();

    /**
     * The refresh hook extended the socket's identity: its connection acts as {@code next} from now on, and drops
     * what it may no longer hold, as after a reload ({@code Transport.permissionsChanged}).
     */
    protected void refreshed(dev.ferry.server.auth.Identity next) {
        var c = connection();
        if (c != null) {
            c.permissionsChanged(server.sessions().security().permissions().scope(next));
        }
    }

    /** The socket's identity expired and was not extended: close 4005 {@code token expired}. */
    protected void expired() {
        outbound().close(CloseCodes.TOKEN_EXPIRED, "token expired");
    }
}
