package dev.ferry.server.sse;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.FrameCodec;
import dev.ferry.protocol.Payload;
import dev.ferry.protocol.Topics;
import dev.ferry.server.auth.AccessScope;
import dev.ferry.server.auth.Identity;
import dev.ferry.server.connection.Connection;
import dev.ferry.server.connection.FollowerFeed;
import dev.ferry.server.connection.Refusal;
import dev.ferry.server.connection.Transport;
import dev.ferry.server.hub.Delivery;
import dev.ferry.server.transport.HttpResponses;
import dev.ferry.server.state.StateChannels;
import dev.ferry.server.state.StateException;
import dev.ferry.server.state.StateFollower;
import dev.ferry.server.transport.EventStreamQueue;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.concurrent.EventExecutor;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /v1/state/{topic}} with {@code Accept: text/event-stream}: a state channel as server-sent events
 * (docs/web.md). The stream starts with a {@code state} event (the document and its version), then one
 * {@code patch} event per change; each event's id is {@code epoch:version}, so an {@code EventSource} that
 * reconnects with {@code Last-Event-ID} gets only the patches it missed (a fresh {@code state} event when history
 * no longer has them).
 *
 * <p>The stream is the transport of a {@link Connection}, which admits the topic, and its {@link StateFollower}
 * follows the channel on a channel of that connection.
 *
 * <p>Lifecycle: {@link #open} checks the request and the channel, then takes the connection over; the stream ends
 * when the connection closes. Threading: the connection's event loop only.
 */
public final class StateEventStream implements StateFollower.Sink, Transport {
    private final SseServices server;
    private final EventExecutor executor;
    private final Connection connection;
    private final StateFollower follower;
    /** The state channel the stream follows. */
    private final String topic;
    // ---- event loop only
    private ChannelHandlerContext ctx;
    private EventStreamQueue queue;
    private ScheduledFuture<?> heartbeat;
    private boolean closed;

    private StateEventStream(SseServices server, EventExecutor executor, AccessScope scope, String topic) {
        this.server = server;
        this.executor = executor;
        this.connection = server.sessions().connection(scope, this, server.sessions()::draining);
        this.follower = new StateFollower(server.sessions().stateChannels(), new FollowerFeed(connection), topic, executor, this);
        this.topic = topic;
    }

    /** Answers the request: the event stream, or 400/401/403/404/503 with a JSON error. */
    public static void open(SseServices server, ChannelHandlerContext ctx, FullHttpRequest req, String topic, boolean keepAlive) {
        if (!server.auth().originAllowed(ctx, req)) {
            return;
        }
        Identity identity = server.auth().authenticate(ctx, req);
        if (identity == null) {
            return;
        }
        String why = Topics.checkTopic(topic);
        if (why != null) {
            HttpResponses.send(ctx, keepAlive, HttpResponses.error(HttpResponseStatus.BAD_REQUEST, ErrorCode.BAD_TOPIC.wire(), why));
            return;
        }
        String lastId = req.headers().get(SseEndpoints.LAST_EVENT_ID);
        long version = -1;
        String epoch = null;
        if (lastId != null && !lastId.isBlank()) {
            String id = lastId.trim();
            int colon = id.lastIndexOf(':');
            try {
                version = Long.parseLong(id.substring(colon + 1));
            } catch (NumberFormatException e) {
                version = -1;
            }
            if (version < 0) {
                HttpResponses.send(ctx, keepAlive, HttpResponses.error(HttpResponseStatus.BAD_REQUEST, "bad_event_id",
                        SseEndpoints.LAST_EVENT_ID + ": \"" + lastId + "\" (expected: the id of an event of this stream, epoch:version)"));
                return;
            }
            epoch = colon < 0 ? null : id.substring(0, colon);
        }
        AccessScope scope = server.sessions().security().permissions().scope(identity);
        StateEventStream stream = new StateEventStream(server, ctx.executor(), scope, topic);
        Refusal refusal = stream.connection.admitSubscribe(topic);
        if (refusal != null) {
            HttpResponses.send(ctx, false, HttpResponses.refusal(refusal.code(), refusal.message(), refusal.dataBytes()));
            return;
        }
        long fromVersion = version;
        String fromEpoch = epoch;
        // check that the topic is a state channel while an error can still be an HTTP status
        server.sessions().stateChannels().get(topic).whenComplete((view, failure) -> ctx.executor().execute(() -> {
            if (!ctx.channel().isActive()) {
                return;
            }
            if (failure != null) {
                StateException e = failure instanceof StateException s ? s
                        : failure.getCause() instanceof StateException s ? s : null;
                HttpResponses.send(ctx, keepAlive, e != null && e.code() == ErrorCode.NOT_STATE_CHANNEL
                        ? HttpResponses.error(HttpResponseStatus.NOT_FOUND, e.code().wire(), e.getMessage())
                        : HttpResponses.error(HttpResponseStatus.SERVICE_UNAVAILABLE, ErrorCode.UNAVAILABLE.wire(),
                                "the cluster backend is unavailable; try again"));
                return;
            }
            EventStreamHandler handler = SseEndpoints.takeOver(ctx, server.sessions().faultLog());
            ChannelHandlerContext streamCtx = ctx.pipeline().context(handler);
            EventStreamQueue queue = new EventStreamQueue(streamCtx, server.outboundQueues(), server.sessions().config().sse().outboundQueueBytes());
            handler.onWritable(queue::drain);
            ctx.channel().attr(dev.ferry.server.transport.OpenChannels.GO_AWAY).set(queue::end); // draining ends the response: the last chunk
            stream.ctx = streamCtx;
            stream.queue = queue;
            ctx.channel().closeFuture().addListener(f -> stream.closed());
            streamCtx.write(SseEndpoints.streamHeaders(), streamCtx.voidPromise());
            stream.start(fromVersion, fromEpoch, identity);
        }));
    }

    private void start(long version, String epoch, Identity identity) {
        follower.start(version, epoch, (start, failure) -> {
            if (failure != null) {
                ctx.close(); // the client reconnects
                return;
            }
            long every = server.sessions().config().sse().heartbeatInterval().toMillis();
            heartbeat = server.sessions().clock().scheduleAtFixedRate(ctx.executor(), () -> queue.send(SseEvents.ping()), every,
                    TimeUnit.MILLISECONDS);
            queue.drain();
        });
        SseEndpoints.endAtExpiry(server, ctx.channel(), identity, connection, queue);
    }

    @Override
    public void snapshot(StateChannels.View view) {
        queue.send(event(view.topic(), view.epoch(), view.version(), "state", "data", view.json()));
    }

    @Override
    public void patch(String topic, String epoch, long version, Payload patch) {
        queue.send(event(topic, epoch, version, "patch", "patch", patch.bytes()));
    }

    @Override
    public void lost(Throwable failure) {
        ctx.close();
    }

    // ------------------------------------------------------------ as the connection's transport

    @Override
    public EventExecutor executor() {
        return executor;
    }

    /** {@code state}: a state channel's event stream, as the server API and the hooks name it. */
    @Override
    public String kind() {
        return "state";
    }

    /** The stream's connection holds no subscription of its own: its follower's channel gets the publications. */
    @Override
    public void deliver(Delivery d) {
    }

    @Override
    public void write(ByteBuf frame, boolean binary) {
        frame.release();
    }

    @Override
    public void close(int code, String reason) {
        ctx.close();
    }

    /**
     * A reload took away the {@code subscribe} permission on the stream's topic: {@code event: forbidden} (as on
     * {@code /v1/sse}), then the stream ends.
     */
    @Override
    public void permissionsChanged(Connection c) {
        if (closed || ctx == null) {
            return;
        }
        Refusal r = connection.admission().revoked(connection.scope(), dev.ferry.server.auth.Action.SUBSCRIBE, topic,
                "the state stream was ended");
        if (r != null) {
            if (queue != null) {
                queue.send(SseEvents.event(null, "forbidden", HttpResponses.errorBody(r.code().wire(), r.message(),
                        r.dataBytes())));
            }
            ctx.close();
        }
    }

    /** {@code id: epoch:version}, {@code event: type}, data {@code {"topic","epoch"?,"version",member:json}}. */
    private static ByteBuf event(String topic, String epoch, long version, String type, String member, byte[] json) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(json.length + 96);
        b.writeBytes("{\"topic\":".getBytes(StandardCharsets.UTF_8));
        b.writeBytes(FrameCodec.quote(topic));
        if (epoch != null) {
            b.writeBytes(",\"epoch\":".getBytes(StandardCharsets.UTF_8));
            b.writeBytes(FrameCodec.quote(epoch));
        }
        b.writeBytes((",\"version\":" + version + ",\"" + member + "\":").getBytes(StandardCharsets.UTF_8));
        b.writeBytes(json);
        b.write('}');
        return SseEvents.event((epoch == null ? "" : epoch + ":") + version, type, b.toByteArray());
    }

    private void closed() {
        if (closed) {
            return;
        }
        closed = true;
        if (heartbeat != null) {
            heartbeat.cancel(false);
        }
        try {
            follower.stop();
            connection.closed();
        } finally {
            queue.releaseQueue(); // whatever stopping throws, the queue's buffers are released
        }
    }
}
