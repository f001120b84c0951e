package dev.ferry.server.websocket;

import dev.ferry.server.auth.AuthError;
import dev.ferry.server.auth.AuthOutcome;
import dev.ferry.server.auth.AuthRequest;
import dev.ferry.server.auth.Identity;
import dev.ferry.server.config.WebSocketConfig;
import dev.ferry.server.transport.HttpResponses;
import dev.ferry.server.session.ResumableSessions;
import dev.ferry.server.transport.BoundedFrameAggregator;
import dev.ferry.server.transport.HandlerNames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.nio.charset.StandardCharsets;

/**
 * Validates a ferry.v1 upgrade request and switches the pipeline from HTTP to WebSocket; also switches plain
 * WebSocket endpoints (multiplexer, per-topic sockets), which differ only in their last handler.
 */
public final class WebSocketUpgrade {
    public static final String PATH = "/v1/ws";
    public static final String SUBPROTOCOL = "ferry.v1";

    private WebSocketUpgrade() {
    }

    /** Why {@code req} is not an acceptable ferry.v1 upgrade, or {@code null} when it is. */
    public static String refusal(FullHttpRequest req) {
        if (!req.method().equals(HttpMethod.GET)) {
            return "a WebSocket upgrade must use GET, not " + req.method();
        }
        if (!req.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)) {
            return PATH + " is a WebSocket endpoint: send an Upgrade: websocket request with subprotocol " + SUBPROTOCOL;
        }
        String offered = req.headers().get(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL);
        if (offered == null || offered.isBlank()) {
            return "missing WebSocket subprotocol (expected: " + SUBPROTOCOL + " in Sec-WebSocket-Protocol)";
        }
        for (String p : offered.split(",")) {
            if (p.trim().equals(SUBPROTOCOL)) {
                return null;
            }
        }
        return "unsupported WebSocket subprotocol \"" + offered.trim() + "\" (expected: " + SUBPROTOCOL + ")";
    }

    /**
     * Authenticates the client of an acceptable upgrade (docs/security.md): on success keeps its identity on the
     * channel for the endpoint and returns true; otherwise answers 401 with a JSON reason and returns false.
     */
    public static boolean authenticate(ChannelHandlerContext ctx, FullHttpRequest req, WebSocketServices server) {
        Identity who = identify(ctx, req, server);
        if (who == null) {
            return false;
        }
        ctx.channel().attr(Identity.KEY).set(who);
        return true;
    }

    /**
     * The identity of the client of an acceptable upgrade (the one the connect hook gave, else from its credentials),
     * or null after answering 401 with a JSON reason.
     */
    public static Identity identify(ChannelHandlerContext ctx, FullHttpRequest req, WebSocketServices server) {
        Identity hooked = Identity.hooked(ctx.channel());
        if (hooked != null) {
            return hooked;
        }
        AuthOutcome who = server.sessions().security().authenticator().authenticate(AuthRequest.of(ctx, req));
        if (who instanceof AuthError e) {
            HttpResponses.send(ctx, false, HttpResponses.authError(e));
            return null;
        }
        return (Identity) who;
    }

    /**
     * Installs the ferry.v1 handlers, for a client authenticated as {@code identity}, behind the router and hands
     * them the request; the protocol handler answers the handshake and replaces the HTTP codec. What the session
     * handler needs goes to it directly, not through channel attributes (each would stay on the channel).
     */
    public static void upgrade(ChannelHandlerContext ctx, FullHttpRequest req, WebSocketServices server, Identity identity) {
        ResumableSessions.Opening opening = SessionCookie.open(ctx, req, server, identity);
        install(ctx, req, server, PATH, SUBPROTOCOL, new FerryWebSocketHandler(server, identity, opening));
    }

    /**
     * As {@link #upgrade}, for a plain WebSocket (no subprotocol) at the request's path whose messages go to
     * {@code handler}: the multiplexer and the per-topic sockets.
     */
    public static void upgradePlain(ChannelHandlerContext ctx, FullHttpRequest req, WebSocketServices server, ChannelHandler handler) {
        String path = new QueryStringDecoder(req.uri()).rawPath();
        install(ctx, req, server, path, null, handler);
    }

    /**
     * As {@link #upgradePlain}, for a WebSocket at the request's path that speaks one of {@code subprotocols}
     * (comma-separated, in the server's order of preference); the handshake answers the first of them the client
     * offers. The caller has checked that the client offers one.
     */
    public static void upgradeWithSubprotocols(ChannelHandlerContext ctx, FullHttpRequest req, WebSocketServices server,
            String subprotocols, ChannelHandler handler) {
        String path = new QueryStringDecoder(req.uri()).rawPath();
        install(ctx, req, server, path, subprotocols, handler);
    }

    /**
     * Answers an upgrade whose connection the connect hook refused: accepts it, speaking {@code subprotocol} (null:
     * none; else the client offers it) and closes the socket at once with {@code refusal}'s close code and reason.
     */
    public static void refuse(ChannelHandlerContext ctx, FullHttpRequest req, WebSocketServices server,
                              String subprotocol, ConnectRefusal refusal) {
        String path = new QueryStringDecoder(req.uri()).rawPath();
        install(ctx, req, server, path, subprotocol, new RefusedSocket(server, refusal));
    }

    /**
     * Whether a text message is valid UTF-8, as RFC 6455 §8.1 requires; when not, the endpoint closes with 1007
     * ({@link #invalidText}).
     */
    static boolean validText(ByteBuf content) {
        return ByteBufUtil.isText(content, StandardCharsets.UTF_8);
    }

    /** What a text message that is not UTF-8 is answered with: close 1007, as Netty's own validator would. */
    static CorruptedWebSocketFrameException invalidText() {
        return new CorruptedWebSocketFrameException(WebSocketCloseStatus.INVALID_PAYLOAD_DATA, "text message is not valid UTF-8");
    }

    private static void install(ChannelHandlerContext ctx, FullHttpRequest req, WebSocketServices server, String path,
            String subprotocol, ChannelHandler handler) {
        WebSocketConfig ws = server.sessions().config().websocket();
        WebSocketServerProtocolConfig protocol = server.webSocketSettings().protocol(path, subprotocol);
        ChannelPipeline p = ctx.pipeline();
        String before = HandlerNames.HTTP_ROUTER;
        if (server.webSocketSettings().deflate() != null) {
            // ahead of the handshake handler the protocol handler puts before itself, so that it sees the 101
            p.addAfter(before, HandlerNames.WS_DEFLATE, server.webSocketSettings().deflate().negotiator());
            before = HandlerNames.WS_DEFLATE;
        }
        p.addAfter(before, HandlerNames.WS_PROTOCOL, new dev.ferry.server.transport.WebSocketProtocolHandler(protocol));
        p.addAfter(HandlerNames.WS_PROTOCOL, HandlerNames.WS_AGGREGATOR,
                new BoundedFrameAggregator(ws.maxMessageBytes(), server.reassemblyBudget(), ws.fragmentTimeout(),
                        server.sessions().clock()));
        p.addAfter(HandlerNames.WS_AGGREGATOR, HandlerNames.WS_SESSION, handler);
        if (p.get(HandlerNames.HTTP_DEADLINE) != null) {
            p.remove(HandlerNames.HTTP_DEADLINE);
        }
        if (p.get(HandlerNames.HTTP_CORS) != null) {
            p.remove(HandlerNames.HTTP_CORS);
        }
        var after = handler instanceof WebSocketEndpointHandler e ? e.answerAfter() : null;
        if (after == null || after.toCompletableFuture().isDone()) {
            ctx.fireChannelRead(req.retain());
            return;
        }
        req.retain();
        ctx.channel().config().setAutoRead(false);
        after.whenComplete((v, failure) -> ctx.executor().execute(() -> {
            ctx.channel().config().setAutoRead(true);
            if (ctx.channel().isActive()) {
                ctx.fireChannelRead(req);
            } else {
                req.release();
            }
        }));
    }
}
