package dev.ferry.server.http;

import dev.ferry.server.transport.HttpResponses;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.server.engine.NodeLink;
import dev.ferry.protocol.CloseCodes;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Payload;
import dev.ferry.protocol.Topics;
import dev.ferry.server.auth.Action;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * The server API under {@code /v1/admin/} (docs/http-api.md, "Server API"): the open connections, disconnecting
 * them (with a ban), the active topics, a topic's state, publishing to many topics at once, and reloading the
 * configuration. Every request is
 * authenticated as the other API endpoints and needs the {@code admin} action (docs/security.md), which nothing
 * grants unless named. Runs on the request's event loop; what connections hold is read on their own loops. Lists
 * cover every node of the cluster and an operation on a connection reaches the node holding it, through
 * {@link ClusterAdmin}.
 */
final class AdminApi {
    static final String PREFIX = "/v1/admin/";
    /** Default and largest page of {@code GET /v1/admin/connections}. */
    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;
    /** Most topics of one broadcast. */
    static final int MAX_BROADCAST_TOPICS = 1000;
    /** Longest ban, in seconds (one day). */
    static final long MAX_BAN_SECONDS = 86_400;
    /** Longest close reason: RFC 6455 §5.5 leaves 123 bytes of a close frame to it. */
    private static final int MAX_REASON_BYTES = 123;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServices server;
    private final HttpApi api;
    private final AdminStatus status;

    AdminApi(HttpServices server, HttpApi api) {
        this.server = server;
        this.api = api;
        this.status = new AdminStatus(server);
    }

    /** Routes a request whose path starts with {@link #PREFIX}; {@code tail} is the raw path after it. */
    void handle(ChannelHandlerContext ctx, FullHttpRequest req, boolean keepAlive, String tail, QueryStringDecoder uri) {
        if (api.admitted(ctx, req, keepAlive, Action.ADMIN, Action.ADMIN_TARGET, null, null) == null) {
            return;
        }
        if (!server.cluster().started()) {
            HttpResponses.send(ctx, keepAlive, HttpResponses.error(HttpResponseStatus.SERVICE_UNAVAILABLE,
                    ErrorCode.UNAVAILABLE.wire(), "the server is starting; try again"));
            return;
        }
        String[] parts = tail.split("/", -1);
        for (int i = 0; i < parts.length; i++) {
            parts[i] = QueryStringDecoder.decodeComponent(parts[i], StandardCharsets.UTF_8);
        }
        String first = parts[0];
        if (first.equals("nodes") && parts.length == 1) {
            if (HttpRouter.requireMethod(ctx, req, HttpMethod.GET, keepAlive)) {
                nodes(ctx, keepAlive);
            }
        } else if (first.equals("procedures") && parts.length == 1) {
            if (HttpRouter.requireMethod(ctx, req, HttpMethod.GET, keepAlive)) {
                procedures(ctx, keepAlive, uri);
            }
        } else if (first.equals("connections") && parts.length == 1) {
            if (HttpRouter.requireMethod(ctx, req, HttpMethod.GET, keepAlive)) {
                listConnections(ctx, keepAlive, uri);
            }
        } else if (first.equals("connections") && parts.length == 2) {
            if (HttpRouter.requireMethod(ctx, req, HttpMethod.GET, keepAlive)) {
                askHolder(ctx, keepAlive, parts[1], op("connection").put("id", parts[1]));
            }
        } else if (first.equals("connections") && parts.length == 3 && parts[2].equals("disconnect")) {
            if (HttpRouter.requireMethod(ctx, req, HttpMethod.POST, keepAlive)) {
                ObjectNode q = disconnectRequest(ctx, req, keepAlive);
                if (q != null) {
                    askHolder(ctx, keepAlive, parts[1], q.put("id", parts[1]));
                }
            }
        } else if (first.equals("connections") && parts.length == 3
                && (parts[2].equals("subscribe") || parts[2].equals("unsubscribe"))) {
            if (HttpRouter.requireMethod(ctx, req, HttpMethod.POST, keepAlive)) {
                String pattern;
                try {
                    pattern = pattern(body(req));
                } catch (IllegalArgumentException e) {
                    refuse(ctx, keepAlive, e);
                    return;
                }
                askHolder(ctx, keepAlive, parts[1], op(parts[2]).put("id", parts[1]).put("pattern", pattern));
            }
        } else if (first.equals("users") && parts.length == 3 && !parts[1].isEmpty()
                && (parts[2].equals("subscribe") || parts[2].equals("unsubscribe"))) {
            if (HttpRouter.requireMethod(ctx, req, HttpMethod.POST, keepAlive)) {
                userSubscription(ctx, req, keepAlive, parts[1], parts[2].equals("subscribe"));
            }
        } else if (first.equals("users") && parts.length == 3 && parts[2].equals("disconnect") && !parts[1].isEmpty()) {
            if (HttpRouter.requireMethod(ctx, req, HttpMethod.POST, keepAlive)) {
                ObjectNode q = disconnectRequest(ctx, req, keepAlive);
                if (q != null) {
                    disconnectUser(ctx, keepAlive, q.put("user", parts[1]));
                }
            }
        } else if (first.equals("topics") && parts.length == 1) {
            if (HttpRouter.requireMethod(ctx, req, HttpMethod.GET, keepAlive)) {
                listTopics(ctx, keepAlive, uri);
            }
        } else if (first.equals("topics") && parts.length == 2) {
            if (HttpRouter.requireMethod(ctx, req, HttpMethod.GET, keepAlive)) {
                getTopic(ctx, keepAlive, parts[1]);
            }
        } else if (first.equals("topics") && parts.length == 3 && parts[2].equals("presence")) {
            if (HttpRouter.requireMethod(ctx, req, HttpMethod.GET, keepAlive)) {
                presence(ctx, keepAlive, parts[1], uri);
            }
        } else if (AdminStatus.PATHS.contains(first) && parts.length == 1) {
            if (HttpRouter.requireMethod(ctx, req, HttpMethod.GET, keepAlive)) {
                status.handle(ctx, keepAlive, first);
            }
        } else if (first.equals("topics") && parts.length == 3 && parts[2].equals("history")) {
            if (HttpRouter.requireMethod(ctx, req, HttpMethod.DELETE, keepAlive)) {
                clearHistory(ctx, keepAlive, parts[1]);
            }
        } else if (first.equals("broadcast") && parts.length == 1) {
            if (HttpRouter.requireMethod(ctx, req, HttpMethod.POST, keepAlive)) {
                broadcast(ctx, req, keepAlive);
            }
        } else if (first.equals("reload") && parts.length == 1) {
            if (HttpRouter.requireMethod(ctx, req, HttpMethod.POST, keepAlive)) {
                reload(ctx, keepAlive);
            }
        } else {
            HttpResponses.send(ctx, keepAlive, HttpResponses.error(HttpResponseStatus.NOT_FOUND, "not_found",
                    "no endpoint at " + PREFIX + tail));
        }
    }

