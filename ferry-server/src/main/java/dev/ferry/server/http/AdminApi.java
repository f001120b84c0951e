package dev.ferry.server.http;

import dev.ferry.server.transport.HttpResponses;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.protocol.CloseCodes;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Payload;
import dev.ferry.protocol.Topics;
import dev.ferry.server.auth.Action;
import dev.ferry.server.auth.Bans;
import dev.ferry.server.auth.Identity;
import dev.ferry.server.connection.Connection;
import dev.ferry.server.connection.ConnectionInfo;
import dev.ferry.server.connection.Connections;
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
import java.time.Instant;
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
 * grants unless named. Runs on the request's event loop; what connections hold is read on their own loops.
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
        String[] parts = tail.split("/", -1);
        for (int i = 0; i < parts.length; i++) {
            parts[i] = QueryStringDecoder.decodeComponent(parts[i], StandardCharsets.UTF_8);
        }
        String first = parts[0];
        if (first.equals("connections") && parts.length == 1) {
            if (HttpRouter.requireMethod(ctx, req, HttpMethod.GET, keepAlive)) {
                listConnections(ctx, keepAlive, uri);
            }
        } else if (first.equals("connections") && parts.length == 2) {
            if (HttpRouter.requireMethod(ctx, req, HttpMethod.GET, keepAlive)) {
                getConnection(ctx, keepAlive, parts[1]);
            }
        } else if (first.equals("connections") && parts.length == 3 && parts[2].equals("disconnect")) {
            if (HttpRouter.requireMethod(ctx, req, HttpMethod.POST, keepAlive)) {
                Connection c = server.connections().get(parts[1]);
                if (c == null) {
                    noConnection(ctx, keepAlive, parts[1]);
                } else {
                    disconnect(ctx, req, keepAlive, List.of(c), c.identity().kind() == Identity.Kind.ANONYMOUS
                            ? null : c.identity().name());
                }
            }
        } else if (first.equals("connections") && parts.length == 3
                && (parts[2].equals("subscribe") || parts[2].equals("unsubscribe"))) {
            if (HttpRouter.requireMethod(ctx, req, HttpMethod.POST, keepAlive)) {
                Connection c = server.connections().get(parts[1]);
                if (c == null) {
                    noConnection(ctx, keepAlive, parts[1]);
                } else {
                    serverSubscription(ctx, req, keepAlive, c, parts[2].equals("subscribe"));
                }
            }
        } else if (first.equals("users") && parts.length == 3 && !parts[1].isEmpty()
                && (parts[2].equals("subscribe") || parts[2].equals("unsubscribe"))) {
            if (HttpRouter.requireMethod(ctx, req, HttpMethod.POST, keepAlive)) {
                userSubscription(ctx, req, keepAlive, parts[1], parts[2].equals("subscribe"));
            }
        } else if (first.equals("users") && parts.length == 3 && parts[2].equals("disconnect") && !parts[1].isEmpty()) {
            if (HttpRouter.requireMethod(ctx, req, HttpMethod.POST, keepAlive)) {
                disconnect(ctx, req, keepAlive, server.connections().ofUser(parts[1]), parts[1]);
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

    // ------------------------------------------------------------ connections

    private void listConnections(ChannelHandlerContext ctx, boolean keepAlive, QueryStringDecoder uri) {
        Connections.Query q;
        try {
            String transport = param(uri, "transport");
            if (transport != null && !List.of("ws", "multiplex", "topic", "sse", "fallback").contains(transport)) {
                throw new IllegalArgumentException("transport: \"" + transport
                        + "\" (expected: ws, multiplex, topic, sse or fallback)");
            }
            String topic = param(uri, "topic");
            if (topic != null && Topics.checkPattern(topic) != null) {
                throw new IllegalArgumentException("topic: " + Topics.checkPattern(topic));
            }
            int limit = (int) intParam(uri, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
            q = new Connections.Query(param(uri, "user"), topic, transport, param(uri, "address"),
                    param(uri, "after"), limit);
        } catch (IllegalArgumentException e) {
            badRequest(ctx, keepAlive, e.getMessage());
            return;
        }
        later(ctx, keepAlive, server.connections().list(q), page -> json(g -> {
            g.writeStartObject();
            g.writeStringField("node", server.connections().node());
            g.writeArrayFieldStart("connections");
            for (ConnectionInfo i : page.items()) {
                write(g, i);
            }
            g.writeEndArray();
            g.writeStringField("next", page.next());
            g.writeEndObject();
        }));
    }

    private void getConnection(ChannelHandlerContext ctx, boolean keepAlive, String id) {
        Connection c = server.connections().get(id);
        if (c == null) {
            noConnection(ctx, keepAlive, id);
            return;
        }
        later(ctx, keepAlive, Connections.snapshot(List.of(c)), infos -> infos.isEmpty()
                ? HttpResponses.error(HttpResponseStatus.NOT_FOUND, "no_such_connection", "connection " + id + " has closed")
                : json(g -> write(g, infos.get(0))));
    }

    private static void noConnection(ChannelHandlerContext ctx, boolean keepAlive, String id) {
        HttpResponses.send(ctx, keepAlive, HttpResponses.error(HttpResponseStatus.NOT_FOUND, "no_such_connection",
                "no open connection " + id + " on this node"));
    }

    /**
     * Closes {@code targets} with the body's {@code code} (4000-4999, default 4011) and {@code reason}; with
     * {@code ban} (seconds), no identity named {@code banned} may connect again for that long.
     */
    private void disconnect(ChannelHandlerContext ctx, FullHttpRequest req, boolean keepAlive, List<Connection> targets,
                            String banned) {
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
            badRequest(ctx, keepAlive, e.getMessage());
            return;
        }
        Instant until = null;
        if (ban > 0) {
            if (banned == null) {
                badRequest(ctx, keepAlive, "ban: connection " + targets.get(0).id() + " is anonymous and has no name to ban");
                return;
            }
            Bans bans = server.security().authenticator().bans();
            if (!bans.ban(banned, ban * 1000)) {
                HttpResponses.send(ctx, keepAlive, HttpResponses.error(HttpResponseStatus.SERVICE_UNAVAILABLE,
                        "too_many_bans", "the server already holds " + Bans.MAX + " bans"));
                return;
            }
            until = bans.bannedUntil(banned);
        }
        for (Connection c : targets) {
            Connections.disconnect(c, code, reason);
        }
        Instant bannedUntil = until;
        HttpResponses.send(ctx, keepAlive, json(g -> {
            g.writeStartObject();
            g.writeNumberField("disconnected", targets.size());
            g.writeArrayFieldStart("ids");
            for (Connection c : targets) {
                g.writeString(c.id());
            }
            g.writeEndArray();
            if (bannedUntil != null) {
                g.writeStringField("bannedUntil", bannedUntil.toString());
            }
            g.writeEndObject();
        }));
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

    private static void refuse(ChannelHandlerContext ctx, boolean keepAlive, IllegalArgumentException e) {
        HttpResponses.send(ctx, keepAlive, HttpResponses.error(HttpResponseStatus.BAD_REQUEST,
                e instanceof BadTopic ? ErrorCode.BAD_TOPIC.wire() : "bad_request", e.getMessage()));
    }

    /** Subscribes (or unsubscribes) one connection on its loop and answers with the outcome. */
    private void serverSubscription(ChannelHandlerContext ctx, FullHttpRequest req, boolean keepAlive, Connection c,
                                    boolean subscribe) {
        String pattern;
        try {
            pattern = pattern(body(req));
        } catch (IllegalArgumentException e) {
            refuse(ctx, keepAlive, e);
            return;
        }
        if (!c.transport().carriesServerSubscriptions()) {
            HttpResponses.send(ctx, keepAlive, HttpResponses.error(HttpResponseStatus.CONFLICT, "unsupported_transport",
                    "a " + c.transport().kind() + " connection cannot be told of server-side subscriptions (only ferry.v1 connections can)"));
            return;
        }
        CompletableFuture<FullHttpResponse> done = new CompletableFuture<>();
        c.executor().execute(() -> {
            if (c.isClosed()) {
                done.complete(HttpResponses.error(HttpResponseStatus.NOT_FOUND, "no_such_connection",
                        "connection " + c.id() + " has closed"));
            } else if (!subscribe) {
                boolean held = c.unsubscribeByServer(pattern);
                done.complete(json(g -> {
                    g.writeStartObject();
                    g.writeBooleanField("unsubscribed", held);
                    g.writeEndObject();
                }));
            } else {
                var r = c.subscribeByServer(pattern);
                done.complete(r != null ? HttpResponses.json(HttpResponseStatus.CONFLICT,
                        HttpResponses.errorBody(r.code().wire(), r.message(), null)) : json(g -> {
                    g.writeStartObject();
                    g.writeBooleanField("subscribed", true);
                    g.writeEndObject();
                }));
            }
        });
        later(ctx, keepAlive, done, response -> response);
    }

    /**
     * Subscribes (or unsubscribes) every ferry.v1 connection of user {@code name} on this node, and with
     * {@code "for": seconds} its connections made meanwhile too.
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
        boolean future;
        if (subscribe) {
            future = seconds > 0;
            if (future && !server.connections().subscribeFuture(name, pattern, server.clock().millis() + seconds * 1000)) {
                HttpResponses.send(ctx, keepAlive, HttpResponses.error(HttpResponseStatus.SERVICE_UNAVAILABLE,
                        "too_many_server_subscriptions", "the server already holds "
                                + Connections.MAX_FUTURE_SUBSCRIPTIONS + " server-side subscriptions of future connections"));
                return;
            }
        } else {
            future = server.connections().unsubscribeFuture(name, pattern);
        }
        List<Connection> targets = new ArrayList<>();
        for (Connection c : server.connections().ofUser(name)) {
            if (c.transport().carriesServerSubscriptions()) {
                targets.add(c);
            }
        }
        List<CompletableFuture<Boolean>> outcomes = new ArrayList<>();
        for (Connection c : targets) {
            CompletableFuture<Boolean> done = new CompletableFuture<>();
            outcomes.add(done);
            c.executor().execute(() -> done.complete(!c.isClosed()
                    && (subscribe ? c.subscribeByServer(pattern) == null : c.unsubscribeByServer(pattern))));
        }
        boolean futureToo = future;
        later(ctx, keepAlive, CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new)), v -> json(g -> {
            int n = 0;
            for (CompletableFuture<Boolean> o : outcomes) {
                n += o.join() ? 1 : 0;
            }
            g.writeStartObject();
            g.writeNumberField(subscribe ? "subscribed" : "unsubscribed", n);
            g.writeBooleanField("future", futureToo);
            g.writeEndObject();
        }));
    }

    private static void write(JsonGenerator g, ConnectionInfo i) throws IOException {
        g.writeStartObject();
        g.writeStringField("id", i.id());
        writeIdentity(g, i.identity());
        g.writeStringField("transport", i.transport());
        g.writeStringField("address", i.address());
        g.writeStringField("connectedAt", Instant.ofEpochMilli(i.connectedAt()).toString());
        g.writeArrayFieldStart("subscriptions");
        for (String s : i.subscriptions()) {
            g.writeString(s);
        }
        g.writeEndArray();
        g.writeArrayFieldStart("registrations");
        for (String s : i.registrations()) {
            g.writeString(s);
        }
        g.writeEndArray();
        g.writeNumberField("messagesIn", i.messagesIn());
        g.writeNumberField("bytesIn", i.bytesIn());
        g.writeNumberField("messagesOut", i.messagesOut());
        g.writeNumberField("bytesOut", i.bytesOut());
        g.writeNumberField("queuedBytes", i.queuedBytes());
        g.writeEndObject();
    }

    private static void writeIdentity(JsonGenerator g, Identity who) throws IOException {
        g.writeObjectFieldStart("identity");
        g.writeStringField("kind", who.kind().name().toLowerCase(Locale.ROOT).replace('_', '-'));
        if (who.name() != null) {
            g.writeStringField("name", who.name());
        }
        if (who.issuer() != null) {
            g.writeStringField("issuer", who.issuer());
        }
        g.writeEndObject();
    }

    // ------------------------------------------------------------ topics

    /** The subscribed patterns of this node (of the cluster with an engine that knows them), with their counts. */
    private void listTopics(ChannelHandlerContext ctx, boolean keepAlive, QueryStringDecoder uri) {
        String prefix = param(uri, "prefix");
        Map<String, Integer> cluster = server.hub().engine().clusterPatternCounts();
        Map<String, Integer> counts = new TreeMap<>(cluster != null ? cluster : server.hub().patternCounts());
        HttpResponses.send(ctx, keepAlive, json(g -> {
            g.writeStartObject();
            g.writeNumberField("publications", server.hub().publications());
            g.writeNumberField("deliveries", server.hub().deliveries());
            g.writeArrayFieldStart("topics");
            for (Map.Entry<String, Integer> e : counts.entrySet()) {
                if (prefix != null && !e.getKey().startsWith(prefix)) {
                    continue;
                }
                g.writeStartObject();
                g.writeStringField("pattern", e.getKey());
                g.writeNumberField("subscribers", e.getValue());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }));
    }

    /** One topic: its subscribers (the connections whose patterns match it) and its history's extent. */
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
        later(ctx, keepAlive, server.hub().history(topic, 0, 0, 1, true).toCompletableFuture(), page -> json(g -> {
            g.writeStartObject();
            g.writeStringField("topic", topic);
            g.writeNumberField("subscribers", total);
            g.writeObjectFieldStart("patterns");
            for (Map.Entry<String, Integer> e : matching.entrySet()) {
                g.writeNumberField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
            g.writeStringField("epoch", page.epoch());
            g.writeNumberField("offset", page.offset());
            g.writeNumberField("history", page.items().isEmpty() ? 0 : Math.max(0, page.offset() - page.first() + 1));
            g.writeEndObject();
        }));
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
            badRequest(ctx, keepAlive, e.getMessage());
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
            badRequest(ctx, keepAlive, e.getMessage());
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
            throw new IllegalArgumentException("Content-Type " + type + " (expected: application/json)");
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
                    ErrorCode.UNAVAILABLE.wire(), "this server cannot reload"));
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
