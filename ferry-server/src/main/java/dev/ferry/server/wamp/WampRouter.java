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
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.server.engine.NodeLink;
import dev.ferry.server.http.ClusterAdmin;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What the WAMP sessions of one server share (docs/wamp.md): the realms, the meta API's view of this node's
 * sessions, subscriptions and registrations, the keys of the shared EVENT encodings, and the endpoint
 * {@code GET /v1/wamp} itself. The meta API covers every node of the cluster: this node answers the other nodes'
 * requests of op {@link #OP} through the server's {@link ClusterAdmin} link (with the Redis engine, Redis pub/sub),
 * and relays its meta events to them there. Thread-safe: the sessions live on every event loop.
 */
public final class WampRouter implements UpgradeRoute {
    public static final String PATH = "/v1/wamp";
    /** The subprotocols offered, in the server's order of preference. */
    static final String SUBPROTOCOLS = WampCodec.JSON_SUBPROTOCOL + "," + WampCodec.MSGPACK_SUBPROTOCOL;

    /** The op of the requests between nodes ({@link ClusterAdmin#answerOp}). */
    static final String OP = "wamp";
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final WebSocketServices server;
    private final ClusterAdmin cluster;
    private final ConcurrentHashMap<String, Object> eventKeys = new ConcurrentHashMap<>();
    private final WampMeta meta;

    /** The router of {@code server}, whose meta API spans the nodes {@code cluster} links. */
    public WampRouter(WebSocketServices server, ClusterAdmin cluster) {
        this.server = server;
        this.cluster = cluster;
        this.meta = new WampMeta((realm, topic, publication, args) -> {
            ObjectNode q = request("event").put("realm", realm).put("topic", topic).put("publication", publication);
            q.set("args", args);
            cluster.tellOthers(q);
        });
        cluster.answerOp(OP, this::answer);
    }

    /** A request to the nodes' routers: {@code {"op": "wamp", "q": q}}. */
    static ObjectNode request(String q) {
        return JSON.objectNode().put("op", OP).put("q", q);
    }

    /** Asks every node's router {@code request}; the answers of those that gave one in time, as JSON. */
    java.util.concurrent.CompletionStage<List<JsonNode>> askAll(ObjectNode request) {
        return cluster.askAll(request).thenApply(replies -> {
            List<JsonNode> out = new ArrayList<>();
            for (NodeLink.Reply r : replies) {
                if (r.answered()) {
                    out.add(ClusterAdmin.answerOf(r));
                }
            }
            return out;
        });
    }

    /**
     * This node's answer to a request of a node's router (this one's included), from what its sessions hold:
     * <ul>
     *   <li>{@code sessions} ({@code realm}, {@code roles}: a list or null): {@code {"count", "ids"}}, the lowest
     *   {@link WampMeta#MAX_LISTED} ids;</li>
     *   <li>{@code session} ({@code realm}, {@code id}): {@code {"details"}}, or {@code {}} when it is not here;</li>
     *   <li>{@code entries} ({@code kind}: subscription or registration, {@code realm}): {@code {"entries": [{"id",
     *   "pattern", "details", "count", "holders"}]}};</li>
     *   <li>{@code kill} ({@code realm}, {@code session} (0: any), {@code authid}, {@code authrole} (absent: any),
     *   {@code except}, {@code reason}, {@code message}): the matching sessions get GOODBYE; {@code {"killed"}};</li>
     *   <li>{@code event} ({@code realm}, {@code topic}, {@code publication}, {@code args}): a meta event of another
     *   node, for this node's subscribers.</li>
     * </ul>
     */
    private java.util.concurrent.CompletionStage<JsonNode> answer(JsonNode q) {
        String realm = q.path("realm").asText();
        ObjectNode out = JSON.objectNode();
        switch (q.path("q").asText()) {
            case "sessions" -> {
                java.util.Set<String> roles = null;
                if (q.path("roles").isArray()) {
                    roles = new java.util.HashSet<>();
                    for (JsonNode n : q.path("roles")) {
                        roles.add(n.asText());
                    }
                }
                List<Long> ids = meta.sessions(realm, roles);
                out.put("count", ids.size());
                ArrayNode listed = out.putArray("ids");
                ids.subList(0, Math.min(ids.size(), WampMeta.MAX_LISTED)).forEach(listed::add);
            }
            case "session" -> {
                WampMeta.SessionInfo info = meta.session(realm, q.path("id").asLong());
                if (info != null) {
                    out.set("details", info.details());
                }
            }
            case "entries" -> {
                WampMeta.Table table = q.path("kind").asText().equals("registration") ? meta.registrations : meta.subscriptions;
                ArrayNode list = out.putArray("entries");
                for (WampMeta.Entry e : table.of(realm)) {
                    ObjectNode n = list.addObject();
                    n.put("id", e.id);
                    n.put("pattern", e.pattern);
                    n.set("details", e.details());
                    List<Long> holders = new ArrayList<>(e.holders.keySet());
                    holders.sort(Long::compare);
                    n.put("count", holders.size());
                    ArrayNode h = n.putArray("holders");
                    holders.subList(0, Math.min(holders.size(), WampMeta.MAX_LISTED)).forEach(h::add);
                }
            }
            case "kill" -> {
                List<WampHandler> targets = meta.matching(realm, q.path("session").asLong(0),
                        q.hasNonNull("authid") ? q.get("authid").asText() : null,
                        q.hasNonNull("authrole") ? q.get("authrole").asText() : null, q.path("except").asLong(0));
                ArrayNode killed = out.putArray("killed");
                String reason = q.path("reason").asText(WampErrors.KILLED);
                String message = q.hasNonNull("message") ? q.get("message").asText() : null;
                for (WampHandler h : targets) {
                    // the session ends with the GOODBYE: listed no more, on_leave now (a second kill finds nothing)
                    if (meta.left(h.sessionId())) {
                        killed.add(h.sessionId());
                        h.executor().execute(() -> h.kill(reason, message));
                    }
                }
            }
            case "event" -> {
                if (q.path("args").isArray()) {
                    meta.emitHere(realm, q.path("topic").asText(), q.path("publication").asLong(1), (ArrayNode) q.get("args"));
                }
            }
            default -> {
                return java.util.concurrent.CompletableFuture.failedFuture(
                        new IllegalArgumentException("unknown WAMP request " + q.path("q")));
            }
        }
        return java.util.concurrent.CompletableFuture.completedFuture(out);
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

    /**
     * An upgrade whose connection the connect hook refused: accepted when the client offers a WAMP subprotocol,
     * and its HELLO answered with ABORT {@code ferry.error.connect_refused} (Details: {@code message}, the
     * application's reason, and {@code code}, its code) or {@code ferry.error.connect_unavailable} (Details:
     * {@code message}), then closed; otherwise false (the router answers over HTTP).
     */
    @Override
    public boolean refuseConnect(ChannelHandlerContext ctx, FullHttpRequest req,
                                 dev.ferry.server.websocket.ConnectRefusal refusal) {
        if (!offersWamp(req.headers().get(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL))) {
            return false;
        }
        WebSocketUpgrade.upgradeWithSubprotocols(ctx, req, server, SUBPROTOCOLS, new WampHandler(this, server, refusal));
        return true;
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

    /**
     * The realms in force, read at each HELLO: a reload's new realms take the next sessions; a session that joined
     * keeps the realm (and prefix) it joined until it leaves.
     */
    WampConfig config() {
        return server.sessions().config().wamp();
    }

    /** A new session id: random in [1, 2^53], as WAMP §5.1.2 asks for ids of global scope. */
    static long sessionId() {
        return ThreadLocalRandom.current().nextLong(1, WampMessage.MAX_ID + 1);
    }

}
