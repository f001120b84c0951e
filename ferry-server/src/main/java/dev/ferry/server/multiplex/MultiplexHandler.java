package dev.ferry.server.multiplex;

import dev.ferry.protocol.CloseCodes;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Payload;
import dev.ferry.protocol.Topics;
import dev.ferry.server.auth.AccessScope;
import dev.ferry.server.connection.Connection;
import dev.ferry.server.connection.Refusal;
import dev.ferry.server.connection.Transport;
import dev.ferry.server.transport.HttpResponses;
import dev.ferry.server.hub.Delivery;
import dev.ferry.server.websocket.WebSocketServices;
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
 *       Opening an open channel (or one still opening) does nothing. A subscribe hook on the topic
 *       (docs/hooks.md) is asked first: the channel opens once it allows, and its refusal is a refusal of the
 *       channel ({@code subscribe_refused}, {@code hook_unavailable}); until then the channel is not open.</li>
 *   <li>{@code msg,<channel>,<data>} publishes {@code data} (mapped by {@link TextPayloads}) to the channel's
 *       topic; the channel must be open and must not be a pattern.</li>
 *   <li>{@code uns,<channel>} closes a channel, or gives up one still opening; closing one that is neither does
 *       nothing.</li>
 *   <li>A refused channel operation is answered {@code err,<channel>,{"code","message"}} followed by
 *       {@code uns,<channel>}, which closes the channel in any websocket-multiplex client (they ignore {@code err}).</li>
 *   <li>The upgrade is authenticated like ferry.v1's; {@code sub} needs the {@code subscribe} permission on the
 *       channel's topic and {@code msg} the {@code publish} permission; a denial is a refusal with code
 *       {@code forbidden} and {@code data: {"action","topic"}}.</li>
 *   <li>A publication refused because the node holds {@code limits.max-topics} topics is a refusal with code
 *       {@code too_many_topics}; one beyond {@code limits.publish-rate} with code {@code rate_limited} and
 *       {@code data: {"action":"publish"}}.</li>
 *   <li>A reload of the server's configuration that takes away the {@code subscribe} permission on a channel's
 *       topic closes the channel the same way: {@code err,<channel>,{"code":"forbidden",...}} then
 *       {@code uns,<channel>}.</li>
 *   <li>A frame of none of the three shapes closes the socket with 4003, a binary message with 1003.</li>
 *   <li>Ferry's binary extension, for a socket opened with {@code ?binary} in its URL: a binary message
 *       {@code msg,<channel>,} followed by bytes publishes the bytes, and binary publications are delivered in
 *       the same form (without it they are not delivered: websocket-multiplex clients expect text only).</li>
 * </ul>
 * The channels are the subscriptions of the socket's {@link Connection}, which admits them (and publications) as
 * for every transport; the hub delivers a publication once, and each open channel that matches it writes it.
 * Event loop only, like its base class.
 */
public final class MultiplexHandler extends PlainWebSocketHandler implements Transport {
    /** Whether binary messages are carried ({@code ?binary} in the upgrade's URL). */
    private final boolean carriesBinary;

    // ---- event loop only
    /** Open channels by name, in the order they were opened. */
    private final Map<String, Channel> channels = new LinkedHashMap<>();
    /**
     * Channels asked for whose subscription waits for the subscribe hook: name to the request, so that an answer
     * for a request given up (by {@code uns}) and asked again is not taken for the newer one.
     */
    private final Map<String, Object> opening = new java.util.HashMap<>();
    private WebSocketOutbound out;
    private Connection connection;

    public MultiplexHandler(WebSocketServices server, AccessScope scope, boolean binary) {
        super(server, scope);
        this.carriesBinary = binary;
    }

    /**
     * One open channel. Channels with the same topic share one subscription of the connection, so that each of
     * them still receives a publication once.
     */
    private static final class Channel {
        /** The name as the client sent it, used in every frame back. */
        final String name;
        /** The topic or pattern the name stands for ({@link MultiplexFrame#topicOf}). */
        final String topic;
        final boolean pattern;
        final ByteBuf prefix;

