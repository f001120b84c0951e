package dev.ferry.server.http;

import dev.ferry.server.transport.HttpResponses;
import dev.ferry.server.sse.SseEndpoints;
import dev.ferry.server.tunnel.TunnelUpgrade;
import dev.ferry.server.websocket.WebSocketUpgrade;
import dev.ferry.server.auth.AuthRequest;
import dev.ferry.server.auth.Identity;
import dev.ferry.server.config.HooksConfig;
import dev.ferry.server.hooks.ConnectRequest;
import dev.ferry.server.hooks.ConnectVerdict;
import dev.ferry.server.hooks.Hooks;
import dev.ferry.server.topics.IndexSocketHandler;
import dev.ferry.server.topics.TopicPath;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;

/**
 * The first stop of every request on the port: sends it to its endpoint by path, or answers 404/405/400 itself.
 * Routes (docs/http-api.md):
 * <pre>
 *   GET  /v1/ws                 ferry.v1 WebSocket upgrade
 *   GET  /v1/multiplex          multiplexer WebSocket upgrade            (WebEndpoints, docs/web.md)
 *   GET  /v1/wamp               WAMP WebSocket upgrade                   (an UpgradeRoute, docs/wamp.md)
 *   GET  /v1/topics[/a/b/c]     topic index, or a per-topic WebSocket    (WebEndpoints)
 *   GET  /v1/index[/a/b]        index WebSocket: an index, then changes  (WebEndpoints)
 *   GET  /, /todo.html, ...     demo pages and ferry-js (/ferry-js/...)  (WebEndpoints)
 *   GET  /healthz               liveness
 *   GET  /metrics               Prometheus metrics
 *   GET  /readyz                readiness (the engine reaches its backend)
 *   POST /v1/publish/{topic}    publish (API key)
 *   POST /v1/call/{procedure}   request-reply (API key)
 *   GET  /v1/history/{topic}    retained publications (API key)
 *   GET  /v1/tunnel/{name}      TCP tunnel upgrade (configured routes only)
 *   GET  {amqp route path}      AMQP WebSocket Binding upgrade
 *   GET  /v1/sse                server-sent events of topics
 *   POST /v1/session            open an HTTP-only fallback session
 *   GET  /v1/session/{id}/events  its event stream (downstream)
 *   POST /v1/session/{id}       its frames (upstream)
 *   GET  /v1/presence/{topic}   a page of the topic's presence         (PresenceEndpoint)
 *   GET, PATCH /v1/state/{topic}  a state channel's document, its changes as events  (StateHttp)
 *   /v1/admin/...               the server API: connections, topics, broadcast  (AdminApi)
 * </pre>
 */
