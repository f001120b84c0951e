package dev.ferry.server.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;

/**
 * A WebSocket endpoint of a protocol that lives above the transports layer (WAMP), reached through the router
 * without the router importing it: {@code FerryServer} adds it to the server's routes. The router answers a request
 * at {@link #path()} that is no upgrade with 400, and refuses an upgrade whose origin is not allowed (403
 * {@code origin_not_allowed}) or that arrives while the server drains (503), as for every WebSocket endpoint; the
 * route gets the upgrades that pass. Runs on the connection's event loop.
 */
public interface UpgradeRoute {
    /** The exact request path, such as {@code /v1/wamp}. */
    String path();

    /** Answers an admitted upgrade request: refuses it or switches the pipeline to WebSocket. */
    void upgrade(ChannelHandlerContext ctx, FullHttpRequest req);

    /**
     * Answers an upgrade whose connection the connect hook refused, in a form a browser can read (docs/hooks.md,
     * "connect"): accepts it and tells the client over the socket. Returns false, having answered nothing, when
     * the request is no acceptable upgrade of this route (the router then answers 403 or 503). The default: false.
     */
    default boolean refuseConnect(ChannelHandlerContext ctx, FullHttpRequest req,
                                  dev.ferry.server.websocket.ConnectRefusal refusal) {
        return false;
    }
}
