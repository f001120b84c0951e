package dev.ferry.server.topics;

import dev.ferry.protocol.CloseCodes;
import dev.ferry.protocol.Payload;
import dev.ferry.protocol.Topics;
import dev.ferry.server.auth.AccessScope;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.server.connection.Connection;
import dev.ferry.server.connection.Refusal;
import dev.ferry.server.connection.Transport;
import dev.ferry.server.hub.Delivery;
import dev.ferry.server.websocket.WebSocketServices;
import dev.ferry.server.transport.WebSocketOutbound;
import dev.ferry.server.websocket.PlainWebSocketHandler;
import dev.ferry.server.websocket.TextPayloads;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.EventExecutor;

/**
 * A per-topic socket ({@code /v1/topics/a/b/c}): a plain WebSocket bound to one topic or pattern
 * (docs/web.md, "Per-topic sockets"). It is subscribed from the moment it opens; a text message publishes its
 * text (mapped by {@link TextPayloads}), a binary message its bytes. Deliveries are the publication's text, or
 * its bytes as a binary message. A socket bound to a pattern only receives: sending on it closes it with 4004.
 * The upgrade is authenticated and needs the {@code subscribe} permission on the path's topic (else 403
 * {@code forbidden}); sending needs {@code publish} on it (else close 4006). A publication refused because the
 * node holds {@code limits.max-topics} topics closes the socket with 1013, reason {@code too_many_topics: ...}; one
 * beyond {@code limits.publish-rate} closes it with 4010, reason {@code rate limit exceeded: publish}. Subscribing
 * and publishing go through the socket's {@link Connection}, which applies those rules as for every transport.
 * A reload that takes away the {@code subscribe} permission on the socket's topic closes it with 4006, reason
 * {@code forbidden: <topic>}. A subscribe hook on the socket's pattern (docs/hooks.md) is asked as the socket opens,
 * and the upgrade is answered once it has answered: its refusal closes the socket at once with 4006, reason
 * {@code subscribe_refused: <reason>}, no answer from it with 1013, reason {@code hook_unavailable: ...}. Event
 * loop only, like its base class.
 */
public final class TopicSocketHandler extends PlainWebSocketHandler implements Transport {
    private final String pattern;
    private final boolean subscribeOnly;

    // ---- event loop only
    private WebSocketOutbound out;
    private Connection connection;
    /** Completes once the socket's subscription is made or refused, or the channel closed: the 101 waits for it. */
    private final java.util.concurrent.CompletableFuture<Void> subscribing = new java.util.concurrent.CompletableFuture<>();

    public TopicSocketHandler(WebSocketServices server, String pattern, AccessScope scope) {
        super(server, scope);
        this.pattern = pattern;
        this.subscribeOnly = Topics.hasWildcard(pattern);
    }

    @Override
    protected void onOpen(ChannelHandlerContext ctx, WebSocketOutbound out) {
        this.out = out;
        this.connection = server.sessions().connection(scope, this, () -> false); // the upgrade admitted it; draining closes it
        // subscribed before the 101 is written: with a subscribe hook on the pattern, the 101 waits for its answer
        connection.subscribeLive(pattern, r -> {
            subscribed(r);
            subscribing.complete(null);
        });
    }

    @Override
    protected java.util.concurrent.CompletionStage<?> answerAfter() {
        return subscribing;
    }

    /**
     * The subscription was made ({@code r} null) or refused: a refusal of the subscribe hook closes the socket with
     * 4006, reason {@code subscribe_refused: <the application's reason>}, one with no answer from the hook with 1013,
     * reason {@code hook_unavailable: ...}; any other with 4006, reason {@code <code>: <pattern>}.
     */
    private void subscribed(Refusal r) {
        if (r == null) {
            return;
        }
        if (r.code() == ErrorCode.SUBSCRIBE_REFUSED) {
            out.close(CloseCodes.FORBIDDEN, closeReason(r.code().wire() + ": " + r.message()));
        } else if (r.code() == ErrorCode.HOOK_UNAVAILABLE) {
            out.close(CloseCodes.TRY_AGAIN_LATER, closeReason(r.code().wire() + ": " + r.message()));
        } else {
            out.close(CloseCodes.FORBIDDEN, r.code().wire() + ": " + shortPattern());
        }
    }

