package dev.ferry.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.server.auth.Bans;
import dev.ferry.server.auth.Identity;
import dev.ferry.server.connection.Connection;
import dev.ferry.server.connection.ConnectionInfo;
import dev.ferry.server.connection.Connections;
import dev.ferry.server.engine.Engine;
import dev.ferry.server.engine.NodeLink;
import dev.ferry.server.engine.ProcedureStats;
import dev.ferry.server.hub.TopicRates;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The server API's view over every node of the cluster (docs/http-api.md, "Server API"): what {@link AdminApi}
 * asks each node, and this node's answers. A request is a JSON object with an {@code op}; every node answers it
 * from what it holds, through the engine's {@link NodeLink} (with the Redis engine, Redis pub/sub), or directly
 * when the node is the whole cluster. A node that does not answer within {@link #TIMEOUT} is reported as such.
 *
 * <p>Made once per server; {@link #start} links it once the server is bound. Answers run on the thread the
 * request arrives on and never block: what a connection holds is read or changed on its own event loop.
 */
public final class ClusterAdmin {
    /** How long a request waits for the other nodes' answers. */
    public static final Duration TIMEOUT = Duration.ofSeconds(2);
    /** Seconds over which a node's publication and delivery rates are averaged. */
    static final int RATE_SECONDS = 10;
    private static final ObjectMapper JSON = new ObjectMapper();

    private volatile HttpServices server;
    private volatile NodeLink link;
    private volatile String address;
    private volatile String engine;
    private volatile long startedAt;
    /** Once a second ({@link #tick}): the hub's publications and deliveries, in a ring of {@link #RATE_SECONDS} + 1. */
    private final AtomicLongArray publicationSamples = new AtomicLongArray(RATE_SECONDS + 1);
    private final AtomicLongArray deliverySamples = new AtomicLongArray(RATE_SECONDS + 1);
    private volatile int ticks;
    /** The requests of other parts of the server ({@link #answerOp}), by {@code op}. */
    private final java.util.Map<String, java.util.function.Function<JsonNode, CompletionStage<? extends JsonNode>>> ops =
            new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Has this node answer the requests of {@code op} (another part of the server than the server API, e.g. the
     * WAMP router) with {@code answer}, on any thread; a request carries its own fields next to {@code op}. Before
     * the server starts.
     */
    public void answerOp(String op, java.util.function.Function<JsonNode, CompletionStage<? extends JsonNode>> answer) {
        ops.put(op, answer);
    }

    /**
     * Asks every live node (this one included) {@code request}; completes, by {@link #TIMEOUT} at the latest, with
     * each node's answer in name order (a node that gave none in time: an {@link NodeLink.Reply} without a body).
     * Before {@link #start}, this node alone answers.
     */
    public CompletionStage<List<NodeLink.Reply>> askAll(JsonNode request) {
        NodeLink l = link;
        if (l == null) {
            return answer(bytes(request)).handle((body, e) -> List.of(new NodeLink.Reply("", e == null ? body : null)));
        }
        return l.askAll(bytes(request), TIMEOUT);
    }

    /** Tells every other live node {@code request}, answered by none (a notice); nothing when alone. */
    public void tellOthers(JsonNode request) {
        NodeLink l = link;
        if (l != null) {
            l.tellOthers(bytes(request));
        }
    }

    /** A node's answer as JSON (an empty object when it is unreadable). */
    public static JsonNode answerOf(NodeLink.Reply reply) {
        return read(reply.body());
    }

    /**
     * Links this node to the cluster (or to itself only), before it accepts connections, and takes on the bans and
     * subscriptions of future connections the other nodes hold (waiting at most {@link #TIMEOUT} for them).
     */
    public void start(HttpServices server, Engine engine) {
        this.server = server;
        this.engine = engine.name();
        this.startedAt = server.clock().millis();
        String node = server.connections().node();
        NodeLink l = engine.nodeLink(node, this::answer);
        this.link = l != null ? l : new Alone(node, this::answer);
        if (l != null) {
            try {
                adopt(l.askAll(bytes(JSON.createObjectNode().put("op", "sync")), TIMEOUT).toCompletableFuture()
                        .get(TIMEOUT.toMillis() + 1000, java.util.concurrent.TimeUnit.MILLISECONDS));
            } catch (Exception e) {
                org.slf4j.LoggerFactory.getLogger(ClusterAdmin.class)
                        .warn("the other nodes' bans and server-side subscriptions could not be read; this node starts without them", e);
            }
        }
        tick(); // the rates' first sample: what the server did before it started, nothing
    }

    /** The {@code host:port} the node serves on, once bound. */
    public void bound(String address) {
        this.address = address;
    }

    /** Whether {@link #start} ran. */
    boolean started() {
        return link != null;
    }

    /** This node's name: the prefix of its connection ids. */
    String node() {
        return server.connections().node();
    }

    NodeLink link() {
        return link;
    }

    /** Samples the rates and forgets idle topics' rates; called once a second by the server's housekeeping. */
    public void tick() {
        HttpServices s = server;
        if (s == null) {
            return;
        }
        int i = ticks % (RATE_SECONDS + 1);
        publicationSamples.set(i, s.hub().publications());
        deliverySamples.set(i, s.hub().deliveries());
        ticks++;
        s.hub().topicRates().sweep();
    }

    /** Per second over the last {@link #RATE_SECONDS} seconds (fewer right after the start). */
    private double rate(AtomicLongArray samples) {
        int n = ticks;
        if (n < 2) {
            return 0;
        }
        int span = Math.min(n - 1, RATE_SECONDS);
        long last = samples.get((n - 1) % (RATE_SECONDS + 1));
        long first = samples.get((n - 1 - span) % (RATE_SECONDS + 1));
        return (double) (last - first) / span;
    }

    // ------------------------------------------------------------ this node's answers

    /** Answers one request of the server API, from any node; a request it cannot read fails. */
    CompletionStage<byte[]> answer(byte[] request) {
        HttpServices s = server;
        if (s == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("not started"));
        }
        JsonNode q;
        try {
            q = JSON.readTree(request);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletionStage<? extends JsonNode> out = switch (q.path("op").asText()) {
            case "node" -> CompletableFuture.completedFuture(nodeInfo(s));
            case "connections" -> connections(s, q);
            case "connection" -> connection(s, q.path("id").asText());
            case "disconnect" -> disconnect(s, q);
            case "subscribe", "unsubscribe" -> subscribe(s, q, q.path("op").asText().equals("subscribe"));
            case "topics" -> CompletableFuture.completedFuture(topics(s));
            case "rate" -> CompletableFuture.completedFuture(JSON.createObjectNode()
                    .put("rate", s.hub().topicRates().rate(q.path("topic").asText())));
            case "procedures" -> CompletableFuture.completedFuture(procedures(s));
            case "sync" -> CompletableFuture.completedFuture(sync(s));
            default -> {
                var other = ops.get(q.path("op").asText());
                yield other != null ? other.apply(q)
                        : CompletableFuture.failedFuture(new IllegalArgumentException("unknown op " + q.path("op")));
            }
        };
        return out.thenApply(ClusterAdmin::bytes);
    }

    private ObjectNode nodeInfo(HttpServices s) {
        ObjectNode n = JSON.createObjectNode();
        long now = s.clock().millis();
        n.put("node", s.connections().node());
        n.put("address", address);
        n.put("engine", engine);
        n.put("startedAt", Instant.ofEpochMilli(startedAt).toString());
        n.put("uptime", Math.max(0, (now - startedAt) / 1000));
        n.put("connections", s.connections().size());
        n.put("subscriptions", s.hub().subscriptions());
        n.put("publications", s.hub().publications());
        n.put("deliveries", s.hub().deliveries());
        n.put("publicationRate", rate(publicationSamples));
        n.put("deliveryRate", rate(deliverySamples));
        return n;
    }

    /**
     * A page of this node's connections: the query's cursor ({@code after}, a connection id) places the nodes in name
     * order, so a node before the cursor's answers nothing, the cursor's node answers after it and the others from
     * their first.
     */
    private CompletionStage<ObjectNode> connections(HttpServices s, JsonNode q) {
        String after = text(q, "after");
        String me = s.connections().node();
        if (after != null) {
            String of = after.substring(0, Math.max(0, after.indexOf('-')));
            int order = of.compareTo(me);
            if (order > 0) {
                return CompletableFuture.completedFuture(page(List.of(), null));
            }
            if (order < 0) {
                after = null;
            }
        }
        Connections.Query query = new Connections.Query(text(q, "user"), text(q, "topic"), text(q, "transport"),
                text(q, "address"), after, q.path("limit").asInt(AdminApi.DEFAULT_LIMIT));
        return s.connections().list(query).thenApply(p -> page(p.items(), p.next()));
    }

    private static ObjectNode page(List<ConnectionInfo> items, String next) {
        ObjectNode out = JSON.createObjectNode();
        ArrayNode list = out.putArray("connections");
        for (ConnectionInfo i : items) {
            list.add(json(i));
        }
        out.put("next", next);
        return out;
    }

    private CompletionStage<ObjectNode> connection(HttpServices s, String id) {
        Connection c = s.connections().get(id);
        if (c == null) {
            return CompletableFuture.completedFuture(status(404, error("no_such_connection", "no open connection " + id)));
        }
        return Connections.snapshot(List.of(c)).thenApply(infos -> infos.isEmpty()
                ? status(404, error("no_such_connection", "connection " + id + " has closed"))
                : status(200, json(infos.get(0))));
    }

    /**
     * Closes the connection {@code id}, or every connection of {@code user} on this node, and with {@code ban}
     * (seconds) bans the name on this node: {@code {"status", "body": {"disconnected", "ids", "bannedUntil"}}}.
     */
    private CompletionStage<ObjectNode> disconnect(HttpServices s, JsonNode q) {
        String id = text(q, "id");
        String user = text(q, "user");
        List<Connection> targets;
        if (id != null) {
            Connection c = s.connections().get(id);
            if (c == null) {
                return CompletableFuture.completedFuture(status(404, error("no_such_connection", "no open connection " + id)));
            }
            targets = List.of(c);
            user = c.identity().kind() == Identity.Kind.ANONYMOUS ? null : c.identity().name();
        } else {
            targets = s.connections().ofUser(user);
        }
        long ban = q.path("ban").asLong(0);
        Instant until = null;
        if (ban > 0) {
            if (user == null) {
                return CompletableFuture.completedFuture(status(400, error("bad_request",
                        "ban: connection " + id + " is anonymous and has no name to ban")));
            }
            Bans bans = s.security().authenticator().bans();
            if (!bans.ban(user, ban * 1000)) {
                return CompletableFuture.completedFuture(status(503, error("too_many_bans",
                        "the server already holds " + Bans.MAX + " bans")));
            }
            until = bans.bannedUntil(user);
        }
        int code = q.path("code").asInt();
        String reason = q.path("reason").asText();
        for (Connection c : targets) {
            Connections.disconnect(c, code, reason);
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("disconnected", targets.size());
        ArrayNode ids = body.putArray("ids");
        targets.forEach(c -> ids.add(c.id()));
        if (until != null) {
            body.put("bannedUntil", until.toString());
        }
        return CompletableFuture.completedFuture(status(200, body));
    }

    /**
     * Subscribes (or unsubscribes) the connection {@code id}, or every ferry.v1 connection of {@code user} on this
     * node (with {@code for}: its connections made meanwhile too), to {@code pattern}.
     */
    private CompletionStage<ObjectNode> subscribe(HttpServices s, JsonNode q, boolean subscribe) {
        String pattern = q.path("pattern").asText();
        String id = text(q, "id");
        if (id != null) {
            Connection c = s.connections().get(id);
            if (c == null) {
                return CompletableFuture.completedFuture(status(404, error("no_such_connection", "no open connection " + id)));
            }
            if (!c.transport().carriesServerSubscriptions()) {
                return CompletableFuture.completedFuture(status(409, error("unsupported_transport", "a "
                        + c.transport().kind() + " connection cannot be told of server-side subscriptions (only ferry.v1 connections can)")));
            }
            CompletableFuture<ObjectNode> done = new CompletableFuture<>();
            c.executor().execute(() -> {
                if (c.isClosed()) {
                    done.complete(status(404, error("no_such_connection", "connection " + c.id() + " has closed")));
                } else if (!subscribe) {
                    done.complete(status(200, JSON.createObjectNode().put("unsubscribed", c.unsubscribeByServer(pattern))));
                } else {
                    var r = c.subscribeByServer(pattern);
                    done.complete(r != null ? status(409, error(r.code().wire(), r.message()))
                            : status(200, JSON.createObjectNode().put("subscribed", true)));
                }
            });
            return done;
        }
        String user = text(q, "user");
        long seconds = q.path("for").asLong(0);
        boolean future;
        if (subscribe) {
            future = seconds > 0;
            if (future && !s.connections().subscribeFuture(user, pattern, s.clock().millis() + seconds * 1000)) {
                return CompletableFuture.completedFuture(status(503, error("too_many_server_subscriptions",
                        "the server already holds " + Connections.MAX_FUTURE_SUBSCRIPTIONS
                                + " server-side subscriptions of future connections")));
            }
        } else {
            future = s.connections().unsubscribeFuture(user, pattern);
        }
        List<CompletableFuture<Boolean>> outcomes = new ArrayList<>();
        for (Connection c : s.connections().ofUser(user)) {
            if (c.transport().carriesServerSubscriptions()) {
                CompletableFuture<Boolean> done = new CompletableFuture<>();
                outcomes.add(done);
                c.executor().execute(() -> done.complete(!c.isClosed()
                        && (subscribe ? c.subscribeByServer(pattern) == null : c.unsubscribeByServer(pattern))));
            }
        }
        return CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new)).thenApply(v -> {
            int n = 0;
            for (CompletableFuture<Boolean> o : outcomes) {
                n += o.join() ? 1 : 0;
            }
            ObjectNode body = JSON.createObjectNode();
            body.put(subscribe ? "subscribed" : "unsubscribed", n);
            body.put("future", future);
            return status(200, body);
        });
    }

    /** This node's per-topic publication rates: {@code {"rates": [{"topic", "rate", "publications"}], "untracked"}}. */
    private static ObjectNode topics(HttpServices s) {
        ObjectNode out = JSON.createObjectNode();
        ArrayNode list = out.putArray("rates");
        for (TopicRates.TopicRate r : s.hub().topicRates().active()) {
            list.addObject().put("topic", r.topic()).put("rate", r.perSecond()).put("publications", r.publications());
        }
        out.put("untracked", s.hub().topicRates().untracked());
        return out;
    }

    /**
     * The bans and the subscriptions of future connections this node holds, which a node joining the cluster adopts
     * ({@link #adopt}): {@code {"banMillisLeft": {name: ms}, "futureMillisLeft": {user: {pattern: ms}}}}. Each
     * carries the time it has left rather than when it ends, so that the nodes' clocks need not agree.
     */
    private static ObjectNode sync(HttpServices s) {
        ObjectNode out = JSON.createObjectNode();
        long now = s.clock().millis();
        ObjectNode bans = out.putObject("banMillisLeft");
        s.security().authenticator().bans().inForce().forEach((name, until) -> bans.put(name, until - now));
        ObjectNode future = out.putObject("futureMillisLeft");
        s.connections().futureSubscriptions().forEach((user, patterns) -> {
            ObjectNode mine = future.putObject(user);
            patterns.forEach((pattern, until) -> mine.put(pattern, until - now));
        });
        return out;
    }

    /**
     * Takes on the bans and the subscriptions of future connections the other nodes hold, once, when this node joins
     * the cluster: an operator's ban or subscription of a user made before it started holds on it too, for the time
     * it had left on the node that answered (on this node's clock from the answer on; the answer's time in transit
     * is the most it may last longer).
     */
    private void adopt(List<NodeLink.Reply> replies) {
        HttpServices s = server;
        String me = s.connections().node();
        for (NodeLink.Reply r : replies) {
            if (!r.answered() || r.node().equals(me)) {
                continue;
            }
            JsonNode held = read(r.body());
            long now = s.clock().millis();
            held.path("banMillisLeft").fields().forEachRemaining(e -> {
                long left = e.getValue().asLong();
                if (left > 0) {
                    s.security().authenticator().bans().ban(e.getKey(), left);
                }
            });
            held.path("futureMillisLeft").fields().forEachRemaining(user -> user.getValue().fields().forEachRemaining(p -> {
                long left = p.getValue().asLong();
                if (left > 0) {
                    s.connections().subscribeFuture(user.getKey(), p.getKey(), now + left);
                }
            }));
        }
    }

    /** This node's procedures with their callees and calls. */
    private static ObjectNode procedures(HttpServices s) {
        ObjectNode out = JSON.createObjectNode();
        ArrayNode list = out.putArray("procedures");
        for (ProcedureStats p : s.rpc().registered()) {
            list.addObject().put("proc", p.proc()).put("callees", p.callees()).put("invoke", p.invoke().wire())
                    .put("calls", p.calls()).put("rate", p.callsPerSecond());
        }
        return out;
    }

    // ------------------------------------------------------------ JSON

    /** A connection as the server API shows it (docs/http-api.md, {@code GET /v1/admin/connections}). */
    static ObjectNode json(ConnectionInfo i) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", i.id());
        ObjectNode who = n.putObject("identity");
        Identity id = i.identity();
        who.put("kind", id.kind().name().toLowerCase(Locale.ROOT).replace('_', '-'));
        if (id.name() != null) {
            who.put("name", id.name());
        }
        if (id.issuer() != null) {
            who.put("issuer", id.issuer());
        }
        n.put("transport", i.transport());
        n.put("address", i.address());
        n.put("connectedAt", Instant.ofEpochMilli(i.connectedAt()).toString());
        ArrayNode subs = n.putArray("subscriptions");
        i.subscriptions().forEach(subs::add);
        ArrayNode regs = n.putArray("registrations");
        i.registrations().forEach(regs::add);
        n.put("messagesIn", i.messagesIn());
        n.put("bytesIn", i.bytesIn());
        n.put("messagesOut", i.messagesOut());
        n.put("bytesOut", i.bytesOut());
        n.put("queuedBytes", i.queuedBytes());
        return n;
    }

    static ObjectNode error(String code, String message) {
        return JSON.createObjectNode().put("code", code).put("message", message);
    }

    private static ObjectNode status(int status, ObjectNode body) {
        ObjectNode n = JSON.createObjectNode();
        n.put("status", status);
        n.set("body", body);
        return n;
    }

    private static String text(JsonNode q, String field) {
        JsonNode v = q.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    static byte[] bytes(JsonNode n) {
        try {
            return JSON.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static JsonNode read(byte[] body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    /** The cluster of a node whose engine spans no other: every request is answered by this node. */
    private static final class Alone implements NodeLink {
        private final String node;
        private final Handler handler;

        Alone(String node, Handler handler) {
            this.node = node;
            this.handler = handler;
        }

        @Override
        public CompletionStage<List<String>> nodes() {
            return CompletableFuture.completedFuture(List.of(node));
        }

        @Override
        public CompletionStage<List<Reply>> askAll(byte[] request, Duration timeout) {
            return ask(node, request, timeout).thenApply(List::of);
        }

        @Override
        public CompletionStage<Reply> ask(String name, byte[] request, Duration timeout) {
            if (!name.equals(node)) {
                return CompletableFuture.completedFuture(null);
            }
            return handler.answer(request).toCompletableFuture().orTimeout(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
                    .handle((body, e) -> new Reply(node, e == null ? body : null));
        }

        @Override
        public void tellOthers(byte[] request) {
        }
    }
}
