package dev.ferry.server.topics;

import dev.ferry.protocol.CloseCodes;
import dev.ferry.server.auth.AccessScope;
import dev.ferry.server.hub.TopicIndex;
import dev.ferry.server.websocket.WebSocketServices;
import dev.ferry.server.transport.WebSocketOutbound;
import dev.ferry.server.websocket.PlainWebSocketHandler;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * An index socket ({@code /v1/index/a/b}): a plain WebSocket that sends the topic index of one prefix, then its
 * changes (docs/web.md, "Index socket"). The first message is the index as {@code GET /v1/topics/a/b} answers it,
 * with {@code "type":"index"}; then, each {@link #INTERVAL}, a {@code "type":"change"} message when the index
 * differs from the last one sent ({@link TopicIndex#changeSince}). Like the other index endpoints it shows only
 * the topics and patterns the client may subscribe to.
 *
 * <p>Memory is bounded per socket: the last index sent (at most {@link TopicIndex#MAX_CHILDREN} children) and at
 * most one message waiting to be written. While a message waits (the client reads slowly), the socket skips its
 * turns and the changes meanwhile are sent together in the next message. The socket only receives: a message from
 * the client closes it with 4004. Event loop only, like its base class.
 */
public final class IndexSocketHandler extends PlainWebSocketHandler {
    /** The path of the root's index socket; a prefix's is {@code ROOT + "/a/b"}. */
    public static final String ROOT = "/v1/index";
    /** How often the index is compared with the last one sent. */
    public static final Duration INTERVAL = Duration.ofSeconds(1);

    private final String prefix;

    // ---- event loop only
    private WebSocketOutbound out;
    private Channel channel;
    private TopicIndex sent;
    private ScheduledFuture<?> turns;
    /** What the client may see: the upgrade's scope, or the refresh hook's since. */
    private AccessScope current;

    public IndexSocketHandler(WebSocketServices server, String prefix, AccessScope scope) {
        super(server, scope);
        this.prefix = prefix;
        this.current = scope;
    }

    @Override
    protected void onOpen(ChannelHandlerContext ctx, WebSocketOutbound out) {
        this.out = out;
        this.channel = ctx.channel();
        sent = read();
        byte[] json = sent.toJson();
        out.send(Unpooled.wrappedBuffer("{\"type\":\"index\",".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                java.util.Arrays.copyOfRange(json, 1, json.length)), false);
        long every = INTERVAL.toNanos();
        turns = server.sessions().clock().scheduleAtFixedRate(ctx.executor(), this::turn, every, TimeUnit.NANOSECONDS);
    }

    /** Sends what changed since the last index sent, unless a message still waits to be written. */
    private void turn() {
        if (out.queuedBytes() > 0 || !channel.isWritable()) {
            return;
        }
        TopicIndex now = read();
        byte[] change = now.changeSince(sent);
        if (change != null) {
            sent = now;
            out.send(Unpooled.wrappedBuffer(change), false);
        }
    }

    private TopicIndex read() {
        return server.sessions().hub().index(prefix, TopicIndex.MAX_CHILDREN, current::maySubscribe, current::maySubscribeAtOrBelow)
                .classified(server.sessions().events()::className);
    }

    @Override
    protected String kind() {
        return "index";
    }

    /** The refresh hook extended the identity: the next turns list what its new grants show. */
    @Override
    protected void refreshed(dev.ferry.server.auth.Identity next) {
        current = server.sessions().security().permissions().scope(next);
    }

    @Override
    protected void onText(String text) {
        refuseMessage();
    }

    @Override
    protected void onBinary(byte[] bytes) {
        refuseMessage();
    }

    private void refuseMessage() {
        out.close(CloseCodes.SUBSCRIBE_ONLY, "receive-only: an index socket takes no messages");
    }

    @Override
    protected void closed() {
        if (turns != null) {
            turns.cancel(false);
        }
    }
}