        Channel(String name, String topic) {
            this.name = name;
            this.topic = topic;
            this.pattern = Topics.hasWildcard(topic);
            this.prefix = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(
                    (MultiplexFrame.MSG + "," + name + ",").getBytes(StandardCharsets.UTF_8)));
        }
    }

    @Override
    protected void onOpen(ChannelHandlerContext ctx, WebSocketOutbound out) {
        this.out = out;
        this.connection = server.sessions().connection(scope, this, server.sessions()::draining);
    }

    @Override
    public String kind() {
        return "multiplex";
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
            case MultiplexFrame.MSG -> publish(f.channel(), TextPayloads.fromText(f.data()));
            default -> unsubscribe(f.channel());
        }
    }

    /** With the binary extension, {@code msg,<channel>,<bytes>} publishes the bytes; else closes with 1003. */
    @Override
    protected void onBinary(byte[] bytes) {
        if (!carriesBinary) {
            out.close(CloseCodes.UNSUPPORTED_DATA, "multiplex frames are text (open the socket with ?binary for binary)");
            return;
        }
        int c1 = indexOf(bytes, 0);
        int c2 = c1 < 0 ? -1 : indexOf(bytes, c1 + 1);
        if (c2 < 0 || c1 != MultiplexFrame.MSG.length()
                || !new String(bytes, 0, c1, StandardCharsets.US_ASCII).equals(MultiplexFrame.MSG) || c2 == c1 + 1) {
            out.close(CloseCodes.BAD_MULTIPLEX_FRAME, "bad multiplex frame: a binary message is msg,<channel>,<bytes>");
            return;
        }
        publish(new String(bytes, c1 + 1, c2 - c1 - 1, StandardCharsets.UTF_8),
                Payload.binary(java.util.Arrays.copyOfRange(bytes, c2 + 1, bytes.length)));
    }

    /** The index of the first comma at or after {@code from}, or -1. */
    private static int indexOf(byte[] bytes, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == ',') {
                return i;
            }
        }
        return -1;
    }

    private void subscribe(String name) {
        if (channels.containsKey(name) || opening.containsKey(name)) {
            return;
        }
        String topic = MultiplexFrame.topicOf(name);
        String why = Topics.checkPattern(topic);
        if (why != null) {
            refuse(name, ErrorCode.BAD_TOPIC.wire(), "channel name: " + why, null);
            return;
        }
        int open = channels.size() + opening.size();
        if (!connection.holds(topic) && open >= connection.admission().maxSubscriptions()) {
            Refusal r = connection.admitSubscribe(topic);
            refuse(name, r != null ? r : connection.admission().roomFor(open));
            return;
        }
        Object request = new Object();
        opening.put(name, request);
        // the channel opens once the subscription is made: with a subscribe hook on the topic, once it allowed it
        connection.subscribeLive(topic, r -> {
            if (!opening.remove(name, request)) { // given up by uns,<channel> meanwhile
                if (r == null && !channelFor(topic)) {
                    connection.unsubscribe(topic);
                }
                return;
            }
            if (r != null) {
                refuse(name, r);
                return;
            }
            channels.put(name, new Channel(name, topic));
            out.send(Unpooled.copiedBuffer(MultiplexFrame.SUB + "," + name, StandardCharsets.UTF_8), false);
        });
    }

    /** Whether an open channel, or one opening, stands for {@code topic}. */
    private boolean channelFor(String topic) {
        for (Channel c : channels.values()) {
            if (c.topic.equals(topic)) {
                return true;
            }
        }
        for (String name : opening.keySet()) {
            if (MultiplexFrame.topicOf(name).equals(topic)) {
                return true;
            }
        }
        return false;
    }

    private void publish(String name, Payload data) {
        Channel c = channels.get(name);
        if (c == null) {
            refuse(name, "unknown_channel", "channel \"" + name + "\" is not open (send sub," + name + " first)", null);
            return;
        }
        if (c.pattern) {
            unsubscribe(name);
            refuse(name, ErrorCode.BAD_TOPIC.wire(), "channel \"" + name + "\" is a pattern: it receives, it cannot publish", null);
            return;
        }
        Refusal r = connection.publish(c.topic, data, (published, failure) -> {
            var full = dev.ferry.server.engine.TooManyTopicsException.in(failure);
            Refusal byHook = dev.ferry.server.connection.HookRefusal.in(failure);
            if (byHook != null) {
                executor().execute(() -> {
                    if (!connection.isClosed()) {
                        unsubscribe(name);
                        refuse(name, byHook);
                    }
                });
            } else if (full != null) {
                executor().execute(() -> {
                    if (!connection.isClosed()) {
                        unsubscribe(name);
                        refuse(name, ErrorCode.TOO_MANY_TOPICS.wire(), full.getMessage(), null);
                    }
                });
            }
        });
        if (r != null) {
            unsubscribe(name);
            refuse(name, r);
        }
    }

    private void unsubscribe(String name) {
        if (opening.remove(name) != null) {
            return; // its subscription, once made, is undone unless another channel stands for the topic
        }
        Channel c = channels.remove(name);
        if (c == null) {
            return;
        }
        if (!channelFor(c.topic)) {
            connection.unsubscribe(c.topic);
        }
    }

    @Override
    public EventExecutor executor() {
        return out.executor();
    }

    /**
     * A publication: {@code msg,<channel>,<text>} on every open channel whose topic matches it. The text is made
     * once per event loop; binary publications have no text form, so only a socket with the binary extension
     * receives them, as binary messages {@code msg,<channel>,<bytes>}.
     */
    @Override
    public void deliver(Delivery d) {
        boolean binary = d.msg().data().isBinary();
        if (binary && !carriesBinary) {
            return;
        }
        ByteBuf payload = d.encoded(TextPayloads.PLAIN, TextPayloads::encode); // shared by the loop
        String topic = d.msg().topic();
        for (Channel c : channels.values()) {
            if (Topics.matches(c.topic, topic)) {
                out.send(Unpooled.wrappedBuffer(c.prefix.duplicate(), payload.retainedDuplicate()), binary);
            }
        }
    }

    @Override
    public void write(ByteBuf frame, boolean binary) {
        frame.release(); // a multiplexer gets publications only
    }

    @Override
    public void close(int code, String reason) {
        out.close(code, reason);
    }

    /**
     * A reload revoked some subscriptions: every channel standing for a revoked topic or pattern is closed with
     * {@code err,<channel>,{"code":"forbidden",...}} then {@code uns,<channel>}; the other channels go on.
     */
    @Override
    public void permissionsChanged(Connection c) {
        connection.dropRevoked((topic, refusal) -> {
            for (Channel ch : java.util.List.copyOf(channels.values())) {
                if (ch.topic.equals(topic)) {
                    channels.remove(ch.name);
                    refuse(ch.name, refusal);
                }
            }
        });
    }

    /** A refusal of the core, as {@code err} then {@code uns}. */
    private void refuse(String name, Refusal r) {
        refuse(name, r.code().wire(), r.message(), r.dataBytes());
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
        channels.clear();
        opening.clear();
        if (connection != null) {
            connection.closed();
        }
    }

    static String reason(String s) {
        return CloseCodes.reason(s);
    }

    @Override
    protected dev.ferry.server.connection.Connection connection() {
        return connection;
    }
}
