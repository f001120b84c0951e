package dev.ferry.server.http;

import dev.ferry.server.transport.HttpResponses;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Topics;
import dev.ferry.server.auth.AccessScope;
import dev.ferry.server.auth.Action;
import dev.ferry.server.auth.Identity;
import dev.ferry.server.hub.TopicIndex;
import dev.ferry.server.multiplex.MultiplexHandler;
import dev.ferry.server.topics.IndexSocketHandler;
import dev.ferry.server.topics.TopicPath;
import dev.ferry.server.topics.TopicSocketHandler;
import dev.ferry.server.websocket.WebSocketUpgrade;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.List;

/**
 * The endpoints for web pages (docs/web.md): the multiplexer, per-topic sockets, the topic index and index sockets, and the demo
 * pages with the browser build of ferry-js. Runs on the connection's event loop.
 */
final class WebEndpoints {
    static final String MULTIPLEX_PATH = "/v1/multiplex";

    private final HttpServices server;

    WebEndpoints(HttpServices server) {
        this.server = server;
    }

    /** Answers the request when its path is one of these endpoints; returns whether it did. */
    boolean route(ChannelHandlerContext ctx, FullHttpRequest req, QueryStringDecoder uri, boolean keepAlive) {
        String path = uri.rawPath();
        if (path.equals(MULTIPLEX_PATH)) {
            if (!isUpgrade(req)) {
                HttpResponses.send(ctx, false, HttpResponses.text(HttpResponseStatus.BAD_REQUEST,
                        MULTIPLEX_PATH + " is a WebSocket endpoint: send a GET with Upgrade: websocket"));
            } else if (admitted(ctx, req)) {
                AccessScope scope = authenticate(ctx, req);
                if (scope != null) {
                    WebSocketUpgrade.upgradePlain(ctx, req, server.webSockets(),
                            new MultiplexHandler(server.webSockets(), scope, uri.parameters().containsKey("binary")));
                }
            }
            return true;
        }
        if (path.equals(IndexSocketHandler.ROOT) || path.startsWith(IndexSocketHandler.ROOT + "/")) {
            indexSocket(ctx, req, path);
            return true;
        }
        if (path.equals(TopicPath.ROOT)) {
            if (requireGet(ctx, req, keepAlive)) {
                List<String> p = uri.parameters().get("prefix");
                index(ctx, req, keepAlive, p == null || p.isEmpty() ? "" : p.get(0));
            }
            return true;
        }
        if (path.startsWith(TopicPath.PREFIX)) {
            TopicPath topic = TopicPath.parse(path);
            if (isUpgrade(req)) {
                if (topic.problem() != null) {
                    HttpResponses.send(ctx, false, HttpResponses.error(HttpResponseStatus.BAD_REQUEST,
                            ErrorCode.BAD_TOPIC.wire(), topic.problem()));
                } else if (admitted(ctx, req)) {
                    AccessScope scope = authenticate(ctx, req);
                    if (scope != null && HttpApi.permitted(ctx, false, server.security(), scope, Action.SUBSCRIBE,
                            topic.pattern())) {
                        WebSocketUpgrade.upgradePlain(ctx, req, server.webSockets(), new TopicSocketHandler(server.webSockets(), topic.pattern(), scope));
                    }
                }
            } else if (requireGet(ctx, req, keepAlive)) {
                if (topic.problem() != null) {
                    HttpResponses.send(ctx, keepAlive, HttpResponses.error(HttpResponseStatus.BAD_REQUEST,
                            ErrorCode.BAD_TOPIC.wire(), topic.problem()));
                } else {
                    index(ctx, req, keepAlive, topic.pattern());
                }
            }
            return true;
        }
        WebAssets.Asset asset = req.method().equals(HttpMethod.GET) || req.method().equals(HttpMethod.HEAD)
                ? server.webAssets().get(path) : null;
        if (asset != null) {
            FullHttpResponse r = HttpResponses.response(HttpResponseStatus.OK,
                    req.method().equals(HttpMethod.HEAD) ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(asset.bytes()),
                    asset.contentType());
            r.headers().set(HttpHeaderNames.CONTENT_LENGTH, asset.bytes().length);
            r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
            r.headers().set("X-Content-Type-Options", "nosniff");
            HttpResponses.send(ctx, keepAlive, r);
            return true;
        }
        return false;
    }

