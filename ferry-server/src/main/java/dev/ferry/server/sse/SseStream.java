package dev.ferry.server.sse;

import dev.ferry.protocol.Frame;
import dev.ferry.protocol.FrameCodec;
import dev.ferry.protocol.Topics;
import dev.ferry.server.auth.AccessScope;
import dev.ferry.server.connection.Connection;
import dev.ferry.server.connection.Transport;
import dev.ferry.server.filter.Filter;
import dev.ferry.server.hub.Delivery;
import dev.ferry.server.hub.Hub;
import dev.ferry.server.transport.EventStreamQueue;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.EventExecutor;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code GET /v1/sse} stream: subscribed to the requested patterns, it writes each publication as an event
 * whose id holds the position of every topic seen so far ({@link EventId}), so that a client reconnecting with
 * {@code Last-Event-ID} is resumed topic by topic with no gap and no duplicate.
 *
 * <p>Its patterns are the subscriptions of its {@link Connection}, which admits them ({@link #connection()}, before
 * the stream is taken over) and hands it the hub's deliveries.
 *
 * <p>Lifecycle: made and admitted, {@link #attach} once the response is the stream's, {@link #start} once, then
 * deliveries, then {@link #closed()} exactly once when the channel closes. Event loop only: every method runs on
 * the channel's event loop (the hub hops onto it to deliver).
 */
final class SseStream implements Transport {
    private static final Logger log = LoggerFactory.getLogger(SseStream.class);

    private final SseServices server;
    private final EventExecutor executor;
    private final List<String> patterns;
    private final Connection connection;

    // ---- event loop only
    private ChannelHandlerContext ctx;
    private EventStreamQueue queue;
    /** Last position sent per topic, least recently delivered first. */
    private final LinkedHashMap<String, Frame.Position> positions = new LinkedHashMap<>(16, 0.75f, true);
    private ScheduledFuture<?> heartbeat;
    private boolean closed;
    /** The response head (200, text/event-stream) is written: the stream can no longer be refused with a status. */
    private boolean headSent;
    /** A subscribe hook refused a pattern before the head was written, and the request was answered with it. */
    private boolean refused;
    /** Publications that arrive before {@code ready} is written (replays, live ones); null once it is. */
    private List<Early> early = new ArrayList<>();

    private record Early(Frame.Msg msg, boolean lossy) {
    }

    SseStream(SseServices server, AccessScope scope, EventExecutor executor, List<String> patterns) {
        this.server = server;
        this.executor = executor;
        this.patterns = patterns;
        this.connection = server.sessions().connection(scope, this, server.sessions()::draining);
    }

    @Override
    public String kind() {
        return "sse";
    }

    @Override
    public String clientAddress() {
        return ctx == null ? null : dev.ferry.server.connection.Connections.address(ctx.channel().remoteAddress());
    }

    @Override
    public long queuedBytes() {
        return queue == null ? 0 : queue.queuedBytes();
    }

    /** The stream's connection core: admits its patterns before the stream is taken over. */
    Connection connection() {
        return connection;
    }

    /** The response is the stream's: events go to {@code queue} on {@code ctx}. Called once, before {@link #start}. */
    void attach(ChannelHandlerContext ctx, EventStreamQueue queue) {
        this.ctx = ctx;
        this.queue = queue;
    }

    @Override
    public EventExecutor executor() {
        return executor;
    }

    /**
     * Subscribes every pattern, resuming the topics listed in {@code since} (each with the first pattern that
     * matches it; entries that match none are dropped) and, for a concrete topic not listed, from where it stands
     * now; once every pattern has answered, writes {@code ready} (whose id holds every starting position), a
     * {@code reset} per topic that could not be recovered, and the replays, then goes live.
     */
    void start(List<Frame.Position> since) {
        start(since, null);
    }

    /** As {@link #start(List)}, every pattern with {@code filter} (null: none). */
    void start(List<Frame.Position> since, Filter filter) {
        assert executor.inEventLoop();
        List<Frame.Position> unassigned = new ArrayList<>(since);
        List<Hub.Recovery> recoveries = new ArrayList<>();
        int[] outstanding = {patterns.size()};
        for (String pattern : patterns) {
            List<Frame.Position> mine = new ArrayList<>();
            for (Iterator<Frame.Position> it = unassigned.iterator(); it.hasNext(); ) {
                Frame.Position p = it.next();
                if (Topics.matches(pattern, p.topic())) {
                    mine.add(p);
                    it.remove();
                }
            }
            // A concrete topic without a position is answered with where it stands now, which the ready event's
            // id records: a stream that drops before its first event still resumes without loss.
            connection.subscribe(pattern, mine, filter, (rs, error) -> {
                if (refused) {
                    return;
                }
                if (error != null) {
                    dev.ferry.server.connection.Refusal byHook = dev.ferry.server.connection.HookRefusal.in(error);
                    if (byHook != null && !headSent) {
                        refuse(byHook);
                        return;
                    }
                    try (var s = dev.ferry.server.connection.ConnectionLog.about(connection)) {
                        log.warn("SSE subscription to {} failed: {}", pattern, error.toString());
                    }
                    ctx.close(); // the client reconnects with Last-Event-ID and resumes
                    return;
                }
                for (int i = 0; i < rs.size(); i++) {
                    Hub.Recovery r = rs.get(i);
                    boolean resumed = !mine.isEmpty() && r.recovered();
                    long offset = resumed ? mine.get(i).offset() : r.offset();
                    positions.put(r.topic(), new Frame.Position(r.topic(), offset, r.epoch()));
                    recoveries.add(mine.isEmpty() ? new Hub.Recovery(r.topic(), true, r.epoch(), r.offset()) : r);
                }
                if (--outstanding[0] == 0) {
                    ready(recoveries);
                }
            });
        }
    }

    /**
     * Every pattern is subscribed: write {@code ready} with the positions the stream starts from, a {@code reset}
     * per topic that could not be recovered, then what arrived meanwhile (replays first), and start the heartbeat.
     */
    private void ready(List<Hub.Recovery> recoveries) {
        head();
        queue.send(SseEvents.event(id(), "ready", readyData(recoveries)));
        for (Hub.Recovery r : recoveries) {
            if (!r.recovered()) {
                queue.send(SseEvents.event(null, "reset", positionJson(r.topic(), r.epoch(), r.offset(), null)));
            }
        }
        List<Early> arrived = early;
        early = null;
        for (Early e : arrived) {
            send(e.msg(), e.lossy());
        }
        long every = server.sessions().config().sse().heartbeatInterval().toMillis();
        heartbeat = server.sessions().clock().scheduleAtFixedRate(ctx.executor(), () -> queue.send(SseEvents.ping()), every,
                TimeUnit.MILLISECONDS);
    }

    /** Writes the response head once, before the first event or the end of the stream. */
    void head() {
        if (!headSent && !refused) {
            headSent = true;
            ctx.write(SseEndpoints.streamHeaders(), ctx.voidPromise());
        }
    }

    /** The server drains: the stream ends (an empty one if nothing was written yet). */
    void goAway() {
        if (!refused) {
            head();
            queue.end();
        }
    }

    /**
     * A subscribe hook refused a topic before the stream started (docs/hooks.md, "subscribe"): the request is
     * answered with the refusal as an HTTP error (403 {@code subscribe_refused}, 502 {@code hook_unavailable}),
     * so that an EventSource stops rather than reconnecting to be refused again.
     */
    private void refuse(dev.ferry.server.connection.Refusal r) {
        refused = true;
        io.netty.handler.codec.http.FullHttpResponse answer =
                dev.ferry.server.transport.HttpResponses.refusal(r.code(), r.message(), r.dataBytes());
        answer.headers().set(io.netty.handler.codec.http.HttpHeaderNames.CONNECTION,
                io.netty.handler.codec.http.HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(answer).addListener(io.netty.channel.ChannelFutureListener.CLOSE);
    }

    /** A recovery could not be completed: end the stream, so that the client reconnects with Last-Event-ID. */
    @Override
    public void fellBehind() {
        if (!closed) {
            ctx.close();
        }
    }

    @Override
    public void deliver(Delivery d) {
        if (closed) {
            return;
        }
        if (early != null) {
            early.add(new Early(d.msg(), d.lossy()));
        } else {
            send(d.msg(), d.lossy());
        }
    }

    /** The stream carries publications only. */
    @Override
    public void write(ByteBuf frame, boolean binary) {
        frame.release();
    }

    /**
     * A reload revoked some of the stream's patterns: each is unsubscribed and announced with
     * {@code event: forbidden}, data {@code {"code":"forbidden","message","data":{"action","topic"}}}; the other
     * patterns go on. A stream left with none ends.
     */
    @Override
    public void permissionsChanged(Connection c) {
        if (closed) {
            return;
        }
        connection.dropRevoked((pattern, refusal) -> {
            if (queue != null) {
                head();
                queue.send(SseEvents.event(null, "forbidden", dev.ferry.server.transport.HttpResponses.errorBody(
                        refusal.code().wire(), refusal.message(), refusal.dataBytes())));
            }
        });
        if (connection.subscriptionCount() == 0 && ctx != null) {
            ctx.close();
        }
    }

    /** An event stream has no close code: the connection ends, and the client reconnects with Last-Event-ID. */
    @Override
    public void close(int code, String reason) {
        if (!closed && ctx != null) {
            ctx.close();
        }
    }

    private void send(Frame.Msg m, boolean lossy) {
        Frame.Position last = positions.get(m.topic());
        if (last != null && m.epoch().equals(last.epoch()) && m.offset() <= last.offset()) {
            return; // already sent: replay and live delivery, or overlapping patterns
        }
        positions.put(m.topic(), new Frame.Position(m.topic(), m.offset(), m.epoch()));
        ByteBuf event = SseEvents.event(id(), null, msgData(m));
        if (lossy) {
            queue.sendDroppable(event);
        } else {
            queue.send(event);
        }
    }

    /** The current id, newest topics first; topics that no longer fit are forgotten. */
    private String id() {
        List<Frame.Position> oldestFirst = new ArrayList<>(positions.values());
        StringBuilder b = new StringBuilder();
        int kept = 0;
        for (int i = oldestFirst.size() - 1; i >= 0; i--) {
            String entry = EventId.entry(oldestFirst.get(i));
            if (b.length() + entry.length() + (b.length() == 0 ? 0 : 1) > EventId.MAX_CHARS) {
                break;
            }
            if (b.length() > 0) {
                b.append(',');
            }
            b.append(entry);
            kept++;
        }
        for (int i = 0; i < oldestFirst.size() - kept; i++) {
            positions.remove(oldestFirst.get(i).topic());
        }
        return b.toString();
    }

    private static byte[] readyData(List<Hub.Recovery> rs) {
        StringBuilder b = new StringBuilder("{\"positions\":[");
        for (int i = 0; i < rs.size(); i++) {
            Hub.Recovery r = rs.get(i);
            b.append(i == 0 ? "" : ",").append(new String(positionJson(r.topic(), r.epoch(), r.offset(), r.recovered()),
                    StandardCharsets.UTF_8));
        }
        return b.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    /** {@code {"topic","epoch","offset","recovered"?}}. */
    static byte[] positionJson(String topic, String epoch, long offset, Boolean recovered) {
        StringBuilder b = new StringBuilder("{\"topic\":").append(quoted(topic));
        if (epoch != null) {
            b.append(",\"epoch\":").append(quoted(epoch));
        }
        b.append(",\"offset\":").append(offset);
        if (recovered != null) {
            b.append(",\"recovered\":").append(recovered);
        }
        return b.append('}').toString().getBytes(StandardCharsets.UTF_8);
    }

    /** {@code {"topic","offset","epoch","tags"?,"data"}}, or {@code "data_base64"} for a binary payload. */
    static byte[] msgData(Frame.Msg m) {
        String head = "{\"topic\":" + quoted(m.topic()) + ",\"offset\":" + m.offset() + ",\"epoch\":" + quoted(m.epoch());
        if (!m.tags().isEmpty()) {
            StringBuilder t = new StringBuilder(head).append(",\"tags\":{");
            new java.util.TreeMap<>(m.tags()).forEach((k, v) -> t.append(t.charAt(t.length() - 1) == '{' ? "" : ",")
                    .append(quoted(k)).append(':').append(quoted(v)));
            head = t.append('}').toString();
        }
        byte[] payload = m.data().bytes();
        if (m.data().isBinary()) {
            return (head + ",\"data_base64\":\"" + Base64.getEncoder().encodeToString(payload) + "\"}").getBytes(StandardCharsets.UTF_8);
        }
        byte[] h = (head + ",\"data\":").getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[h.length + payload.length + 1];
        System.arraycopy(h, 0, out, 0, h.length);
        System.arraycopy(payload, 0, out, h.length, payload.length);
        out[out.length - 1] = '}';
        return out;
    }

    private static String quoted(String s) {
        return new String(FrameCodec.quote(s), StandardCharsets.UTF_8);
    }

    /** The channel closed: unsubscribe everything. Idempotent. */
    void closed() {
        if (closed) {
            return;
        }
        closed = true;
        if (heartbeat != null) {
            heartbeat.cancel(false);
        }
        try {
            connection.closed();
        } finally {
            if (queue != null) {
                queue.releaseQueue(); // whatever the unsubscribing throws, the queue's buffers are released
            }
        }
    }
}
