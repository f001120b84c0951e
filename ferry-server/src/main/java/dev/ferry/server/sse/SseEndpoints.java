package dev.ferry.server.sse;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.FrameCodec;
import dev.ferry.protocol.Topics;
import dev.ferry.server.filter.Filter;
import dev.ferry.server.filter.FilterException;
import dev.ferry.server.auth.AccessScope;
import dev.ferry.server.auth.Action;
import dev.ferry.server.auth.ConnectionLimiter;
import dev.ferry.server.auth.Identity;
import dev.ferry.server.transport.HttpResponses;
import dev.ferry.server.transport.TransportAuth;
import dev.ferry.server.transport.EventStreamQueue;
import dev.ferry.server.transport.HandlerNames;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The endpoints of server-sent events and of the HTTP-only fallback session (docs/http-api.md, docs/web.md).
 * Runs on the connection's event loop; never blocks it.
 */
public final class SseEndpoints {
    public static final String STREAM_PATH = "/v1/sse";
    public static final String SESSION_PATH = "/v1/session";
    public static final String SESSION_PREFIX = SESSION_PATH + "/";
    public static final String EVENTS_SUFFIX = "/events";
    static final String LAST_EVENT_ID = "Last-Event-ID";

    private final SseServices server;

    public SseEndpoints(SseServices server) {
        this.server = server;
    }

    // ------------------------------------------------------------ GET /v1/sse

    /** {@code GET /v1/sse?topic=<pattern>&topic=...[&since=<id>]}, resumed by {@code Last-Event-ID}. */
    public void stream(ChannelHandlerContext ctx, FullHttpRequest req, QueryStringDecoder uri, boolean keepAlive) {
        if (!server.auth().originAllowed(ctx, req)) {
            return;
        }
        Identity identity = server.auth().authenticate(ctx, req);
        if (identity == null) {
            return;
        }
        List<String> given = uri.parameters().getOrDefault("topic", List.of());
        if (given.isEmpty()) {
            badRequest(ctx, keepAlive, "bad_request", "missing topic (expected: ?topic=<pattern>, repeatable)");
            return;
        }
        int max = server.sessions().config().sse().maxTopics();
        if (given.size() > max) {
            badRequest(ctx, keepAlive, "bad_request", given.size() + " topic parameters (expected: at most " + max + ", sse.max-topics)");
            return;
        }
        for (String pattern : given) {
            String why = Topics.checkPattern(pattern);
            if (why != null) {
                badRequest(ctx, keepAlive, ErrorCode.BAD_TOPIC.wire(), why);
                return;
            }
        }
        List<String> filters = uri.parameters().getOrDefault("filter", List.of());
        Filter filter = null;
        if (filters.size() > 1) {
            badRequest(ctx, keepAlive, ErrorCode.BAD_FILTER.wire(), "more than one filter parameter");
            return;
        } else if (filters.size() == 1) {
            try {
                filter = Filter.compile(filters.get(0));
            } catch (FilterException e) {
                badRequest(ctx, keepAlive, ErrorCode.BAD_FILTER.wire(), "filter: " + e.getMessage());
                return;
            }
        }
        String id = req.headers().get(LAST_EVENT_ID);
        String source = LAST_EVENT_ID;
        if (id == null) {
            List<String> since = uri.parameters().get("since");
            id = since == null || since.isEmpty() ? "" : since.get(0);
            source = "since";
        }
        List<Frame.Position> positions;
        try {
            positions = EventId.parse(id.trim());
        } catch (IllegalArgumentException e) {
            badRequest(ctx, keepAlive, "bad_event_id", source + ": " + e.getMessage());
            return;
        }
        AccessScope scope = server.sessions().security().permissions().scope(identity);
        SseStream stream = new SseStream(server, scope, ctx.executor(), List.copyOf(new LinkedHashSet<>(given)));
        for (String pattern : given) {
            var refusal = stream.connection().admitSubscribe(pattern);
            if (refusal != null) {
                HttpResponses.send(ctx, false, HttpResponses.refusal(refusal.code(), refusal.message(), refusal.dataBytes()));
                return;
            }
        }
        EventStreamHandler handler = takeOver(ctx, server.sessions().faultLog());
        ChannelHandlerContext streamCtx = ctx.pipeline().context(handler);
        EventStreamQueue queue = new EventStreamQueue(streamCtx, server.outboundQueues(), server.sessions().config().sse().outboundQueueBytes());
        handler.onWritable(queue::drain);
        ctx.channel().attr(dev.ferry.server.transport.OpenChannels.GO_AWAY).set(stream::goAway); // draining ends the response: the last chunk
        stream.attach(streamCtx, queue);
        ctx.channel().closeFuture().addListener(f -> stream.closed());
        stream.start(positions, filter); // the head goes out with the first event, or a hook's refusal instead
        endAtExpiry(ctx.channel(), identity, stream.connection(), queue);
    }

