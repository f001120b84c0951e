package dev.ferry.server.multiplex;

import dev.ferry.protocol.CloseCodes;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.Topics;
import dev.ferry.server.auth.AccessScope;
import dev.ferry.server.auth.Action;
import dev.ferry.server.auth.Decision;
import dev.ferry.server.http.HttpResponses;
import dev.ferry.server.http.TransportAuth;
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
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The multiplexer at {@code /v1/multiplex}: the SockJS websocket-multiplex protocol over a plain WebSocket, one
 * Ferry subscription per channel (docs/web.md, "Multiplexer").
 *
 * <ul>
 *   <li>{@code sub,<channel>} opens a channel: the channel name (after JavaScript {@code unescape}, see
 *       {@link MultiplexFrame#topicOf}) is a topic or pattern, subscribed as such;
 *       the server answers {@code sub,<channel>} once the subscription is made (websocket-multiplex clients ignore
 *       frame types they do not know), then publications matching it arrive as {@code msg,<channel>,<text>}.
 *       Opening an open channel does nothing.</li>
 *   <li>{@code msg,<channel>,<data>} publishes {@code data} (mapped by {@link TextPayloads}) to the channel's
 *       topic; the channel must be open and must not be a pattern.</li>
 *   <li>{@code uns,<channel>} closes a channel; closing one that is not open does nothing.</li>
 *   <li>A refused channel operation is answered {@code err,<channel>,{"code","message"}} followed by
 *       {@code uns,<channel>}, which closes the channel in any websocket-multiplex client (they ignore {@code err}).</li>
 *   <li>The upgrade is authenticated like ferry.v1's; {@code sub} needs the {@code subscribe} permission on the
 *       channel's topic and {@code msg} the {@code publish} permission; a denial is a refusal with code
 *       {@code forbidden} and {@code data: {"action","topic"}}.</li>
 *   <li>A publication refused because the node holds {@code limits.max-topics} topics is a refusal with code
 *       {@code too_many_topics}.</li>
 *   <li>A frame of none of the three shapes closes the socket with 4003, a binary message with 1003.</li>
 * </ul>
 * Event loop only, like its base class.
 */
public final class MultiplexHandler extends PlainWebSocketHandler {
    /** Largest close reason: RFC 6455 §5.5 limits a control frame's payload to 125 bytes, 2 of them the code. */
    private static final int MAX_REASON_BYTES = 123;

    // ---- event loop only
    private final Map<String, Channel> channels = new LinkedHashMap<>();
    private WebSocketOutbound out;
    private EventExecutor executor;
    private boolean closed;

    public MultiplexHandler(ServerContext server, AccessScope scope) {
        super(server, scope);
    }

    /** One open channel: a subscriber of its own, so that overlapping channels each receive a publication. */
    private final class Channel implements Subscriber {
        /** The name as the client sent it, used in every frame back. */
        final String name;
        /** The topic or pattern the name stands for ({@link MultiplexFrame#topicOf}). */
        final String topic;
        final boolean pattern;
        final byte[] prefix;

        Channel(String name, String topic) {
            this.name = name;
            this.topic = topic;
            this.pattern = Topics.hasWildcard(topic);
            this.prefix = (MultiplexFrame.MSG + "," + name + ",").getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public EventExecutor executor() {
            return executor;
        }

        @Override
        public void deliver(ByteBuf frame, boolean binary) {
            Frame.Msg msg;
            try {
                if (closed || channels.get(name) != this) {
                    return;
                }
                msg = TextPayloads.decodeMsg(frame, binary);
            } finally {
                frame.release();
            }
            String text = TextPayloads.toText(msg.data());
            if (text != null) { // binary publications have no text form: multiplex channels do not receive them
                byte[] data = text.getBytes(StandardCharsets.UTF_8);
                out.send(Unpooled.wrappedBuffer(prefix, data), false);
            }
        }
    }

    @Override
    protected void opened(ChannelHandlerContext ctx, WebSocketOutbound out) {
        this.out = out;
        this.executor = ctx.executor();
    }

    @Override
    protected void onText(String text) {
        MultiplexFrame f;
        try {
            f = MultiplexFrame.parse(text);
        } catch (MultiplexFrame.MalformedException e) {
            out.close(CloseCodes.BAD_MULTIPLEX_FRAME, reason("bad multiplex frame: " + e.getMessage()));
            return;
        }
        switch (f.type()) {
            case MultiplexFrame.SUB -> subscribe(f.channel());
            case MultiplexFrame.MSG -> publish(f.channel(), f.data());
            default -> unsubscribe(f.channel());
        }
    }

    @Override
    protected void onBinary(byte[] bytes) {
        out.close(CloseCodes.UNSUPPORTED_DATA, "multiplex frames are text");
    }

    private void subscribe(String name) {
        if (channels.containsKey(name)) {
            return;
        }
        String topic = MultiplexFrame.topicOf(name);
        String why = Topics.checkPattern(topic);
        if (why != null) {
            refuse(name, ErrorCode.BAD_TOPIC.wire(), "channel name: " + why);
            return;
        }
        if (server.draining()) {
            refuse(name, ErrorCode.SHUTTING_DOWN.wire(), "the server is shutting down");
            return;
        }
        Decision d = scope.check(Action.SUBSCRIBE, topic);
        if (!d.allowed()) {
            forbidden(name, d, Action.SUBSCRIBE, topic);
            return;
        }
        int max = server.config().websocket().maxSubscriptions();
        if (channels.size() >= max) {
            refuse(name, ErrorCode.TOO_MANY_SUBSCRIPTIONS.wire(),
                    "this connection already has " + max + " channels open (websocket.max-subscriptions)");
            return;
        }
        Channel c = new Channel(name, topic);
        channels.put(name, c);
        server.hub().subscribe(topic, c);
        out.send(Unpooled.copiedBuffer(MultiplexFrame.SUB + "," + name, StandardCharsets.UTF_8), false);
    }

    private void publish(String name, String data) {
        Channel c = channels.get(name);
        if (c == null) {
            refuse(name, "unknown_channel", "channel \"" + name + "\" is not open (send sub," + name + " first)");
            return;
        }
        if (c.pattern) {
            unsubscribe(name);
            refuse(name, ErrorCode.BAD_TOPIC.wire(), "channel \"" + name + "\" is a pattern: it receives, it cannot publish");
            return;
        }
        Decision d = scope.check(Action.PUBLISH, c.topic);
        if (!d.allowed()) {
            unsubscribe(name);
            forbidden(name, d, Action.PUBLISH, c.topic);
            return;
        }
        server.hub().publish(c.topic, TextPayloads.fromText(data)).whenComplete((offset, failure) -> {
            var full = dev.ferry.server.engine.TooManyTopicsException.in(failure);
            if (full != null) {
                executor.execute(() -> {
                    if (!closed) {
                        unsubscribe(name);
                        refuse(name, ErrorCode.TOO_MANY_TOPICS.wire(), full.getMessage());
                    }
                });
            }
        });
    }

    private void unsubscribe(String name) {
        Channel c = channels.remove(name);
        if (c != null) {
            server.hub().unsubscribe(c.topic, c);
        }
    }

    /** A permission denial: {@code err,<channel>,{"code":"forbidden",...,"data":{"action","topic"}}}, then {@code uns}. */
    private void forbidden(String name, Decision d, Action action, String topic) {
        server.security().counters().forbidden();
        refuse(name, ErrorCode.FORBIDDEN.wire(), d.reason(), TransportAuth.forbiddenData(action, topic));
    }

    private void refuse(String name, String code, String message) {
        refuse(name, code, message, null);
    }

    /** {@code err,<channel>,<json>} then {@code uns,<channel>}: the channel is (or stays) closed. */
    private void refuse(String name, String code, String message, byte[] data) {
        String err = MultiplexFrame.ERR + "," + name + ","
                + new String(HttpResponses.errorBody(code, message, data), StandardCharsets.UTF_8);
        out.send(Unpooled.copiedBuffer(err, StandardCharsets.UTF_8), false);
        out.send(Unpooled.copiedBuffer(MultiplexFrame.UNS + "," + name, StandardCharsets.UTF_8), false);
    }

    @Override
    protected void closed() {
        closed = true;
        for (Channel c : channels.values()) {
            server.hub().unsubscribe(c.topic, c);
        }
        channels.clear();
    }

    static String reason(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length <= MAX_REASON_BYTES) {
            return s;
        }
        int n = MAX_REASON_BYTES - 3;
        while (n > 0 && (b[n] & 0xC0) == 0x80) {
            n--; // do not cut a UTF-8 sequence
        }
        return new String(b, 0, n, StandardCharsets.UTF_8) + "...";
    }
}
