package dev.ferry.server.sse;

import dev.ferry.protocol.CloseCodes;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.FrameCodec;
import dev.ferry.server.auth.Identity;
import dev.ferry.server.transport.Outbound;
import dev.ferry.server.session.Session;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP-only fallback session: a {@link Session} driven by {@code POST}ed frames, whose frames go out as the
 * events of one event stream at a time. This is the session's {@link Outbound}.
 *
 * <p>Every frame becomes an event numbered 1, 2, 3, ... ({@code id:}). Events wait here, bounded by
 * {@code sse.outbound-queue-bytes}, while no stream is attached or the attached one is not writable; past the bound
 * the session is closed as a slow consumer. Events already written stay here too (up to the same bound, oldest
 * dropped first), so that a stream reattaching with {@code Last-Event-ID} gets whatever the previous stream may have
 * lost on the way. A session with no stream attached for {@code sse.session-timeout} expires and is closed.
 *
 * <p>Lifecycle: created by {@link FallbackSessions#create}, then {@link #opened()}, then attaches, upstream frames
 * and detaches, then closed exactly once (expiry, slow consumer, events lost, or the server draining).
 *
 * <p>Event loop only: everything but {@link #id()} and {@link #executor()} runs on the session's event loop, which
 * need not be the loop of the stream's channel: events are written to that channel from here (Netty hands the
 * writes to the channel's loop in order), and the channel's writability and closing are handed back here.
 */
final class FallbackSession implements Outbound {
    /** The {@code code} of a {@code close} event when a newer stream replaced this one (the session lives on). */
    static final int REPLACED = 4003;
    /** The {@code code} of a {@code close} event when a stream resumed from an event no longer kept. */
    static final int EVENTS_LOST = 4004;
    /** How long the end of a stream may take to reach a peer that does not read before the socket is closed. */
    private static final long END_GRACE_MS = 3000;

    private final String id;
    /** The address of the client that created the session, which it counts against (null: not counted). */
    private final InetAddress client;
    private final SseServices server;
    private final FallbackSessions registry;
    private final EventExecutor loop;
    private final long limitBytes;
    private final Session session;
    private final Runnable flushTask = this::flushNow;

    private record Event(long seq, ByteBuf bytes) {
    }

    // ---- event loop only
    private final ArrayDeque<Event> unsent = new ArrayDeque<>();
    /** Written to a stream, kept for one that resumes; oldest first. */
    private final ArrayDeque<Event> sent = new ArrayDeque<>();
    private long unsentBytes;
    private long sentBytes;
    private long nextSeq = 1;
    private Channel downstream;
    private ScheduledFuture<?> expiry;
    private ScheduledFuture<?> heartbeat;
    private boolean flushScheduled;
    private int closeCode;
    private String closeReason;
    private boolean closed;

    /**
     * Who may use this session's id (docs/security.md, "Fallback sessions"): the identity that created it, or the one
     * it took with the {@code auth} command; anonymous while it has none. Written on the session's loop, read by the
     * endpoints on any loop.
     */
    private volatile Identity owner;

    FallbackSession(String id, SseServices server, FallbackSessions registry, EventExecutor loop, InetAddress client,
            String remote, Identity identity) {
        this.id = id;
        this.client = client;
        this.owner = identity;
        this.server = server;
        this.registry = registry;
        this.loop = loop;
        this.limitBytes = server.sessions().config().sse().outboundQueueBytes();
        this.session = new Session(server.sessions(), this, remote, identity);
    }

    String id() {
        return id;
    }

    InetAddress client() {
        return client;
    }

    /** The identity this session is bound to; anonymous when its id alone is enough. Any thread. */
    Identity owner() {
        return owner;
    }

    @Override
    public String kind() {
        return "fallback";
    }

    @Override
    public EventExecutor executor() {
        return loop;
    }

    void opened() {
        armExpiry();
        server.sessions().sessionOpened(session);
    }

    // ------------------------------------------------------------ upstream

    /** Frames POSTed by the client: LF-separated text frames, or one binary message. */
    void upstream(byte[] body, boolean binary) {
        assert loop.inEventLoop();
        if (closed) {
            return;
        }
        if (binary) {
            session.onBinary(body);
        } else {
            session.onText(body);
        }
        Identity now = session.identity();
        if (now.kind() != Identity.Kind.ANONYMOUS && now != owner) {
            owner = now; // an anonymous session authenticated with auth, or a refresh of the same principal
        }
    }

    // ------------------------------------------------------------ Outbound

    @Override
    public void send(Frame frame) {
        send(Unpooled.wrappedBuffer(FrameCodec.encode(frame)), FrameCodec.isBinary(frame));
    }

    @Override
    public void send(ByteBuf encoded, boolean binary) {
        enqueue(encoded, binary, false);
    }

    @Override
    public void sendDroppable(ByteBuf encoded, boolean binary) {
        enqueue(encoded, binary, true);
    }

    private void enqueue(ByteBuf encoded, boolean binary, boolean droppable) {
        assert loop.inEventLoop();
        ByteBuf event;
        try {
            if (closed || closeReason != null) {
                return;
            }
            event = toEvent(nextSeq, encoded, binary);
        } finally {
            encoded.release();
        }
        int size = event.readableBytes();
        if (droppable && unsentBytes + size > limitBytes) {
            event.release();
            server.outboundQueues().lossyDropped();
            return;
        }
        unsent.add(new Event(nextSeq++, event));
        unsentBytes += size;
        if (unsentBytes > limitBytes) {
            server.outboundQueues().slowConsumerClosed();
            terminate(CloseCodes.SLOW_CONSUMER, "slow consumer");
            return;
        }
        pump();
    }

    /**
     * A text frame is the event's data as it is; a binary frame is an event of type {@code binary} whose data is
     * the frame's JSON header, a line feed, and the payload in base64.
     */
    private static ByteBuf toEvent(long seq, ByteBuf encoded, boolean binary) {
        byte[] bytes = ByteBufUtil.getBytes(encoded);
        if (!binary) {
            return SseEvents.event(Long.toString(seq), null, bytes);
        }
        int lf = 0;
        while (lf < bytes.length && bytes[lf] != FrameCodec.LF) {
            lf++;
        }
        byte[] b64 = Base64.getEncoder().encode(java.util.Arrays.copyOfRange(bytes, Math.min(lf + 1, bytes.length), bytes.length));
        byte[] data = new byte[lf + 1 + b64.length];
        System.arraycopy(bytes, 0, data, 0, lf);
        data[lf] = '\n';
        System.arraycopy(b64, 0, data, lf + 1, b64.length);
        return SseEvents.event(Long.toString(seq), "binary", data);
    }

    @Override
    public void close(int code, String reason) {
        if (closed || closeReason != null) {
            return;
        }
        closeCode = code;
        closeReason = reason;
        if (downstream == null) {
            terminate(code, reason);
        } else {
            pump();
        }
    }

    /** Writes waiting events while the stream is writable; ends the session once a requested close is reached. */
    void pump() {
        assert loop.inEventLoop();
        if (closed || downstream == null) {
            return;
        }
        boolean wrote = false;
        while (!unsent.isEmpty() && downstream.isWritable()) {
            Event e = unsent.poll();
            unsentBytes -= e.bytes().readableBytes();
            downstream.write(new DefaultHttpContent(e.bytes().retainedDuplicate()), downstream.voidPromise());
            sent.add(e);
            sentBytes += e.bytes().readableBytes();
            wrote = true;
        }
        while (sentBytes > limitBytes) {
            Event old = sent.poll();
            sentBytes -= old.bytes().readableBytes();
            old.bytes().release();
        }
        if (wrote) {
            scheduleFlush();
        }
        if (closeReason != null && unsent.isEmpty()) {
            terminate(closeCode, closeReason);
        }
    }

    private void scheduleFlush() {
        if (!flushScheduled) {
            flushScheduled = true;
            loop.execute(flushTask);
        }
    }

    private void flushNow() {
        flushScheduled = false;
        if (downstream != null) {
            downstream.flush();
        }
    }

    // ------------------------------------------------------------ the event stream

    /**
     * A stream asks to carry this session's events from after {@code lastEventId} (null: from what was not yet
     * written). A stream already attached is ended with a {@code close} event {@link #REPLACED}. The pipeline of
     * {@code ch} is already an event stream's; this writes the response.
     */
    void attach(Channel ch, Long lastEventId) {
        assert loop.inEventLoop();
        long written = sent.isEmpty() ? nextSeq - 1 - unsent.size() : sent.peekLast().seq();
        if (closed) {
            refuse(ch, SseEndpoints.unknownSession());
            return;
        }
        long after = lastEventId == null ? written : lastEventId;
        if (after > written) {
            refuse(ch, SseEndpoints.badEventId("Last-Event-ID " + after + " is ahead of the session (last event: " + written + ")"));
            return;
        }
        if (downstream != null) {
            end(downstream, REPLACED, "replaced by a newer event stream");
        }
        cancel(expiry);
        expiry = null;
        downstream = ch;
        ch.attr(dev.ferry.server.transport.OpenChannels.SESSION).set(session);
        ch.write(SseEndpoints.streamHeaders(), ch.voidPromise());
        boolean lost = after < written && (sent.isEmpty() || sent.peekFirst().seq() > after + 1);
        if (lost) {
            terminate(EVENTS_LOST, "events after " + after + " are no longer kept");
            return;
        }
        while (!sent.isEmpty() && sent.peekLast().seq() > after) {
            Event e = sent.pollLast();
            sentBytes -= e.bytes().readableBytes();
            unsent.addFirst(e);
            unsentBytes += e.bytes().readableBytes();
        }
        if (heartbeat == null) {
            long every = server.sessions().config().sse().heartbeatInterval().toMillis();
            heartbeat = server.sessions().clock().scheduleAtFixedRate(loop, this::ping, every, TimeUnit.MILLISECONDS);
        }
        scheduleFlush();
        pump();
    }

    private void ping() {
        if (downstream != null) {
            downstream.writeAndFlush(new DefaultHttpContent(SseEvents.ping()), downstream.voidPromise());
        }
    }

    /** The channel of a stream closed; if it was the attached one, the expiry clock starts. */
    void detached(Channel ch) {
        assert loop.inEventLoop();
        if (downstream != ch) {
            return;
        }
        downstream = null;
        cancel(heartbeat);
        heartbeat = null;
        if (!closed) {
            armExpiry();
        }
    }

    private void armExpiry() {
        cancel(expiry);
        expiry = server.sessions().clock().schedule(loop, () -> {
            if (downstream == null) {
                terminate(0, "expired");
            }
        }, server.sessions().config().sse().sessionTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Closes the session: its stream gets a {@code close} event and ends; everything is released. Idempotent. */
    private void terminate(int code, String reason) {
        if (closed) {
            return;
        }
        closed = true;
        registry.remove(this);
        cancel(expiry);
        cancel(heartbeat);
        if (downstream != null) {
            end(downstream, code, reason);
            downstream = null;
        }
        releaseAll(unsent);
        releaseAll(sent);
        unsentBytes = 0;
        sentBytes = 0;
        session.closed();
    }

    private void end(Channel ch, int code, String reason) {
        ch.write(new DefaultHttpContent(SseEvents.close(code, reason)), ch.voidPromise());
        ch.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
        server.sessions().clock().schedule(ch.eventLoop(), ch::close, END_GRACE_MS, TimeUnit.MILLISECONDS);
    }

    private static void refuse(Channel ch, FullHttpResponse response) {
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ch.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    private static void releaseAll(ArrayDeque<Event> events) {
        Event e;
        while ((e = events.poll()) != null) {
            e.bytes().release();
        }
    }

    private static void cancel(ScheduledFuture<?> f) {
        if (f != null) {
            f.cancel(false);
        }
    }
}