    // ------------------------------------------------------------ the cluster

    private static ObjectNode op(String name) {
        return JSON.createObjectNode().put("op", name);
    }

    private ClusterAdmin cluster() {
        return server.cluster();
    }

    /** Asks every node; answers with {@code merge} of the replies (the unanswered ones included, without a body). */
    private void askAll(ChannelHandlerContext ctx, boolean keepAlive, ObjectNode request,
                        java.util.function.Function<List<NodeLink.Reply>, FullHttpResponse> merge) {
        later(ctx, keepAlive, cluster().link().askAll(ClusterAdmin.bytes(request), ClusterAdmin.TIMEOUT).toCompletableFuture(),
                merge);
    }

    /** Adds {@code "partial"} and, when some node did not answer, {@code "unanswered"}: their names. */
    private static void partial(ObjectNode out, List<NodeLink.Reply> replies) {
        ArrayNode missing = JSON.createArrayNode();
        for (NodeLink.Reply r : replies) {
            if (!r.answered()) {
                missing.add(r.node());
            }
        }
        out.put("partial", !missing.isEmpty());
        if (!missing.isEmpty()) {
            out.set("unanswered", missing);
        }
    }

    /** The bodies of the nodes that answered 200, or this node's own refusal, which is then the answer. */
    private record Accepted(List<JsonNode> bodies, JsonNode refusal) {
        static Accepted of(List<NodeLink.Reply> replies, String me) {
            List<JsonNode> bodies = new ArrayList<>();
            for (NodeLink.Reply r : replies) {
                if (!r.answered()) {
                    continue;
                }
                JsonNode a = ClusterAdmin.read(r.body());
                if (a.path("status").asInt() == 200) {
                    bodies.add(a.path("body"));
                } else if (r.node().equals(me)) {
                    return new Accepted(List.of(), a);
                }
            }
            return new Accepted(bodies, null);
        }
    }

    /** The answers of the nodes that gave one, as JSON. */
    private static List<JsonNode> answers(List<NodeLink.Reply> replies) {
        List<JsonNode> out = new ArrayList<>();
        for (NodeLink.Reply r : replies) {
            if (r.answered()) {
                out.add(ClusterAdmin.read(r.body()));
            }
        }
        return out;
    }

    /**
     * Asks the node holding connection {@code id} (named by the id's prefix) and answers with its
     * {@code {"status", "body"}}: {@code 404 no_such_connection} when no live node has that name,
     * {@code 503 unavailable} when the node does not answer in time.
     */
    private void askHolder(ChannelHandlerContext ctx, boolean keepAlive, String id, ObjectNode request) {
        int dash = id.indexOf('-');
        if (dash <= 0) {
            noConnection(ctx, keepAlive, id);
            return;
        }
        String node = id.substring(0, dash);
        later(ctx, keepAlive, cluster().link().ask(node, ClusterAdmin.bytes(request), ClusterAdmin.TIMEOUT).toCompletableFuture(),
                r -> {
                    if (r == null) {
                        return HttpResponses.error(HttpResponseStatus.NOT_FOUND, "no_such_connection",
                                "no open connection " + id + " (no node " + node + " in the cluster)");
                    }
                    if (!r.answered()) {
                        return HttpResponses.error(HttpResponseStatus.SERVICE_UNAVAILABLE, ErrorCode.UNAVAILABLE.wire(),
                                "node " + node + " holding connection " + id + " did not answer within "
                                        + ClusterAdmin.TIMEOUT.toSeconds() + " s; try again");
                    }
                    return forward(ClusterAdmin.read(r.body()));
                });
    }

