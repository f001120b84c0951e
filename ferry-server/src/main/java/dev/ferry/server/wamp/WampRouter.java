package dev.ferry.server.wamp;

import dev.ferry.server.websocket.WebSocketServices;
import dev.ferry.server.auth.Identity;
import dev.ferry.server.config.WampConfig;
import dev.ferry.server.transport.HttpResponses;
import dev.ferry.server.http.UpgradeRoute;
import dev.ferry.server.websocket.WebSocketUpgrade;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the WAMP sessions of one server share (docs/wamp.md): the realms, the router-scope ids of subscriptions
 * and registrations, the keys of the shared EVENT encodings, and the endpoint
 * {@code GET /v1/wamp} itself. Thread-safe: the sessions live on every event loop.
 */
public final class WampRouter implements UpgradeRoute {
    public static final String PATH = "/v1/wamp";
    /** The subprotocols offered, in the server's order of preference. */
    static final String SUBPROTOCOLS = WampCodec.JSON_SUBPROTOCOL + "," + WampCodec.MSGPACK_SUBPROTOCOL;

    private final WebSocketServices server;
    private final WampConfig config;
    private final AtomicLong nextId = new AtomicLong();
    private final ConcurrentHashMap<String, Object> eventKeys = new ConcurrentHashMap<>();
    private final WampMeta meta = new WampMeta(this::nextId);

    public WampRouter(WebSocketServices server) {
        this.server = server;
        this.config = server.sessions().config().wamp();
    }

    @Override
    public String path() {
        return PATH;
    }

    /**
     * An admitted upgrade: 400 unless the client offers {@code wamp.2.json} or {@code wamp.2.msgpack}; a request
     * that carries credentials (bearer token, cookie, {@code access_token}, client certificate) is authenticated as
     * on every endpoint (401 when they fail); one without leaves authentication to the WAMP handshake.
     */
    @Override
    public void upgrade(ChannelHandlerContext ctx, FullHttpRequest req) {
        if (!offersWamp(req.headers().get(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL))) {
            HttpResponses.send(ctx, false, HttpResponses.text(HttpResponseStatus.BAD_REQUEST,
                    PATH + " speaks WAMP: offer the subprotocol " + WampCodec.JSON_SUBPROTOCOL + " or "
                            + WampCodec.MSGPACK_SUBPROTOCOL + " in Sec-WebSocket-Protocol"));
            return;
        }
        Identity who = null;
        if (Identity.hooked(ctx.channel()) != null || carriesCredentials(ctx, req)) {
            who = WebSocketUpgrade.identify(ctx, req, server);
            if (who == null) {
                return;
            }
        }
        WebSocketUpgrade.upgradeWithSubprotocols(ctx, req, server, SUBPROTOCOLS, new WampHandler(this, server, who));
    }

    private static boolean offersWamp(String offered) {
        if (offered == null) {
            return false;
        }
        for (String p : offered.split(",")) {
            if (WampCodec.of(p.trim()) != null) {
                return true;
            }
        }
        return false;
    }

    private boolean carriesCredentials(ChannelHandlerContext ctx, FullHttpRequest req) {
        var r = dev.ferry.server.auth.AuthRequest.of(ctx, req);
        String cookie = server.sessions().config().auth().cookie();
        return r.bearer() != null || r.certificate() != null
                || (!cookie.isEmpty() && r.cookies().containsKey(cookie))
                || (server.sessions().config().auth().queryParam()
                    && r.queryParam(dev.ferry.server.auth.Authenticator.QUERY_PARAM) != null);
    }

    /**
     * The key under which a publication's EVENT tail is encoded once per event loop for the sessions of one
     * serialization and realm prefix (keys are compared by identity).
     */
    Object eventKey(WampCodec codec, String prefix) {
        return eventKeys.computeIfAbsent(codec.subprotocol() + " " + prefix, k -> new Object());
    }

    /** The sessions, subscriptions and registrations of this node, for the meta API. */
    WampMeta meta() {
        return meta;
    }

    WampConfig config() {
        return config;
    }

    /** A new session id: random in [1, 2^53], as WAMP §5.1.2 asks for ids of global scope. */
    static long sessionId() {
        return ThreadLocalRandom.current().nextLong(1, WampMessage.MAX_ID + 1);
    }

    /** A new subscription or registration id of router scope, in [1, 2^53]. */
    long nextId() {
        return nextId.incrementAndGet();
    }
}