public final class HttpRouter extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final HttpServices server;
    private final HttpApi api;
    private final WebEndpoints web;
    private final SseEndpoints sse;
    private final PresenceEndpoint presence;
    private final StateHttp state;
    private final AdminApi admin;
    private final Hooks hooks;

    public HttpRouter(HttpServices server) {
        this.server = server;
        this.api = new HttpApi(server);
        this.web = new WebEndpoints(server);
        this.sse = new SseEndpoints(server.sse());
        this.presence = new PresenceEndpoint(server);
        this.state = new StateHttp(server, api);
        this.admin = new AdminApi(server, api);
        this.hooks = server.webSockets().sessions().connectionFactory().hooks();
    }

    /**
     * The transport a request opens a connection of ({@code websocket}, {@code wamp}, {@code multiplex},
     * {@code topic}, {@code index}, {@code tunnel} (a TCP tunnel route), {@code amqp} (an AMQP route), {@code sse},
     * {@code fallback}, {@code state} (a state channel's event stream)), or null for any other request: the
     * requests the connect hook is asked about (docs/hooks.md).
     */
    private String opens(FullHttpRequest req, String path) {
        boolean upgrade = WebEndpoints.isUpgrade(req);
        if (upgrade && path.equals(WebSocketUpgrade.PATH)) {
            return "websocket";
        }
        if (upgrade && server.upgradeRoute(path) != null) {
            return path.equals("/v1/wamp") ? "wamp" : "websocket";
        }
        if (upgrade) {
            dev.ferry.server.config.TunnelRoute tunnel = server.tunnels().route(path);
            if (tunnel != null) {
                return tunnel.kind() == dev.ferry.server.config.TunnelRoute.Kind.AMQP ? "amqp" : "tunnel";
            }
        }
        if (upgrade && path.equals(WebEndpoints.MULTIPLEX_PATH)) {
            return "multiplex";
        }
        if (upgrade && path.startsWith(TopicPath.PREFIX)) {
            return "topic";
        }
        if (upgrade && (path.equals(IndexSocketHandler.ROOT) || path.startsWith(IndexSocketHandler.ROOT + "/"))) {
            return "index";
        }
        if (path.equals(SseEndpoints.STREAM_PATH) && req.method().equals(HttpMethod.GET)) {
            return "sse";
        }
        if (path.equals(SseEndpoints.SESSION_PATH) && req.method().equals(HttpMethod.POST)) {
            return "fallback";
        }
        if (path.startsWith(StateHttp.PREFIX) && req.method().equals(HttpMethod.GET)
                && req.headers().get(HttpHeaderNames.ACCEPT, "").contains("text/event-stream")) {
            return "state";
        }
        return null;
    }

    /**
     * Asks the connect hook about the connection {@code req} opens, reading nothing more from the channel meanwhile,
     * then, on the channel's event loop: answers 403 {@code connect_refused} when the backend refuses, 503
     * {@code connect_unavailable} when it gives no answer and the failure policy is {@code refuse} (a WebSocket
     * upgrade: accepted, then closed with 4403 or 4503, see {@link #refusedUpgrade}); otherwise routes
     * the request with the hook's identity (or, with no answer and {@code allow}, as if there were no hook).
     */
    private void askConnectHook(ChannelHandlerContext ctx, FullHttpRequest req, String path, String transport) {
        Channel ch = ctx.channel();
        Map<String, String> forwarded = new LinkedHashMap<>();
        for (String name : hooks.config().forwardHeaders()) {
            List<String> values = req.headers().getAll(name);
            if (!values.isEmpty()) {
                forwarded.put(name, String.join(name.equalsIgnoreCase("Cookie") ? "; " : ", ", values));
            }
        }
        AuthRequest credentials = AuthRequest.of(req);
        String token = credentials.bearer() != null ? credentials.bearer()
                : credentials.queryParam(dev.ferry.server.auth.Authenticator.QUERY_PARAM);
        String remote = ch.remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null
                ? a.getAddress().getHostAddress() : String.valueOf(ch.remoteAddress());
        req.retain();
        ch.config().setAutoRead(false);
        hooks.connect(new ConnectRequest(transport, path, remote, forwarded, token))
                .whenComplete((verdict, failure) -> ch.eventLoop().execute(() -> {
                    try {
                        ch.config().setAutoRead(true);
                        if (ch.isActive()) {
                            decided(ctx, req, verdict != null ? verdict : ConnectVerdict.failed(String.valueOf(failure)));
                        }
                    } finally {
                        req.release();
                    }
                }));
    }

    private void decided(ChannelHandlerContext ctx, FullHttpRequest req, ConnectVerdict verdict) {
        HooksConfig.Endpoint hook = hooks.config().connect(); // null: removed by a reload meanwhile
        boolean refuses = verdict.refusal() != null || (verdict.identity() == null && hook != null
                && hook.failurePolicy() == HooksConfig.FailurePolicy.REFUSE);
        if (refuses && WebEndpoints.isUpgrade(req) && refusedUpgrade(ctx, req, verdict.refusal() != null
                ? dev.ferry.server.websocket.ConnectRefusal.refused(verdict.refusal().code(), verdict.refusal().reason())
                : dev.ferry.server.websocket.ConnectRefusal.unavailable(unanswered(verdict)))) {
            return;
        }
        if (verdict.refusal() != null) {
            byte[] data = ("{\"code\":" + new String(dev.ferry.protocol.FrameCodec.quote(verdict.refusal().code()),
                    StandardCharsets.UTF_8) + "}").getBytes(StandardCharsets.UTF_8);
            HttpResponses.send(ctx, false, HttpResponses.json(HttpResponseStatus.FORBIDDEN, HttpResponses.errorBody(
                    "connect_refused", verdict.refusal().reason(), data)));
            return;
        }
        if (verdict.identity() == null) {
            HooksConfig.Endpoint connect = hooks.config().connect(); // null: removed by a reload meanwhile
            if (connect != null && connect.failurePolicy() == HooksConfig.FailurePolicy.REFUSE) {
                HttpResponses.send(ctx, false, HttpResponses.error(HttpResponseStatus.SERVICE_UNAVAILABLE,
                        "connect_unavailable", unanswered(verdict)));
                return;
            }
            route(ctx, req, true);
            return;
        }
        ctx.channel().attr(Identity.HOOKED).set(verdict.identity());
        try {
            route(ctx, req, true);
        } finally {
            ctx.channel().attr(Identity.HOOKED).set(null);
        }
    }

    private static String unanswered(ConnectVerdict verdict) {
        return "the application did not answer the connect hook: " + verdict.failure();
    }

    /**
     * Answers a WebSocket upgrade the connect hook refused as its endpoint speaks (docs/hooks.md, "connect"): the
     * upgrade is accepted and the socket closed at once with 4403 or 4503 (a browser cannot read the status of a
     * refused upgrade, but reads a close code and reason); WAMP answers the HELLO with ABORT. Returns false, having
     * answered nothing, for a request that is no acceptable upgrade of its endpoint (a ferry.v1 upgrade without the
     * ferry.v1 subprotocol, a WAMP one without a WAMP subprotocol, a path of no WebSocket endpoint): the caller
     * answers over HTTP.
     */
    private boolean refusedUpgrade(ChannelHandlerContext ctx, FullHttpRequest req,
                                   dev.ferry.server.websocket.ConnectRefusal refusal) {
        String path = new QueryStringDecoder(req.uri(), StandardCharsets.UTF_8).rawPath();
        String transport = opens(req, path);
        UpgradeRoute route = server.upgradeRoute(path);
        if (route != null) {
            return route.refuseConnect(ctx, req, refusal);
        }
        if (!"websocket".equals(transport) && !"multiplex".equals(transport) && !"topic".equals(transport)
                && !"index".equals(transport)) {
            return false; // tunnels and AMQP routes: their clients are programs that read the status
        }
        String subprotocol = null;
        if (path.equals(WebSocketUpgrade.PATH)) {
            if (WebSocketUpgrade.refusal(req) != null) {
                return false;
            }
            subprotocol = WebSocketUpgrade.SUBPROTOCOL;
        }
        WebSocketUpgrade.refuse(ctx, req, server.webSockets(), subprotocol, refusal);
        return true;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        route(ctx, req, false);
    }

    /** Routes {@code req}; {@code connectDecided}: the connect hook has been asked about it already. */
    private void route(ChannelHandlerContext ctx, FullHttpRequest req, boolean connectDecided) {
        boolean keepAlive = HttpUtil.isKeepAlive(req) && !server.draining();
        if (!req.decoderResult().isSuccess()) {
            HttpResponses.send(ctx, false, HttpResponses.error(HttpResponseStatus.BAD_REQUEST, "bad_request",
                    "malformed HTTP request: " + req.decoderResult().cause().getMessage()));
            return;
        }
        // looked up only when present: attr() would add the attribute to every channel for good
        var over = ctx.channel().hasAttr(dev.ferry.server.transport.OpenChannels.OVER_CONNECTION_LIMIT)
                ? ctx.channel().attr(dev.ferry.server.transport.OpenChannels.OVER_CONNECTION_LIMIT).get() : null;
        if (over == dev.ferry.server.auth.ConnectionLimiter.Refusal.TOTAL) {
            HttpResponses.send(ctx, false, HttpResponses.error(HttpResponseStatus.SERVICE_UNAVAILABLE, "too_many_connections",
                    "the server already holds " + server.config().limits().maxConnections()
                            + " connections (limits.max-connections)"));
            return;
        }
        if (over != null) {
            HttpResponses.send(ctx, false, HttpResponses.error(HttpResponseStatus.TOO_MANY_REQUESTS, "too_many_connections",
                    "this address already holds " + server.config().limits().connectionsPerIp()
                            + " connections (limits.connections-per-ip)"));
            return;
        }
        String badEscape = badEscape(req.uri());
        if (badEscape != null) {
            // refused before any route decodes the path or the query, which would throw
            HttpResponses.send(ctx, keepAlive, HttpResponses.error(HttpResponseStatus.BAD_REQUEST, "bad_request", badEscape));
            return;
        }
        QueryStringDecoder uri = new QueryStringDecoder(req.uri(), StandardCharsets.UTF_8);
        String path = uri.rawPath();
        if (!connectDecided && hooks.connectConfigured()) {
            String transport = opens(req, path);
            if (transport != null && server.originPolicy().refusal(req) == null) {
                askConnectHook(ctx, req, path, transport);
                return;
            }
            if (transport != null && (transport.equals("tunnel") || transport.equals("amqp"))) {
                // a route without auth checks no origin itself: a page the policy refuses must not pass the hook
                server.auth().originAllowed(ctx, req);
                return;
            }
        }
        if (path.equals(WebSocketUpgrade.PATH)) {
            String refusal = WebSocketUpgrade.refusal(req);
            if (refusal != null) {
                HttpResponses.send(ctx, false, HttpResponses.text(HttpResponseStatus.BAD_REQUEST, refusal));
            } else if (web.admitted(ctx, req)) {
                dev.ferry.server.auth.Identity who = WebSocketUpgrade.identify(ctx, req, server.webSockets());
                if (who != null) {
                    WebSocketUpgrade.upgrade(ctx, req, server.webSockets(), who);
                }
            }
            return;
        }
        UpgradeRoute route = server.upgradeRoute(path);
        if (route != null) {
            if (!WebEndpoints.isUpgrade(req)) {
                HttpResponses.send(ctx, false, HttpResponses.text(HttpResponseStatus.BAD_REQUEST,
                        path + " is a WebSocket endpoint: send a GET with Upgrade: websocket"));
            } else if (web.admitted(ctx, req)) {
                route.upgrade(ctx, req);
            }
            return;
        }
        if (path.equals("/metrics")) {
            if (requireMethod(ctx, req, HttpMethod.GET, keepAlive)) {
                HttpResponses.send(ctx, keepAlive, HttpResponses.response(HttpResponseStatus.OK,
                        io.netty.buffer.Unpooled.copiedBuffer(server.meters().scrape(), StandardCharsets.UTF_8),
                        "text/plain; version=0.0.4; charset=utf-8"));
            }
            return;
        }
        if (server.tunnels().handles(path)) {
            TunnelUpgrade.handle(ctx, req, path, server.tunnels(), server.auth(), server.security(),
                    server.webSockets().sessions().openChannels(), hooks);
            return;
        }
        if (path.equals("/healthz")) {
            if (requireMethod(ctx, req, HttpMethod.GET, keepAlive)) {
                api.health(ctx, req, keepAlive);
            }
            return;
        }
        if (path.equals("/readyz")) {
            if (requireMethod(ctx, req, HttpMethod.GET, keepAlive)) {
                api.ready(ctx, req, keepAlive);
            }
            return;
        }
        if (path.equals(HttpApi.PROCEDURES_PATH)) {
            if (requireMethod(ctx, req, HttpMethod.GET, keepAlive)) {
                api.procedures(ctx, req, keepAlive, uri);
            }
            return;
        }
        if (path.equals(HttpApi.EVENTS_PATH)) {
            if (requireMethod(ctx, req, HttpMethod.GET, keepAlive)) {
                api.events(ctx, req, keepAlive);
            }
            return;
        }
        if (path.startsWith(HttpApi.PUBLISH_PREFIX)) {
            if (requireMethod(ctx, req, HttpMethod.POST, keepAlive)) {
                api.publish(ctx, req, keepAlive, decodePathTail(path, HttpApi.PUBLISH_PREFIX));
            }
            return;
        }
        if (path.startsWith(HttpApi.HISTORY_PREFIX)) {
            if (requireMethod(ctx, req, HttpMethod.GET, keepAlive)) {
                api.history(ctx, req, keepAlive, decodePathTail(path, HttpApi.HISTORY_PREFIX), uri);
            }
            return;
        }
        if (path.startsWith(HttpApi.CALL_PREFIX)) {
            if (requireMethod(ctx, req, HttpMethod.POST, keepAlive)) {
                api.call(ctx, req, keepAlive, decodePathTail(path, HttpApi.CALL_PREFIX), uri);
            }
            return;
        }
        if (path.equals(SseEndpoints.STREAM_PATH)) {
            if (requireMethod(ctx, req, HttpMethod.GET, keepAlive)) {
                sse.stream(ctx, req, uri, keepAlive);
            }
            return;
        }
        if (path.equals(SseEndpoints.SESSION_PATH)) {
            if (requireMethod(ctx, req, HttpMethod.POST, keepAlive)) {
                sse.createSession(ctx, req, keepAlive);
            }
            return;
        }
        if (path.startsWith(SseEndpoints.SESSION_PREFIX)) {
            String tail = path.substring(SseEndpoints.SESSION_PREFIX.length());
            boolean events = tail.endsWith(SseEndpoints.EVENTS_SUFFIX);
            if (requireMethod(ctx, req, events ? HttpMethod.GET : HttpMethod.POST, keepAlive)) {
                if (events) {
                    sse.sessionEvents(ctx, req, tail.substring(0, tail.length() - SseEndpoints.EVENTS_SUFFIX.length()), keepAlive);
                } else {
                    sse.sessionPost(ctx, req, tail, keepAlive);
                }
            }
            return;
        }
        if (path.startsWith(PresenceEndpoint.PREFIX)) {
            if (requireMethod(ctx, req, HttpMethod.GET, keepAlive)) {
                presence.get(ctx, req, keepAlive, decodePathTail(path, PresenceEndpoint.PREFIX), uri);
            }
            return;
        }
        if (path.startsWith(AdminApi.PREFIX)) {
            admin.handle(ctx, req, keepAlive, path.substring(AdminApi.PREFIX.length()), uri);
            return;
        }
        if (path.startsWith(StateHttp.PREFIX)) {
            state.handle(ctx, req, keepAlive, decodePathTail(path, StateHttp.PREFIX));
            return;
        }
        if (web.route(ctx, req, uri, keepAlive)) {
            return;
        }
        HttpResponses.send(ctx, keepAlive, HttpResponses.error(HttpResponseStatus.NOT_FOUND, "not_found",
                "no endpoint at " + path));
    }

    /**
     * Why the percent-encoding of a request target is malformed, or null when it is not: every {@code %} must start
     * {@code "%" HEXDIG HEXDIG} (RFC 3986 §2.1), and the octets it spells must be well-formed UTF-8 (RFC 3986
     * §2.5), so that every path and query decoded afterwards decodes without error or replacement.
     */
    static String badEscape(String target) {
        if (target.indexOf('%') < 0) {
            return null;
        }
        byte[] octets = new byte[target.length()];
        int n = 0;
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c == '%') {
                int hi = i + 1 < target.length() ? Character.digit(target.charAt(i + 1), 16) : -1;
                int lo = i + 2 < target.length() ? Character.digit(target.charAt(i + 2), 16) : -1;
                if (hi < 0 || lo < 0) {
                    return "malformed percent-escape at character " + i + " of the request target (expected: % and two hex digits)";
                }
                octets[n++] = (byte) (hi << 4 | lo);
                i += 2;
            } else {
                octets[n++] = (byte) c;
            }
        }
        String fault = dev.ferry.protocol.JsonText.utf8Fault(octets, 0, n);
        return fault == null ? null : "the percent-escapes of the request target are not UTF-8: " + fault;
    }

    private static String decodePathTail(String path, String prefix) {
        return QueryStringDecoder.decodeComponent(path.substring(prefix.length()), StandardCharsets.UTF_8);
    }

    /**
     * Whatever reaches the end of the HTTP pipeline (a reset connection, a failed TLS handshake, a fault of ours):
     * logged through the fault log, and the connection closed, so that a pipelined request behind the one that
     * failed is never paired with the wrong response.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        server.faultLog().fault("HTTP", ctx.channel().remoteAddress(), cause);
        ctx.close();
    }

    /** Whether {@code req} has {@code method}; answers {@code 405 method_not_allowed} with {@code Allow} if not. */
    static boolean requireMethod(ChannelHandlerContext ctx, FullHttpRequest req, HttpMethod method, boolean keepAlive) {
        if (req.method().equals(method)) {
            return true;
        }
        var r = HttpResponses.error(HttpResponseStatus.METHOD_NOT_ALLOWED, "method_not_allowed",
                req.method() + " is not allowed here (allowed: " + method + ")");
        r.headers().set(HttpHeaderNames.ALLOW, method.name());
        HttpResponses.send(ctx, keepAlive, r);
        return false;
    }
}