    @Override
    public String kind() {
        return "topic";
    }

    @Override
    protected void onText(String text) {
        publish(TextPayloads.fromText(text));
    }

    @Override
    protected void onBinary(byte[] bytes) {
        publish(Payload.binary(bytes));
    }

    private void publish(Payload data) {
        if (subscribeOnly) {
            out.close(CloseCodes.SUBSCRIBE_ONLY, "subscribe-only: " + shortPattern() + " is a pattern");
            return;
        }
        Refusal r = connection.publish(pattern, data, this::published);
        if (r == null) {
            return;
        }
        if (r.code() == ErrorCode.RATE_LIMITED) {
            out.close(CloseCodes.RATE_LIMIT_EXCEEDED, "rate limit exceeded: publish");
        } else if (r.code() == ErrorCode.INVALID_PAYLOAD || r.code() == ErrorCode.BAD_TAGS) {
            out.close(CloseCodes.INVALID_PAYLOAD_DATA, closeReason(r.code().wire() + ": " + r.message()));
        } else {
            out.close(CloseCodes.FORBIDDEN, "forbidden: publish on " + (pattern.length() <= 80 ? pattern : "this topic"));
        }
    }

    /** {@code reason} cut to the 123 bytes of UTF-8 a close frame holds, at a character boundary. */
    static String closeReason(String reason) {
        return CloseCodes.reason(reason);
    }

    private String shortPattern() {
        return pattern.length() <= 80 ? pattern : "pattern";
    }

    /**
     * A publication the node has no room for (it holds {@code limits.max-topics} topics) closes the socket with
     * 1013 (try again later): this socket has no other way to say that nothing was published.
     */
    private void published(Object published, Throwable failure) {
        Refusal byHook = dev.ferry.server.connection.HookRefusal.in(failure);
        if (byHook != null) {
            executor().execute(() -> out.close(byHook.code() == ErrorCode.HOOK_UNAVAILABLE || byHook.code() == ErrorCode.RATE_LIMITED
                    ? CloseCodes.TRY_AGAIN_LATER
                    : CloseCodes.FORBIDDEN, closeReason(byHook.code().wire() + ": " + byHook.message())));
        } else if (dev.ferry.server.engine.TooManyTopicsException.in(failure) != null) {
            executor().execute(() -> out.close(CloseCodes.TRY_AGAIN_LATER, "too_many_topics: limits.max-topics reached"));
        }
    }

    @Override
    public EventExecutor executor() {
        return out.executor();
    }

    /** A publication: its text as a text message, or its bytes as a binary one, encoded once per event loop. */
    @Override
    public void deliver(Delivery d) {
        ByteBuf shared = d.encoded(TextPayloads.PLAIN, TextPayloads::encode);
        ByteBuf deflated = out.deflated(d, TextPayloads.PLAIN, shared, d.msg().data().isBinary());
        if (deflated != null) {
            out.sendFramed(deflated.retain(), shared.readableBytes(), null); // compressed: never joined to others
        } else {
            out.send(shared.retainedDuplicate(), d.msg().data().isBinary());
        }
    }

    @Override
    public void write(ByteBuf frame, boolean binary) {
        frame.release(); // a per-topic socket gets publications only
    }

    /**
     * A reload took away the {@code subscribe} permission on the socket's topic: it is closed with 4006, reason
     * {@code forbidden: <topic>}, as an upgrade would now be refused; otherwise nothing changes.
     */
    @Override
    public void permissionsChanged(Connection c) {
        boolean[] revoked = {false};
        connection.dropRevoked((p, refusal) -> revoked[0] = true);
        if (revoked[0]) {
            out.close(CloseCodes.FORBIDDEN, "forbidden: " + shortPattern());
        }
    }

    @Override
    public void close(int code, String reason) {
        out.close(code, reason);
    }

    @Override
    protected void closed() {
        subscribing.complete(null);
        if (connection != null) {
            connection.closed();
        }
    }

    @Override
    protected dev.ferry.server.connection.Connection connection() {
        return connection;
    }
}