    /**
     * Times the identity that opened an event stream ({@link dev.ferry.server.connection.IdentityExpiry}): at its
     * expiry (plus {@code auth.clock-skew} for a token) an identity of the connect hook is offered to the refresh
     * hook, whose answer the stream's connection takes; otherwise the stream ends with {@code event: close}
     * {@code {"code":4005,"reason":"token expired"}}. An {@code EventSource} reconnects, and must then present
     * valid credentials.
     */
    static void endAtExpiry(SseServices server, Channel ch, Identity identity, dev.ferry.server.connection.Connection c,
                            EventStreamQueue queue) {
        if (identity.expiresAt() == null) {
            return;
        }
        var expiry = server.sessions().expiry(ch.eventLoop(), c::id, c.transport().kind(),
                new dev.ferry.server.connection.IdentityExpiry.Owner() {
                    @Override
                    public boolean open() {
                        return ch.isActive() && !c.isClosed();
                    }

                    @Override
                    public void refreshed(Identity next) {
                        c.permissionsChanged(server.sessions().security().permissions().scope(next));
                    }

                    @Override
                    public void expired() {
                        server.sessions().security().counters().expiredClosed();
                        queue.end(SseEvents.close(dev.ferry.protocol.CloseCodes.TOKEN_EXPIRED, "token expired"));
                    }
                });
        expiry.start(identity);
        ch.closeFuture().addListener(f -> expiry.cancel());
    }

    private void endAtExpiry(Channel ch, Identity identity, dev.ferry.server.connection.Connection c,
                             EventStreamQueue queue) {
        endAtExpiry(server, ch, identity, c, queue);
    }

    // ------------------------------------------------------------ the fallback session