    /** A node's {@code {"status", "body"}} as the response. */
    private static FullHttpResponse forward(JsonNode answer) {
        return HttpResponses.json(HttpResponseStatus.valueOf(answer.path("status").asInt(500)),
                ClusterAdmin.bytes(answer.path("body")));
    }

    /** {@code GET /v1/admin/nodes}: every live node, each as it describes itself, or flagged when it did not answer. */
    private void nodes(ChannelHandlerContext ctx, boolean keepAlive) {
        askAll(ctx, keepAlive, op("node"), replies -> {
            ObjectNode out = JSON.createObjectNode();
            out.put("node", cluster().node());
            ArrayNode list = out.putArray("nodes");
            for (NodeLink.Reply r : replies) {
                if (r.answered()) {
                    ObjectNode n = (ObjectNode) ClusterAdmin.read(r.body());
                    n.put("answered", true);
                    list.add(n);
                } else {
                    list.addObject().put("node", r.node()).put("answered", false);
                }
            }
            partial(out, replies);
            return HttpResponses.json(HttpResponseStatus.OK, ClusterAdmin.bytes(out));
        });
    }

    /** {@code GET /v1/admin/procedures}: every node's procedures, their counts summed, with the callees per node. */
    private void procedures(ChannelHandlerContext ctx, boolean keepAlive, QueryStringDecoder uri) {
        String prefix = param(uri, "prefix");
        askAll(ctx, keepAlive, op("procedures"), replies -> {
            TreeMap<String, ObjectNode> merged = new TreeMap<>();
            for (NodeLink.Reply r : replies) {
                if (!r.answered()) {
                    continue;
                }
                for (JsonNode p : ClusterAdmin.read(r.body()).path("procedures")) {
                    String proc = p.path("proc").asText();
                    if (prefix != null && !proc.equals(prefix) && !proc.startsWith(prefix + ".")) {
                        continue;
                    }
                    ObjectNode m = merged.computeIfAbsent(proc, k -> {
                        ObjectNode n = JSON.createObjectNode().put("proc", k).put("callees", 0)
                                .put("invoke", p.path("invoke").asText()).put("calls", 0L).put("rate", 0.0);
                        n.putObject("nodes");
                        return n;
                    });
                    m.put("callees", m.path("callees").asInt() + p.path("callees").asInt());
                    m.put("calls", m.path("calls").asLong() + p.path("calls").asLong());
                    m.put("rate", m.path("rate").asDouble() + p.path("rate").asDouble());
                    ((ObjectNode) m.path("nodes")).put(r.node(), p.path("callees").asInt());
                }
            }
            ObjectNode out = JSON.createObjectNode();
            ArrayNode list = out.putArray("procedures");
            merged.values().forEach(list::add);
            partial(out, replies);
            return HttpResponses.json(HttpResponseStatus.OK, ClusterAdmin.bytes(out));
        });
    }

    // ------------------------------------------------------------ connections

    /** A connection id as a page's {@code next} names it: a node name, a dash, a sequence number. */
    private static final java.util.regex.Pattern CONNECTION_ID = java.util.regex.Pattern.compile("[0-9a-f]{1,64}-[0-9]{1,18}");

