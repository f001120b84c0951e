package dev.ferry.server.topics;

import dev.ferry.protocol.CloseCodes;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.Payload;
import dev.ferry.protocol.Topics;
import dev.ferry.server.auth.AccessScope;
import dev.ferry.server.auth.Action;
import dev.ferry.server.hub.Subscriber;
import dev.ferry.server.transport.ServerContext;
import dev.ferry.server.transport.WebSocketOutbound;
import dev.ferry.server.websocket.PlainWebSocketHandler;
import dev.ferry.server.websocket.TextPayloads;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.EventExecutor;
import java.nio.charset.StandardCharsets;

/**
 * A per-topic socket ({@code /v1/topics/a/b/c}): a plain WebSocket bound to one topic or pattern
 * (docs/web.md, "Per-topic sockets"). It is subscribed from the moment it opens; a text message publishes its
 * text (mapped by {@link TextPayloads}), a binary message its bytes. Deliveries are the publication's text, or
 * its bytes as a binary message. A socket bound to a pattern only receives: sending on it closes it with 4004.
 * The upgrade is authenticated and needs the {@code subscribe} permission on the path's topic (else 403
 * {@code forbidden}); sending needs {@code publish} on it (else close 4006). A publication refused because the
 * node holds {@code limits.max-topics} topics closes the socket with 1013, reason {@code too_many_topics: ...}.
 * Event loop only, like its base class.
 */
public final class TopicSocketHandler extends PlainWebSocketHandler implements Subscriber {
    private final String pattern;
    private final boolean subscribeOnly;

    // ---- event loop only
    private WebSocketOutbound out;
    private EventExecutor executor;
    private boolean subscribed;

    public TopicSocketHandler(ServerContext server, String pattern, AccessScope scope) {
        super(server, scope);
        this.pattern = pattern;
        this.subscribeOnly = Topics.hasWildcard(pattern);
    }

    @Override
    protected void opened(ChannelHandlerContext ctx, WebSocketOutbound out) {
        this.out = out;
        this.executor = ctx.executor();
        server.hub().subscribe(pattern, this);
        subscribed = true;
    }

    @Override
    protected void onText(String text) {
        if (refusedSubscribeOnly()) {
            return;
        }
        server.hub().publish(pattern, TextPayloads.fromText(text)).whenComplete(this::published);
    }

    @Override
    protected void onBinary(byte[] bytes) {
        if (refusedSubscribeOnly()) {
            return;
        }
        server.hub().publish(pattern, Payload.binary(bytes)).whenComplete(this::published);
    }

    /**
     * A publication the node has no room for (it holds {@code limits.max-topics} topics) closes the socket with
     * 1013 (try again later): this socket has no other way to say that nothing was published.
     */
    private void published(Long offset, Throwable failure) {
        if (dev.ferry.server.engine.TooManyTopicsException.in(failure) != null) {
            executor.execute(() -> out.close(CloseCodes.TRY_AGAIN_LATER, "too_many_topics: limits.max-topics reached"));
        }
    }

    private boolean refusedSubscribeOnly() {
        if (subscribeOnly) {
            out.close(CloseCodes.SUBSCRIBE_ONLY, "subscribe-only: " + (pattern.length() <= 80 ? pattern : "pattern") + " is a pattern");
            return true;
        }
        if (!scope.check(Action.PUBLISH, pattern).allowed()) {
            server.security().counters().forbidden();
            out.close(CloseCodes.FORBIDDEN, "forbidden: publish on " + (pattern.length() <= 80 ? pattern : "this topic"));
            return true;
        }
        return false;
    }

    @Override
    public EventExecutor executor() {
        return executor;
    }

    @Override
    public void deliver(ByteBuf frame, boolean binary) {
        Frame.Msg msg;
        try {
            if (!subscribed) {
                return;
            }
            msg = TextPayloads.decodeMsg(frame, binary);
        } finally {
            frame.release();
        }
        if (msg.data().isBinary()) {
            out.send(Unpooled.wrappedBuffer(msg.data().bytes()), true);
        } else {
            out.send(Unpooled.copiedBuffer(TextPayloads.toText(msg.data()), StandardCharsets.UTF_8), false);
        }
    }

    @Override
    protected void closed() {
        if (subscribed) {
            subscribed = false;
            server.hub().unsubscribe(pattern, this);
        }
    }
}