    /**
     * The topic index as the asker may see it: only the topics and patterns it may subscribe to (docs/security.md).
     * The asker is whoever the request's credentials name (anonymous without any, when allowed; 401 otherwise).
     */
    private void index(ChannelHandlerContext ctx, FullHttpRequest req, boolean keepAlive, String prefix) {
        String why = prefix.isEmpty() ? null : Topics.checkPattern(prefix);
        if (why != null) {
            HttpResponses.send(ctx, keepAlive, HttpResponses.error(HttpResponseStatus.BAD_REQUEST, ErrorCode.BAD_TOPIC.wire(), why));
            return;
        }
        dev.ferry.server.auth.Identity who = server.auth().authenticate(ctx, req);
        if (who == null) {
            return;
        }
        AccessScope scope = server.security().permissions().scope(who);
        HttpResponses.send(ctx, keepAlive, HttpResponses.json(HttpResponseStatus.OK, server.hub().index(prefix,
                TopicIndex.MAX_CHILDREN, scope::maySubscribe, scope::maySubscribeAtOrBelow)
                .classified(server.events()::className).toJson()));
    }

    /**
     * {@code /v1/index[/a/b]}: upgrades to an {@link IndexSocketHandler} of the path's prefix (the root without
     * segments); 400 for a request without an upgrade or a path that names no topic or pattern.
     */
    private void indexSocket(ChannelHandlerContext ctx, FullHttpRequest req, String path) {
        if (!isUpgrade(req)) {
            HttpResponses.send(ctx, false, HttpResponses.text(HttpResponseStatus.BAD_REQUEST, IndexSocketHandler.ROOT
                    + " is a WebSocket endpoint: send a GET with Upgrade: websocket (GET " + TopicPath.ROOT
                    + " answers the index over HTTP)"));
            return;
        }
        TopicPath prefix = path.equals(IndexSocketHandler.ROOT) ? new TopicPath("", null)
                : TopicPath.parseWords(path.substring(IndexSocketHandler.ROOT.length() + 1));
        if (prefix.problem() != null) {
            HttpResponses.send(ctx, false, HttpResponses.error(HttpResponseStatus.BAD_REQUEST,
                    ErrorCode.BAD_TOPIC.wire(), prefix.problem()));
        } else if (admitted(ctx, req)) {
            AccessScope scope = authenticate(ctx, req);
            if (scope != null) {
                WebSocketUpgrade.upgradePlain(ctx, req, server.webSockets(), new IndexSocketHandler(server.webSockets(), prefix.pattern(), scope));
            }
        }
    }

    /** A WebSocket upgrade: GET with {@code Upgrade: websocket}. */
    static boolean isUpgrade(FullHttpRequest req) {
        return req.method().equals(HttpMethod.GET)
                && req.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
    }

    /**
     * Whether a WebSocket upgrade may proceed: answers 403 {@code origin_not_allowed} for a refused origin and 503
     * while draining. Shared by every WebSocket endpoint.
     */
    boolean admitted(ChannelHandlerContext ctx, FullHttpRequest req) {
        String refusal = server.originPolicy().refusal(req);
        if (refusal != null) {
            HttpResponses.send(ctx, false, HttpResponses.error(HttpResponseStatus.FORBIDDEN, "origin_not_allowed", refusal));
            return false;
        }
        if (server.draining()) {
            HttpResponses.send(ctx, false, HttpResponses.text(HttpResponseStatus.SERVICE_UNAVAILABLE, "the server is shutting down"));
            return false;
        }
        return true;
    }

    /** The permissions of the client of an upgrade, or null after answering 401 (docs/security.md). */
    private AccessScope authenticate(ChannelHandlerContext ctx, FullHttpRequest req) {
        if (!WebSocketUpgrade.authenticate(ctx, req, server.webSockets())) {
            return null;
        }
        return server.security().permissions().scope(ctx.channel().attr(Identity.KEY).get());
    }

    private static boolean requireGet(ChannelHandlerContext ctx, FullHttpRequest req, boolean keepAlive) {
        if (req.method().equals(HttpMethod.GET)) {
            return true;
        }
        FullHttpResponse r = HttpResponses.error(HttpResponseStatus.METHOD_NOT_ALLOWED, "method_not_allowed",
                req.method() + " is not allowed here (allowed: GET)");
        r.headers().set(HttpHeaderNames.ALLOW, "GET");
        HttpResponses.send(ctx, keepAlive, r);
        return false;
    }
}
