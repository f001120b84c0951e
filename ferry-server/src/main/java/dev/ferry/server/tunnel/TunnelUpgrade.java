package dev.ferry.server.tunnel;

import dev.ferry.server.config.TunnelConfig;
import dev.ferry.server.config.TunnelRoute;
import dev.ferry.server.auth.AccessScope;
import dev.ferry.server.auth.Action;
import dev.ferry.server.auth.AuthError;
import dev.ferry.server.auth.Identity;
import dev.ferry.server.connection.IdentityExpiry;
import dev.ferry.server.hooks.Hooks;
import dev.ferry.server.transport.HttpResponses;
import dev.ferry.server.transport.TransportAuth;
import dev.ferry.server.transport.HandlerNames;
import dev.ferry.server.auth.Security;
import dev.ferry.server.transport.OpenChannels;
import dev.ferry.server.transport.Transport;
import dev.ferry.server.time.ServerClock;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers an upgrade request on a tunnel path: checks it, takes a connection slot of the route, connects to the
 * upstream, and only then completes the WebSocket handshake, so that every refusal is an HTTP status with a
 * plain-text reason (docs/http-api.md):
 * <pre>
 *   404  no route at the path          400  not a GET upgrade, or no acceptable subprotocol
 *   503  route full, or server draining 502  upstream unreachable
 *   401  no or bad credentials, 403 origin or tunnel permission refused (routes with auth: required; JSON)
 * </pre>
 * Then the pipeline becomes {@code http-codec → http-router → ws-protocol → tunnel-idle → tunnel-relay}
 * (the router and codec leave as the handshake completes, and {@link TunnelFrameDecoder} replaces the handshake's
 * frame decoder) and a {@link Relay} joins it to the upstream.
 */
public final class TunnelUpgrade {
    private static final Logger log = LoggerFactory.getLogger(TunnelUpgrade.class);

    /** The AMQP WebSocket Binding's subprotocol. */
    public static final String AMQP = "amqp";
    /** The token of the binding's drafts, still sent by some clients. */
    public static final String AMQP_DRAFT = "AMQPWSB10";
    /** Echoed on TCP routes when offered (the websockify convention); TCP routes need no subprotocol. */
    public static final String BINARY = "binary";

    /** The outcome of subprotocol negotiation: the token to echo (null for none), or why the upgrade is refused. */
    record Subprotocol(String chosen, String refusal) {
    }

    private TunnelUpgrade() {
    }

    /**
     * The subprotocol rules. AMQP routes: the first offered token that is {@code amqp} or {@code AMQPWSB10}, echoed
     * exactly; an upgrade offering neither is refused. TCP routes: {@code binary} if offered, otherwise none.
     */
    static Subprotocol negotiate(TunnelRoute.Kind kind, String offeredHeader) {
        String offered = offeredHeader == null ? "" : offeredHeader.trim();
        for (String token : offered.split(",")) {
            String t = token.trim();
            if (kind == TunnelRoute.Kind.AMQP && (t.equals(AMQP) || t.equals(AMQP_DRAFT))
                    || kind == TunnelRoute.Kind.TCP && t.equals(BINARY)) {
                return new Subprotocol(t, null);
            }
        }
        if (kind == TunnelRoute.Kind.TCP) {
            return new Subprotocol(null, null);
        }
        if (offered.isEmpty()) {
            return new Subprotocol(null, "missing WebSocket subprotocol (expected: " + AMQP
                    + " in Sec-WebSocket-Protocol, as the AMQP WebSocket Binding requires)");
        }
        return new Subprotocol(null, "unsupported WebSocket subprotocol \"" + offered + "\" (expected: " + AMQP
                + " or " + AMQP_DRAFT + ")");
    }

    /**
     * Handles a request for {@code path}, one that {@link Tunnels#handles(String)} accepted: {@code auth} checks the
     * opening request of a route with {@code auth: required}, refusals are counted in {@code security}, and none is
     * opened while {@code channels} drain.
     */
    public static void handle(ChannelHandlerContext ctx, FullHttpRequest req, String path, Tunnels tunnels,
            TransportAuth auth, Security security, OpenChannels channels) {
        handle(ctx, req, path, tunnels, auth, security, channels, Hooks.none());
    }