    /** {@code POST /v1/session}: opens a session; answers {@code {"session": id, "expires": ms}}. */
    public void createSession(ChannelHandlerContext ctx, FullHttpRequest req, boolean keepAlive) {
        if (!server.auth().originAllowed(ctx, req)) {
            return;
        }
        Identity identity = server.auth().authenticate(ctx, req);
        if (identity == null || refusedWhileDraining(ctx)) {
            return;
        }
        FallbackSession s = server.fallbackSessions().create(server, ctx.channel().eventLoop(),
                ConnectionLimiter.addressOf(ctx.channel()), "fallback " + ctx.channel().remoteAddress(), identity,
                refusal -> refuseSession(ctx, keepAlive, refusal));
        if (s == null) {
            return;
        }
        String body = "{\"session\":" + new String(FrameCodec.quote(s.id()), StandardCharsets.UTF_8)
                + ",\"expires\":" + server.sessions().config().sse().sessionTimeout().toMillis() + "}";
        HttpResponses.send(ctx, keepAlive, HttpResponses.json(HttpResponseStatus.OK, body.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * A session beyond the connection limits, which count it as a connection of its client address: 429 (per
     * address) or 503 (in all) {@code too_many_connections}, as for a connection; the HTTP connection stays open.
     */
    private void refuseSession(ChannelHandlerContext ctx, boolean keepAlive, ConnectionLimiter.Refusal refusal) {
        server.sessions().security().counters().connectionRefused();
        var limits = server.sessions().config().limits();
        HttpResponses.send(ctx, keepAlive, refusal == ConnectionLimiter.Refusal.TOTAL
                ? HttpResponses.error(HttpResponseStatus.SERVICE_UNAVAILABLE, "too_many_connections",
                        "the server already holds " + limits.maxConnections()
                                + " connections and fallback sessions (limits.max-connections)")
                : HttpResponses.error(HttpResponseStatus.TOO_MANY_REQUESTS, "too_many_connections",
                        "this address already holds " + limits.connectionsPerIp()
                                + " connections and fallback sessions (limits.connections-per-ip)"));
    }

    /** {@code GET /v1/session/{id}/events}: the session's event stream, resumed after {@code Last-Event-ID}. */
    public void sessionEvents(ChannelHandlerContext ctx, FullHttpRequest req, String id, boolean keepAlive) {
        FallbackSession s = session(ctx, req, id, keepAlive);
        if (s == null) {
            return;
        }
        Long last = null;
        String given = req.headers().get(LAST_EVENT_ID);
        if (given != null && !given.isBlank()) {
            try {
                last = Long.parseLong(given.trim());
            } catch (NumberFormatException e) {
                last = -1L;
            }
            if (last < 0) {
                HttpResponses.send(ctx, keepAlive, badEventId(LAST_EVENT_ID + ": \"" + given + "\" (expected: the id of an event of this session)"));
                return;
            }
        }
        if (refusedWhileDraining(ctx)) {
            return;
        }
        Channel ch = ctx.channel();
        takeOver(ctx, server.sessions().faultLog()).onWritable(() -> execute(s, s::pump));
        ch.closeFuture().addListener(f -> execute(s, () -> s.detached(ch)));
        Long after = last;
        execute(s, () -> s.attach(ch, after));
    }

    /** {@code POST /v1/session/{id}}: one or more LF-separated text frames, or one binary message; answers 202. */
    public void sessionPost(ChannelHandlerContext ctx, FullHttpRequest req, String id, boolean keepAlive) {
        FallbackSession s = session(ctx, req, id, keepAlive);
        if (s == null) {
            return;
        }
        int max = server.sessions().config().websocket().maxMessageBytes();
        if (req.content().readableBytes() > max) {
            HttpResponses.send(ctx, keepAlive, HttpResponses.error(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                    ErrorCode.MESSAGE_TOO_LARGE.wire(), "body larger than websocket.max-message-bytes (" + max + " bytes)"));
            return;
        }
        String type = req.headers().get(HttpHeaderNames.CONTENT_TYPE);
        String mime = type == null ? "text/plain" : type.split(";")[0].trim().toLowerCase(Locale.ROOT);
        boolean binary = mime.equals("application/octet-stream");
        if (!binary && !mime.equals("text/plain") && !mime.equals("application/json")) {
            HttpResponses.send(ctx, keepAlive, HttpResponses.error(HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type", "Content-Type " + type
                            + " (expected: text/plain or application/json for text frames, application/octet-stream for one binary message)"));
            return;
        }
        byte[] body = ByteBufUtil.getBytes(req.content());
        execute(s, () -> s.upstream(body, binary));
        FullHttpResponse accepted = HttpResponses.response(HttpResponseStatus.ACCEPTED, Unpooled.EMPTY_BUFFER, "application/json");
        HttpResponses.send(ctx, keepAlive, accepted);
    }

    /**
     * The session a request names, when its origin is allowed, its credentials are valid and they are those of the
     * identity the session is bound to (any, when the session is anonymous); otherwise answers and returns null.
     */
    private FallbackSession session(ChannelHandlerContext ctx, FullHttpRequest req, String id, boolean keepAlive) {
        if (!server.auth().originAllowed(ctx, req)) {
            return null;
        }
        Identity identity = server.auth().authenticate(ctx, req);
        if (identity == null) {
            return null;
        }
        FallbackSession s = server.fallbackSessions().get(id);
        if (s == null) {
            HttpResponses.send(ctx, keepAlive, unknownSession());
            return null;
        }
        Identity owner = s.owner();
        if (owner.kind() != Identity.Kind.ANONYMOUS && !owner.samePrincipal(identity)) {
            server.sessions().security().counters().forbidden();
            HttpResponses.send(ctx, false, HttpResponses.error(HttpResponseStatus.FORBIDDEN, ErrorCode.FORBIDDEN.wire(),
                    "this session belongs to another identity (present the credentials that opened it)"));
            return null;
        }
        return s;
    }

    private static void execute(FallbackSession s, Runnable task) {
        try {
            s.executor().execute(task);
        } catch (RejectedExecutionException e) {
            // the server is stopping: the session goes with it
        }
    }

    // ------------------------------------------------------------ shared

    /** Turns the connection into an event stream: the router and the request deadline give way to the handler. */
    static EventStreamHandler takeOver(ChannelHandlerContext ctx, dev.ferry.server.transport.FaultLog faultLog) {
        ChannelPipeline p = ctx.pipeline();
        EventStreamHandler handler = new EventStreamHandler(faultLog);
        p.replace(HandlerNames.HTTP_ROUTER, HandlerNames.SSE_STREAM, handler);
        if (p.get(HandlerNames.HTTP_DEADLINE) != null) {
            p.remove(HandlerNames.HTTP_DEADLINE);
        }
        return handler;
    }

    static HttpResponse streamHeaders() {
        HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        r.headers().set("X-Accel-Buffering", "no");
        HttpUtil.setTransferEncodingChunked(r, true);
        return r;
    }

    static FullHttpResponse unknownSession() {
        return HttpResponses.error(HttpResponseStatus.NOT_FOUND, "unknown_session", "no such session (it expired, was closed, or never existed)");
    }

    static FullHttpResponse badEventId(String message) {
        return HttpResponses.error(HttpResponseStatus.BAD_REQUEST, "bad_event_id", message);
    }

    private boolean refusedWhileDraining(ChannelHandlerContext ctx) {
        if (!server.sessions().draining()) {
            return false;
        }
        HttpResponses.send(ctx, false, HttpResponses.error(HttpResponseStatus.SERVICE_UNAVAILABLE,
                ErrorCode.SHUTTING_DOWN.wire(), "the server is shutting down"));
        return true;
    }

    private static void badRequest(ChannelHandlerContext ctx, boolean keepAlive, String code, String message) {
        HttpResponses.send(ctx, keepAlive, HttpResponses.error(HttpResponseStatus.BAD_REQUEST, code, message));
    }
}