    private void listConnections(ChannelHandlerContext ctx, boolean keepAlive, QueryStringDecoder uri) {
        ObjectNode q = op("connections");
        int limit;
        try {
            String transport = param(uri, "transport");
            if (transport != null && !List.of("ws", "multiplex", "topic", "sse", "fallback", "state", "wamp", "extension")
                    .contains(transport)) {
                throw new IllegalArgumentException("transport: \"" + transport
                        + "\" (expected: ws, multiplex, topic, sse, fallback, state, wamp or extension)");
            }
            String topic = param(uri, "topic");
            if (topic != null && Topics.checkPattern(topic) != null) {
                throw new IllegalArgumentException("topic: " + Topics.checkPattern(topic));
            }
            limit = (int) intParam(uri, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
            String after = param(uri, "after");
            if (after != null && !CONNECTION_ID.matcher(after).matches()) {
                throw new IllegalArgumentException("after: \"" + after + "\" (expected: a connection id of a previous page's next)");
            }
            q.put("user", param(uri, "user")).put("topic", topic).put("transport", transport)
                    .put("address", param(uri, "address")).put("after", after).put("limit", limit);
        } catch (IllegalArgumentException e) {
            badInput(ctx, keepAlive, e);
            return;
        }
        askAll(ctx, keepAlive, q, replies -> {
            ArrayNode items = JSON.createArrayNode();
            boolean more = false;
            for (NodeLink.Reply r : replies) { // in node name order, each node's oldest first
                if (!r.answered()) {
                    continue;
                }
                JsonNode page = ClusterAdmin.read(r.body());
                for (JsonNode c : page.path("connections")) {
                    if (items.size() == limit) {
                        more = true;
                        break;
                    }
                    items.add(c);
                }
                more |= !page.path("next").isNull() && !page.path("next").isMissingNode();
                if (more) {
                    break;
                }
            }
            ObjectNode out = JSON.createObjectNode();
            out.put("node", cluster().node());
            out.set("connections", items);
            out.put("next", more && !items.isEmpty() ? items.get(items.size() - 1).path("id").asText() : null);
            partial(out, replies);
            return HttpResponses.json(HttpResponseStatus.OK, ClusterAdmin.bytes(out));
        });
    }

    private static void noConnection(ChannelHandlerContext ctx, boolean keepAlive, String id) {
        HttpResponses.send(ctx, keepAlive, HttpResponses.error(HttpResponseStatus.NOT_FOUND, "no_such_connection",
                "no open connection " + id));
    }

    /**
     * The disconnect request of a body with {@code code} (4000-4999, default 4011), {@code reason} and {@code ban}
     * (seconds); null when the body is refused (answered already).
     */
    private ObjectNode disconnectRequest(ChannelHandlerContext ctx, FullHttpRequest req, boolean keepAlive) {
        int code = CloseCodes.DISCONNECTED;
        String reason = "disconnected by the operator";
        long ban = 0;
        try {
            JsonNode body = body(req);
            if (body != null) {
                JsonNode c = body.get("code");
                if (c != null) {
                    if (!c.canConvertToInt() || !c.isIntegralNumber() || c.asInt() < 4000 || c.asInt() > 4999) {
                        throw new IllegalArgumentException("code: " + c + " (expected: an integer in [4000, 4999])");
                    }
                    code = c.asInt();
                }
                JsonNode r = body.get("reason");
                if (r != null) {
                    if (!r.isTextual() || r.asText().getBytes(StandardCharsets.UTF_8).length > MAX_REASON_BYTES) {
                        throw new IllegalArgumentException("reason: expected a string of at most " + MAX_REASON_BYTES
                                + " UTF-8 bytes");
                    }
                    reason = r.asText();
                }
                JsonNode b = body.get("ban");
                if (b != null) {
                    if (!b.isIntegralNumber() || b.asLong() < 0 || b.asLong() > MAX_BAN_SECONDS) {
                        throw new IllegalArgumentException("ban: " + b + " (expected: seconds in [0, " + MAX_BAN_SECONDS + "])");
                    }
                    ban = b.asLong();
                }
            }
        } catch (IllegalArgumentException e) {
            badInput(ctx, keepAlive, e);
            return null;
        }
        return op("disconnect").put("code", code).put("reason", reason).put("ban", ban);
    }

    /**
     * Closes the user's connections on every node, each node banning the name for itself; the answers summed. A
     * ban this node cannot hold ({@code 503 too_many_bans}) is the answer.
     */
    private void disconnectUser(ChannelHandlerContext ctx, boolean keepAlive, ObjectNode q) {
        String me = cluster().node();
        askAll(ctx, keepAlive, q, replies -> {
            int n = 0;
            ArrayNode ids = JSON.createArrayNode();
            String until = null;
            Accepted accepted = Accepted.of(replies, me);
            if (accepted.refusal() != null) {
                return forward(accepted.refusal());
            }
            for (JsonNode body : accepted.bodies()) {
                n += body.path("disconnected").asInt();
                body.path("ids").forEach(ids::add);
                String u = body.path("bannedUntil").asText(null);
                if (u != null && (until == null || u.compareTo(until) > 0)) {
                    until = u;
                }
            }
            ObjectNode out = JSON.createObjectNode();
            out.put("disconnected", n);
            out.set("ids", ids);
            if (until != null) {
                out.put("bannedUntil", until);
            }
            partial(out, replies);
            return HttpResponses.json(HttpResponseStatus.OK, ClusterAdmin.bytes(out));
        });
    }

    // ------------------------------------------------------------ server-side subscriptions

    /** {@code {"pattern": ...}} of a subscribe or unsubscribe body; IllegalArgumentException when missing or bad. */
    private static String pattern(JsonNode body) {
        JsonNode p = body == null ? null : body.get("pattern");
        if (p == null || !p.isTextual()) {
            throw new IllegalArgumentException("pattern: missing (expected: {\"pattern\": \"news.#\"})");
        }
        String why = Topics.checkPattern(p.asText());
        if (why != null) {
            throw new BadTopic(why);
        }
        return p.asText();
    }

    /** A pattern that breaks the grammar: {@code 400 bad_topic}. */
    private static final class BadTopic extends IllegalArgumentException {
        BadTopic(String why) {
            super(why);
        }
    }

    /** A request body of another type than JSON: 415 {@code unsupported_media_type}, as on the other API endpoints. */
    private static final class UnsupportedType extends IllegalArgumentException {
        UnsupportedType(String why) {
            super(why);
        }
    }

    private static void refuse(ChannelHandlerContext ctx, boolean keepAlive, IllegalArgumentException e) {
        if (e instanceof UnsupportedType) {
            HttpResponses.send(ctx, keepAlive, HttpResponses.error(HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type", e.getMessage()));
            return;
        }
        HttpResponses.send(ctx, keepAlive, HttpResponses.error(HttpResponseStatus.BAD_REQUEST,
                e instanceof BadTopic ? ErrorCode.BAD_TOPIC.wire() : "bad_request", e.getMessage()));
    }

    /**
     * Subscribes (or unsubscribes) every ferry.v1 connection of user {@code name} on every node, and with
     * {@code "for": seconds} its connections made meanwhile too (each node keeps that for its own).
     */
    private void userSubscription(ChannelHandlerContext ctx, FullHttpRequest req, boolean keepAlive, String name,
                                  boolean subscribe) {
        String pattern;
        long seconds = 0;
        try {
            JsonNode body = body(req);
            pattern = pattern(body);
            JsonNode f = body.get("for");
            if (f != null) {
                if (!subscribe || !f.isIntegralNumber() || f.asLong() < 0 || f.asLong() > MAX_BAN_SECONDS) {
                    throw new IllegalArgumentException("for: " + f + (subscribe
                            ? " (expected: seconds in [0, " + MAX_BAN_SECONDS + "])" : " (only a subscribe takes it)"));
                }
                seconds = f.asLong();
            }
        } catch (IllegalArgumentException e) {
            refuse(ctx, keepAlive, e);
            return;
        }
        String me = cluster().node();
        String field = subscribe ? "subscribed" : "unsubscribed";
        askAll(ctx, keepAlive, op(subscribe ? "subscribe" : "unsubscribe").put("user", name).put("pattern", pattern)
                .put("for", seconds), replies -> {
            int n = 0;
            boolean future = false;
            Accepted accepted = Accepted.of(replies, me);
            if (accepted.refusal() != null) {
                return forward(accepted.refusal());
            }
            for (JsonNode body : accepted.bodies()) {
                n += body.path(field).asInt();
                future |= body.path("future").asBoolean();
            }
            ObjectNode out = JSON.createObjectNode();
            out.put(field, n);
            out.put("future", future);
            partial(out, replies);
            return HttpResponses.json(HttpResponseStatus.OK, ClusterAdmin.bytes(out));
        });
    }

    // ------------------------------------------------------------ topics

    /**
     * The subscribed patterns of this node (of the cluster with an engine that knows them), with their counts, and
     * the topics published to lately on any node with their rates (summed over the nodes) and history sizes.
     */
    private void listTopics(ChannelHandlerContext ctx, boolean keepAlive, QueryStringDecoder uri) {
        String prefix = param(uri, "prefix");
        int limit;
        try {
            limit = (int) intParam(uri, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
        } catch (IllegalArgumentException e) {
            badInput(ctx, keepAlive, e);
            return;
        }
        Map<String, Integer> cluster = server.hub().engine().clusterPatternCounts();
        Map<String, Integer> counts = new TreeMap<>(cluster != null ? cluster : server.hub().patternCounts());
        CompletableFuture<List<NodeLink.Reply>> asked = cluster().link()
                .askAll(ClusterAdmin.bytes(op("topics")), ClusterAdmin.TIMEOUT).toCompletableFuture();
        CompletableFuture<Object[]> withHistory = asked.thenCompose(replies -> {
            Map<String, double[]> rates = new TreeMap<>(); // topic -> {rate, publications}
            for (JsonNode a : answers(replies)) {
                for (JsonNode r : a.path("rates")) {
                    String t = r.path("topic").asText();
                    if (prefix == null || t.startsWith(prefix)) {
                        double[] v = rates.computeIfAbsent(t, k -> new double[2]);
                        v[0] += r.path("rate").asDouble();
                        v[1] += r.path("publications").asDouble();
                    }
                }
            }
            List<Map.Entry<String, double[]>> top = new ArrayList<>(rates.entrySet());
            top.sort((x, y) -> Double.compare(y.getValue()[0], x.getValue()[0]));
            if (top.size() > limit) {
                top = top.subList(0, limit);
            }
            List<CompletableFuture<Long>> sizes = new ArrayList<>();
            for (Map.Entry<String, double[]> e : top) {
                sizes.add(server.hub().history(e.getKey(), 0, 0, 1, true).toCompletableFuture()
                        .thenApply(AdminApi::historySize).exceptionally(x -> -1L));
            }
            List<Map.Entry<String, double[]>> chosen = top;
            return CompletableFuture.allOf(sizes.toArray(CompletableFuture[]::new))
                    .thenApply(v -> new Object[] {replies, chosen, sizes, rates.size()});
        });
        later(ctx, keepAlive, withHistory, r -> {
            @SuppressWarnings("unchecked") List<NodeLink.Reply> replies = (List<NodeLink.Reply>) r[0];
            @SuppressWarnings("unchecked") List<Map.Entry<String, double[]>> top = (List<Map.Entry<String, double[]>>) r[1];
            @SuppressWarnings("unchecked") List<CompletableFuture<Long>> sizes = (List<CompletableFuture<Long>>) r[2];
            ObjectNode out = JSON.createObjectNode();
            out.put("publications", server.hub().publications());
            out.put("deliveries", server.hub().deliveries());
            ArrayNode topics = out.putArray("topics");
            for (Map.Entry<String, Integer> e : counts.entrySet()) {
                if (prefix == null || e.getKey().startsWith(prefix)) {
                    topics.addObject().put("pattern", e.getKey()).put("subscribers", e.getValue());
                }
            }
            ArrayNode active = out.putArray("active");
            for (int i = 0; i < top.size(); i++) {
                String t = top.get(i).getKey();
                long history = sizes.get(i).join();
                ObjectNode n = active.addObject().put("topic", t).put("rate", top.get(i).getValue()[0])
                        .put("publications", (long) top.get(i).getValue()[1]).put("subscribers", subscribers(counts, t));
                if (history >= 0) {
                    n.put("history", history);
                }
            }
            out.put("activeTruncated", (int) r[3] > top.size());
            partial(out, replies);
            return HttpResponses.json(HttpResponseStatus.OK, ClusterAdmin.bytes(out));
        });
    }

    /** How many publications a history page read with limit 1 says the topic retains. */
    private static long historySize(dev.ferry.server.hub.Hub.HistoryPage page) {
        return page.items().isEmpty() ? 0 : Math.max(0, page.offset() - page.first() + 1);
    }

    /** The subscriptions whose pattern matches {@code topic}, over {@code counts}. */
    private static int subscribers(Map<String, Integer> counts, String topic) {
        int n = 0;
        for (Map.Entry<String, Integer> e : counts.entrySet()) {
            if (Topics.matches(e.getKey(), topic)) {
                n += e.getValue();
            }
        }
        return n;
    }

    /** One topic: its subscribers (the connections whose patterns match it), its rate and its history's extent. */
    private void getTopic(ChannelHandlerContext ctx, boolean keepAlive, String topic) {
        String why = Topics.checkTopic(topic);
        if (why != null) {
            HttpResponses.send(ctx, keepAlive, HttpResponses.error(HttpResponseStatus.BAD_REQUEST, ErrorCode.BAD_TOPIC.wire(), why));
            return;
        }
        Map<String, Integer> cluster = server.hub().engine().clusterPatternCounts();
        Map<String, Integer> counts = cluster != null ? cluster : server.hub().patternCounts();
        int subscribers = 0;
        Map<String, Integer> matching = new TreeMap<>();
        for (Map.Entry<String, Integer> e : counts.entrySet()) {
            if (Topics.matches(e.getKey(), topic)) {
                subscribers += e.getValue();
                matching.put(e.getKey(), e.getValue());
            }
        }
        int total = subscribers;
        CompletableFuture<List<NodeLink.Reply>> rates = cluster().link()
                .askAll(ClusterAdmin.bytes(op("rate").put("topic", topic)), ClusterAdmin.TIMEOUT).toCompletableFuture();
        CompletableFuture<dev.ferry.server.hub.Hub.HistoryPage> history =
                server.hub().history(topic, 0, 0, 1, true).toCompletableFuture();
        later(ctx, keepAlive, history.thenCombine(rates, (page, replies) -> new Object[] {page, replies}), both -> {
            var page = (dev.ferry.server.hub.Hub.HistoryPage) both[0];
            @SuppressWarnings("unchecked") List<NodeLink.Reply> replies = (List<NodeLink.Reply>) both[1];
            double rate = 0;
            for (JsonNode a : answers(replies)) {
                rate += a.path("rate").asDouble();
            }
            ObjectNode out = JSON.createObjectNode();
            out.put("topic", topic);
            out.put("subscribers", total);
            ObjectNode patterns = out.putObject("patterns");
            matching.forEach(patterns::put);
            out.put("epoch", page.epoch());
            out.put("offset", page.offset());
            out.put("history", historySize(page));
            out.put("rate", rate);
            partial(out, replies);
            return HttpResponses.json(HttpResponseStatus.OK, ClusterAdmin.bytes(out));
        });
    }

    /** {@code DELETE /v1/admin/topics/{topic}/history}: drops the history, the topic's next publication starts a new epoch. */
    private void clearHistory(ChannelHandlerContext ctx, boolean keepAlive, String topic) {
        String why = Topics.checkTopic(topic);
        if (why != null) {
            HttpResponses.send(ctx, keepAlive, HttpResponses.error(HttpResponseStatus.BAD_REQUEST, ErrorCode.BAD_TOPIC.wire(), why));
            return;
        }
        CompletableFuture<Object> cleared = server.hub().clearHistory(topic).toCompletableFuture()
                .handle((n, failure) -> failure != null ? failure : n);
        later(ctx, keepAlive, cleared, r -> {
            if (r instanceof Throwable t) {
                if (dev.ferry.server.engine.StateTopicException.in(t)) {
                    return HttpResponses.error(HttpResponseStatus.CONFLICT, ErrorCode.STATE_CHANNEL.wire(),
                            "topic " + topic + " is a state channel: its history is its document's");
                }
                return HttpResponses.error(HttpResponseStatus.SERVICE_UNAVAILABLE, ErrorCode.UNAVAILABLE.wire(),
                        "the cluster backend is unavailable; try again");
            }
            return HttpResponses.json(HttpResponseStatus.OK,
                    ClusterAdmin.bytes(JSON.createObjectNode().put("topic", topic).put("cleared", (Long) r)));
        });
    }

    /** A page of a topic's presence, as {@code GET /v1/presence/{topic}} answers it, whatever the topic. */
    private void presence(ChannelHandlerContext ctx, boolean keepAlive, String topic, QueryStringDecoder uri) {
        String why = Topics.checkTopic(topic);
        if (why != null) {
            HttpResponses.send(ctx, keepAlive, HttpResponses.error(HttpResponseStatus.BAD_REQUEST, ErrorCode.BAD_TOPIC.wire(), why));
            return;
        }
        if (server.presence().ruleFor(topic) == null) {
            HttpResponses.send(ctx, keepAlive, HttpResponses.error(HttpResponseStatus.NOT_FOUND, ErrorCode.BAD_PRESENCE.wire(),
                    dev.ferry.server.presence.ConnectionPresence.notKept(topic)));
            return;
        }
        int limit;
        try {
            limit = (int) intParam(uri, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
        } catch (IllegalArgumentException e) {
            badInput(ctx, keepAlive, e);
            return;
        }
        later(ctx, keepAlive, server.presence().read(topic, param(uri, "cursor"), limit).toCompletableFuture(),
                page -> HttpResponses.json(HttpResponseStatus.OK, page.toJson().bytes()));
    }

    /** {@code {"topics": [...], "data": <JSON>}}: one publication of {@code data} to each topic. */
    private void broadcast(ChannelHandlerContext ctx, FullHttpRequest req, boolean keepAlive) {
        List<String> topics = new ArrayList<>();
        Payload data;
        try {
            JsonNode body = body(req);
            if (body == null || !body.isObject()) {
                throw new IllegalArgumentException("expected: {\"topics\": [\"a.b\", ...], \"data\": <JSON>}");
            }
            JsonNode t = body.get("topics");
            if (t == null || !t.isArray() || t.isEmpty() || t.size() > MAX_BROADCAST_TOPICS) {
                throw new IllegalArgumentException("topics: expected an array of 1 to " + MAX_BROADCAST_TOPICS + " topics");
            }
            for (JsonNode n : t) {
                String why = n.isTextual() ? Topics.checkTopic(n.asText()) : "not a string";
                if (why != null) {
                    throw new IllegalArgumentException("topics: " + n + ": " + why);
                }
                topics.add(n.asText());
            }
            JsonNode d = body.get("data");
            if (d == null) {
                throw new IllegalArgumentException("data: missing (expected: the JSON value to publish)");
            }
            data = Payload.json(JSON.writeValueAsBytes(d));
        } catch (IllegalArgumentException e) {
            badInput(ctx, keepAlive, e);
            return;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<CompletableFuture<Object>> outcomes = new ArrayList<>(topics.size());
        for (String topic : topics) {
            outcomes.add(server.hub().publish(topic, data, Map.of(), null).toCompletableFuture()
                    .handle((published, failure) -> failure != null ? failure : published));
        }
        later(ctx, keepAlive, CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new)), v -> json(g -> {
            g.writeStartObject();
            g.writeArrayFieldStart("results");
            for (int i = 0; i < topics.size(); i++) {
                Object o = outcomes.get(i).join();
                g.writeStartObject();
                g.writeStringField("topic", topics.get(i));
                if (o instanceof dev.ferry.server.engine.Published p) {
                    g.writeStringField("epoch", p.epoch());
                    g.writeNumberField("offset", p.offset());
                } else {
                    g.writeStringField("error", failureCode((Throwable) o));
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }));
    }

    private static String failureCode(Throwable failure) {
        if (dev.ferry.server.engine.StateTopicException.in(failure)) {
            return ErrorCode.STATE_CHANNEL.wire();
        }
        if (dev.ferry.server.engine.OutcomeUnknownException.in(failure)) {
            return ErrorCode.OUTCOME_UNKNOWN.wire();
        }
        if (dev.ferry.server.engine.TooManyTopicsException.in(failure) != null) {
            return ErrorCode.TOO_MANY_TOPICS.wire();
        }
        return ErrorCode.UNAVAILABLE.wire();
    }

    // ------------------------------------------------------------ plumbing

    /** The request's JSON body, or null when it has none; IllegalArgumentException when it is not JSON. */
    private static JsonNode body(FullHttpRequest req) {
        if (req.content().readableBytes() == 0) {
            return null;
        }
        String type = req.headers().get(HttpHeaderNames.CONTENT_TYPE);
        if (type != null && !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            throw new UnsupportedType("Content-Type " + type + " (expected: application/json)");
        }
        try {
            return JSON.readTree(ByteBufUtil.getBytes(req.content()));
        } catch (IOException e) {
            String m = String.valueOf(e.getMessage());
            int nl = m.indexOf('\n');
            throw new IllegalArgumentException("malformed JSON: " + (nl < 0 ? m : m.substring(0, nl)));
        }
    }

    private static String param(QueryStringDecoder uri, String name) {
        List<String> v = uri.parameters().get(name);
        return v == null || v.isEmpty() || v.get(0).isEmpty() ? null : v.get(0);
    }

    private static long intParam(QueryStringDecoder uri, String name, long def, long min, long max) {
        String v = param(uri, name);
        if (v == null) {
            return def;
        }
        try {
            long n = Long.parseLong(v);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new IllegalArgumentException(name + ": \"" + v + "\" (expected: an integer in [" + min + ", " + max + "])");
    }

    /** 400 {@code bad_request} naming what is malformed, or 415 for a body that is not JSON. */
    private static void badInput(ChannelHandlerContext ctx, boolean keepAlive, IllegalArgumentException e) {
        if (e instanceof UnsupportedType) {
            refuse(ctx, keepAlive, e);
        } else {
            badRequest(ctx, keepAlive, e.getMessage());
        }
    }

    private static void badRequest(ChannelHandlerContext ctx, boolean keepAlive, String message) {
        HttpResponses.send(ctx, keepAlive, HttpResponses.error(HttpResponseStatus.BAD_REQUEST, "bad_request", message));
    }

    /** Writes JSON with {@code body} into a 200 response. */
    private static FullHttpResponse json(JsonWriter body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.getFactory().createGenerator(out)) {
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return HttpResponses.json(HttpResponseStatus.OK, out.toByteArray());
    }

    private interface JsonWriter {
        void write(JsonGenerator g) throws IOException;
    }

    // ------------------------------------------------------------ configuration

    /**
     * {@code POST /v1/admin/reload}: reads the configuration file again and applies it (off the event loop).
     * 200 with {@code {"result","version","changed","restart_needed"}} when it was taken (whole or in part), 422
     * {@code invalid_config} with the message a start would give when it was refused.
     */
    private void reload(ChannelHandlerContext ctx, boolean keepAlive) {
        var reloader = server.reloader().get();
        if (reloader == null) {
            HttpResponses.send(ctx, keepAlive, HttpResponses.error(HttpResponseStatus.SERVICE_UNAVAILABLE,
                    ErrorCode.UNAVAILABLE.wire(), "this server has no configuration file to read again (an embedded "
                            + "server reloads with FerryServer.reload(config))"));
            return;
        }
        ctx.channel().attr(dev.ferry.server.transport.OpenChannels.HTTP_BUSY).set(Boolean.TRUE);
        reloader.get().whenComplete((r, failure) -> ctx.executor().execute(() -> {
            ctx.channel().attr(dev.ferry.server.transport.OpenChannels.HTTP_BUSY).set(null);
            FullHttpResponse response;
            if (failure != null) {
                response = HttpResponses.error(HttpResponseStatus.SERVICE_UNAVAILABLE, ErrorCode.UNAVAILABLE.wire(),
                        "the reload did not run: the server is closing");
            } else if (r.result() == dev.ferry.server.config.ReloadResult.Result.REJECTED) {
                response = HttpResponses.json(HttpResponseStatus.UNPROCESSABLE_ENTITY, HttpResponses.errorBody(
                        "invalid_config", r.error(), ("{\"result\":\"rejected\",\"version\":" + r.version() + "}")
                                .getBytes(StandardCharsets.UTF_8)));
            } else {
                response = json(g -> {
                    g.writeStartObject();
                    g.writeStringField("result", r.result().wire());
                    g.writeNumberField("version", r.version());
                    g.writeArrayFieldStart("changed");
                    for (String k : r.changed()) {
                        g.writeString(k);
                    }
                    g.writeEndArray();
                    g.writeArrayFieldStart("restart_needed");
                    for (String k : r.restartNeeded()) {
                        g.writeString(k);
                    }
                    g.writeEndArray();
                    g.writeEndObject();
                });
            }
            if (!ctx.channel().isActive()) {
                response.release();
                return;
            }
            HttpResponses.send(ctx, keepAlive && !server.draining(), response);
        }));
    }

    /** Answers once {@code stage} completes, on the request's loop; a failure is a 400 or a 503. */
    private <T> void later(ChannelHandlerContext ctx, boolean keepAlive, CompletableFuture<T> stage,
                           java.util.function.Function<T, FullHttpResponse> answer) {
        ctx.channel().attr(dev.ferry.server.transport.OpenChannels.HTTP_BUSY).set(Boolean.TRUE);
        stage.whenComplete((v, failure) -> ctx.executor().execute(() -> {
            ctx.channel().attr(dev.ferry.server.transport.OpenChannels.HTTP_BUSY).set(null);
            Throwable cause = failure instanceof java.util.concurrent.CompletionException ce && ce.getCause() != null
                    ? ce.getCause() : failure;
            FullHttpResponse response = cause instanceof IllegalArgumentException
                    ? HttpResponses.error(HttpResponseStatus.BAD_REQUEST, "bad_request", cause.getMessage())
                    : cause != null ? HttpResponses.error(HttpResponseStatus.SERVICE_UNAVAILABLE, ErrorCode.UNAVAILABLE.wire(),
                            "the cluster backend is unavailable; try again")
                    : answer.apply(v);
            if (!ctx.channel().isActive()) {
                response.release();
                return;
            }
            HttpResponses.send(ctx, keepAlive && !server.draining(), response);
        }));
    }
}