    /**
     * As above, on a server with backend {@code hooks}: a tunnel opened with an identity the connect hook gave
     * (docs/hooks.md) is timed by that identity's expiry ({@link #timeIdentity}).
     */
    public static void handle(ChannelHandlerContext ctx, FullHttpRequest req, String path, Tunnels tunnels,
            TransportAuth auth, Security security, OpenChannels channels, Hooks hooks) {
        Tunnels.Endpoint ep = tunnels.find(path);
        if (ep == null) {
            String name = path.substring(TunnelRoute.TCP_PATH_PREFIX.length());
            HttpResponses.send(ctx, false, HttpResponses.text(HttpResponseStatus.NOT_FOUND,
                    "no tunnel route named \"" + name + "\" (only configured routes, tunnel.routes.<name>, are reachable)"));
            return;
        }
        TunnelRoute route = ep.route();
        if (!req.method().equals(HttpMethod.GET)) {
            refuse(ctx, HttpResponseStatus.BAD_REQUEST, "a WebSocket upgrade must use GET, not " + req.method());
            return;
        }
        if (!req.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)) {
            refuse(ctx, HttpResponseStatus.BAD_REQUEST, path + " is a WebSocket tunnel: send an Upgrade: websocket request"
                    + (route.kind() == TunnelRoute.Kind.AMQP ? " with subprotocol " + AMQP : ""));
            return;
        }
        Subprotocol sub = negotiate(route.kind(), req.headers().get(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL));
        if (sub.refusal() != null) {
            refuse(ctx, HttpResponseStatus.BAD_REQUEST, sub.refusal());
            return;
        }
        if (route.authRequired() && !admitted(ctx, req, auth, security, route)) {
            return;
        }
        if (channels.draining()) {
            refuse(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "the server is shutting down");
            return;
        }
        if (!ep.counters().tryOpen()) {
            refuse(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "route " + route.name() + " is full: "
                    + route.maxConnections() + " tunnels open (max-connections); try again later");
            return;
        }
        Channel client = ctx.channel();
        client.closeFuture().addListener(f -> ep.counters().closed());
        client.config().setAutoRead(false);
        Identity hooked = Identity.hooked(client);
        Hooked timed = hooked == null || hooked.expiresAt() == null ? null : new Hooked(hooked, hooks, security);
        connect(ctx, req.retain(), tunnels.config(), tunnels.clock(), ep, sub.chosen(), timed);
    }

    /** The identity the connect hook gave a tunnel, to be timed once the tunnel is open. */
    private record Hooked(Identity identity, Hooks hooks, Security security) {
    }

    /**
     * Times the identity the connect hook gave a tunnel ({@link IdentityExpiry}): at its expiry the refresh hook
     * is asked ({@code client} empty: tunnels are not listed in the server API; {@code transport} {@code tunnel} or
     * {@code amqp}); its answer keeps the tunnel open, and on a route with {@code auth: required} must still allow
     * {@code tunnel} on the route's name (else close 4006 {@code forbidden}). Without a refresh hook, or refused,
     * the WebSocket closes with 4005 {@code token expired}. An identity from a token is not timed: the byte stream
     * cannot carry a refresh (docs/security.md, "Tunnels").
     */
    private static void timeIdentity(Hooked h, Channel client, ServerClock clock, TunnelRoute route, Relay relay) {
        IdentityExpiry expiry = new IdentityExpiry(h.hooks(), clock, client.eventLoop(), () -> "",
                route.kind() == TunnelRoute.Kind.AMQP ? "amqp" : "tunnel", new IdentityExpiry.Owner() {
                    @Override
                    public boolean open() {
                        return client.isActive();
                    }

                    @Override
                    public void refreshed(Identity next) {
                        if (!route.authRequired()) {
                            return;
                        }
                        var refusal = dev.ferry.server.connection.Admission.permitted(h.security().counters(),
                                h.security().permissions().scope(next), Action.TUNNEL, route.name());
                        if (refusal != null) {
                            relay.closeWebSocket(dev.ferry.protocol.CloseCodes.FORBIDDEN, "forbidden: " + refusal.message());
                        }
                    }

                    @Override
                    public void expired() {
                        h.security().counters().expiredClosed();
                        relay.closeWebSocket(dev.ferry.protocol.CloseCodes.TOKEN_EXPIRED, "token expired");
                    }
                });
        expiry.start(h.identity());
        client.closeFuture().addListener(f -> expiry.cancel());
    }

    /**
     * The gateway-side check of a route with {@code auth: required} (docs/security.md, "Tunnels"), before anything
     * is connected upstream: the page's origin (such a route accepts a cookie), credentials that are a token or an API
     * key (never anonymous: 401), and the {@code tunnel} action on the route's name (403 {@code forbidden}). Answers
     * the refusal itself, as JSON like every other authentication refusal.
     */
    private static boolean admitted(ChannelHandlerContext ctx, FullHttpRequest req, TransportAuth auth, Security security,
            TunnelRoute route) {
        if (!auth.originAllowed(ctx, req)) {
            return false;
        }
        Identity identity = auth.authenticate(ctx, req);
        if (identity == null) {
            return false;
        }
        if (identity.kind() == Identity.Kind.ANONYMOUS) {
            security.counters().authFailed();
            HttpResponses.send(ctx, false, HttpResponses.authError(AuthError.unauthorized(
                    "missing token: route " + route.name() + " requires authentication (" + route.kind().key(route.name(), "auth") + ")")));
            return false;
        }
        AccessScope scope = security.permissions().scope(identity);
        var refusal = dev.ferry.server.connection.Admission.permitted(security.counters(), scope, Action.TUNNEL, route.name());
        if (refusal != null) {
            HttpResponses.send(ctx, false, TransportAuth.forbidden(refusal.message(), Action.TUNNEL, route.name()));
        }
        return refusal == null;
    }

    private static void refuse(ChannelHandlerContext ctx, HttpResponseStatus status, String reason) {
        HttpResponses.send(ctx, false, HttpResponses.text(status, reason));
    }

    /** Connects to the upstream (and completes TLS with it) before answering the upgrade. Owns {@code req}. */
    private static void connect(ChannelHandlerContext ctx, FullHttpRequest req, TunnelConfig config, ServerClock clock,
                                Tunnels.Endpoint ep, String subprotocol, Hooked timed) {
        TunnelRoute route = ep.route();
        Channel client = ctx.channel();
        Bootstrap b = new Bootstrap()
                .group(client.eventLoop())
                .channel(Transport.socketChannelClassFor(client))
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.connectTimeout().toMillis())
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (ep.upstreamTls() != null) {
                            ch.pipeline().addLast(HandlerNames.TUNNEL_TLS,
                                    ep.upstreamTls().newHandler(ch.alloc(), route.upstreamHost(), route.upstreamPort()));
                        }
                    }
                });
        ChannelFuture cf = b.connect(route.upstreamHost(), route.upstreamPort());
        Channel upstream = cf.channel();
        client.closeFuture().addListener(f -> Relay.closeOnFlush(upstream));
        cf.addListener(f -> {
            if (!f.isSuccess()) {
                unreachable(ctx, req, route, f.cause());
                return;
            }
            SslHandler tls = upstream.pipeline().get(SslHandler.class);
            if (tls == null) {
                connected(ctx, req, config, clock, ep, subprotocol, upstream, timed);
                return;
            }
            tls.handshakeFuture().addListener(h -> {
                if (h.isSuccess()) {
                    connected(ctx, req, config, clock, ep, subprotocol, upstream, timed);
                } else {
                    upstream.close();
                    unreachable(ctx, req, route, h.cause());
                }
            });
        });
    }

    private static void unreachable(ChannelHandlerContext ctx, FullHttpRequest req, TunnelRoute route, Throwable cause) {
        req.release();
        log.warn("tunnel route {}: upstream {} unreachable: {}", route.name(), route.upstream(), cause.toString());
        if (ctx.channel().isActive()) {
            refuse(ctx, HttpResponseStatus.BAD_GATEWAY, "the upstream of route " + route.name() + " is unreachable");
        }
    }

    private static void connected(ChannelHandlerContext ctx, FullHttpRequest req, TunnelConfig config, ServerClock clock,
                                  Tunnels.Endpoint ep, String subprotocol, Channel upstream, Hooked timed) {
        Channel client = ctx.channel();
        if (!client.isActive()) {
            req.release();
            upstream.close();
            return;
        }
        Relay relay = new Relay(client, upstream, ep.counters(), clock, config.maxFrameBytes());
        upstream.closeFuture().addListener(f -> {
            if (!relay.started()) {
                client.close();
            }
        });
        upstream.pipeline().addLast(HandlerNames.TUNNEL_RELAY, relay.streamHandler());
        WebSocketServerProtocolConfig protocol = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath(ep.route().path())
                .checkStartsWith(true)
                .subprotocols(subprotocol)
                .handshakeTimeoutMillis(config.connectTimeout().toMillis())
                .handleCloseFrames(true)
                .dropPongFrames(true)
                .decoderConfig(WebSocketDecoderConfig.newBuilder()
                        .maxFramePayloadLength(config.maxFrameBytes())
                        .allowExtensions(false)
                        .withUTF8Validator(false) // text frames close the tunnel (1003) whatever they hold
                        .closeOnProtocolViolation(false) // the relay closes with the decoder's status, lingering
                        .build())
                .build();
        ChannelPipeline p = ctx.pipeline();
        p.addAfter(HandlerNames.HTTP_ROUTER, HandlerNames.WS_PROTOCOL, new dev.ferry.server.transport.WebSocketProtocolHandler(protocol));
        p.addAfter(HandlerNames.WS_PROTOCOL, HandlerNames.TUNNEL_IDLE,
                new IdleStateHandler(0, 0, config.idlePing().toMillis(), TimeUnit.MILLISECONDS));
        p.addAfter(HandlerNames.TUNNEL_IDLE, HandlerNames.TUNNEL_RELAY, relay.webSocketHandler());
        if (p.get(HandlerNames.HTTP_DEADLINE) != null) {
            p.remove(HandlerNames.HTTP_DEADLINE);
        }
        ctx.fireChannelRead(req);
        if (p.get(HandlerNames.HTTP_ROUTER) != null) {
            p.remove(HandlerNames.HTTP_ROUTER);
        }
        if (timed != null) {
            timeIdentity(timed, client, clock, ep.route(), relay);
        }
    }
}
