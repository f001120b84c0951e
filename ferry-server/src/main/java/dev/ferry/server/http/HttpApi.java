package dev.ferry.server.http;

import dev.ferry.server.transport.HttpResponses;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Payload;
import dev.ferry.protocol.Topics;
import dev.ferry.server.auth.Action;
import dev.ferry.server.auth.AuthError;
import dev.ferry.server.auth.AuthOutcome;
import dev.ferry.server.auth.AuthRequest;
import dev.ferry.server.auth.Identity;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/** The HTTP API endpoints (docs/http-api.md). Runs on the connection's event loop; never blocks it. */
final class HttpApi {
    static final String PUBLISH_PREFIX = "/v1/publish/";
    static final String CALL_PREFIX = "/v1/call/";
    static final String PROCEDURES_PATH = "/v1/procedures";
    static final String HISTORY_PREFIX = "/v1/history/";
    static final String EVENTS_PATH = "/v1/events";
    private static final JsonFactory JSON = new JsonFactory();

    private final HttpServices server;

    HttpApi(HttpServices server) {
        this.server = server;
    }

    void health(ChannelHandlerContext ctx, FullHttpRequest req, boolean keepAlive) {
        if (server.draining()) {
            HttpResponses.send(ctx, false, HttpResponses.json(HttpResponseStatus.SERVICE_UNAVAILABLE,
                    "{\"status\":\"draining\"}".getBytes(StandardCharsets.UTF_8)));
            return;
        }
        String body = "{\"status\":\"ok\",\"connections\":" + server.openSessions() + "}";
        HttpResponses.send(ctx, keepAlive, HttpResponses.json(HttpResponseStatus.OK, body.getBytes(StandardCharsets.UTF_8)));
    }

    void publish(ChannelHandlerContext ctx, FullHttpRequest req, boolean keepAlive, String topic) {
        Identity who = admitted(ctx, req, keepAlive, Action.PUBLISH, topic, Topics.checkTopic(topic), ErrorCode.BAD_TOPIC);
        if (who == null) {
            return;
        }
        String pubId = req.headers().get(PUB_ID_HEADER);
        String badPubId = pubId == null ? null : dev.ferry.protocol.PubIds.check(pubId);
        if (badPubId != null) {
            HttpResponses.send(ctx, keepAlive, HttpResponses.error(HttpResponseStatus.BAD_REQUEST, "bad_request",
                    PUB_ID_HEADER + ": " + badPubId));
            return;
        }
        Payload payload = payload(ctx, req, keepAlive);
        if (payload == null) {
            return;
        }
        var invalid = dev.ferry.server.connection.Admission.eventClass(server.events(), topic, payload, java.util.Map.of());
        if (invalid != null) {
            HttpResponses.send(ctx, keepAlive, HttpResponses.refusal(invalid.code(), invalid.message(), invalid.dataBytes()));
            return;
        }
        ctx.channel().attr(dev.ferry.server.transport.OpenChannels.HTTP_BUSY).set(Boolean.TRUE);
        dev.ferry.server.connection.HookRefusal.publish(server.webSockets().sessions().connectionFactory().hooks(),
                        server.events(), server.hub(), ctx.executor(), "", "http", who, topic, payload,
                        java.util.Map.of(), pubId)
                .whenComplete((published, failure) ->
                        ctx.executor().execute(() -> answer(ctx, keepAlive, published(topic, published, failure))));
    }

    /** The header carrying the client's publication id of {@code POST /v1/publish} (docs/http-api.md). */
    static final String PUB_ID_HEADER = "Ferry-Pub-Id";

    /** The answer to a publication: where it stands, or why it was not (or may not have been) made. */
    private static FullHttpResponse published(String topic, dev.ferry.server.engine.Published published, Throwable failure) {
        var byHook = dev.ferry.server.connection.HookRefusal.in(failure);
        if (byHook != null) {
            return HttpResponses.refusal(byHook.code(), byHook.message(), byHook.dataBytes());
        }
        if (dev.ferry.server.engine.StateTopicException.in(failure)) {
            return HttpResponses.error(HttpResponseStatus.CONFLICT, ErrorCode.STATE_CHANNEL.wire(), failure.getMessage());
        }
        if (dev.ferry.server.engine.OutcomeUnknownException.in(failure)) {
            return HttpResponses.error(HttpResponseStatus.GATEWAY_TIMEOUT, ErrorCode.OUTCOME_UNKNOWN.wire(),
                    dev.ferry.server.engine.OutcomeUnknownException.advice(PUB_ID_HEADER));
        }
        var full = dev.ferry.server.engine.TooManyTopicsException.in(failure);
        if (full != null) {
            return HttpResponses.error(HttpResponseStatus.SERVICE_UNAVAILABLE, ErrorCode.TOO_MANY_TOPICS.wire(),
                    full.getMessage());
        }
        if (dev.ferry.server.engine.PubIdsFullException.in(failure)) {
            return HttpResponses.error(HttpResponseStatus.TOO_MANY_REQUESTS, ErrorCode.TOO_MANY_PUB_IDS.wire(),
                    failure.getMessage());
        }
        if (failure != null) {
            return unavailable();
        }
        return HttpResponses.json(HttpResponseStatus.OK,
                dev.ferry.server.hub.HistoryJson.published(topic, published).bytes());
    }

    /** {@code GET /v1/procedures?prefix=}: the registered procedures the key or token may call. */
    void procedures(ChannelHandlerContext ctx, FullHttpRequest req, boolean keepAlive, QueryStringDecoder uri) {
        String prefix = first(uri, "prefix");
        prefix = prefix == null ? "" : prefix;
        String why = prefix.isEmpty() ? null : Topics.checkProcedure(prefix);
        if (why != null) {
            HttpResponses.send(ctx, keepAlive, HttpResponses.error(HttpResponseStatus.BAD_REQUEST,
                    ErrorCode.BAD_PROCEDURE.wire(), why));
            return;
        }
        Identity identity = authenticated(ctx, req, keepAlive);
        if (identity != null) {
            var permissions = server.security().permissions();
            HttpResponses.send(ctx, keepAlive, HttpResponses.json(HttpResponseStatus.OK, server.rpc().listJson(prefix,
                    proc -> permissions.check(identity, Action.CALL, proc).allowed()).bytes()));
        }
    }

    /**
     * {@code GET /v1/events}: the declared event classes the key or token may subscribe to, with their schemas and
     * examples (docs/events.md); authenticated as the other API endpoints.
     */
    void events(ChannelHandlerContext ctx, FullHttpRequest req, boolean keepAlive) {
        Identity identity = authenticated(ctx, req, keepAlive);
        if (identity != null) {
            var permissions = server.security().permissions();
            HttpResponses.send(ctx, keepAlive, HttpResponses.json(HttpResponseStatus.OK, server.events().listJson(
                    pattern -> permissions.check(identity, Action.SUBSCRIBE, pattern).allowed())));
        }
    }

    /** Readiness: 200 while the node serves and its engine can reach its backend, 503 otherwise. */
    void ready(ChannelHandlerContext ctx, FullHttpRequest req, boolean keepAlive) {
        var engine = server.hub().engine();
        boolean ready = !server.draining() && engine.ready();
        String status = server.draining() ? "draining" : ready ? "ready" : "engine_unavailable";
        String body = "{\"status\":\"" + status + "\",\"engine\":\"" + engine.name() + "\"}";
        HttpResponses.send(ctx, keepAlive, HttpResponses.json(ready ? HttpResponseStatus.OK
                : HttpResponseStatus.SERVICE_UNAVAILABLE, body.getBytes(StandardCharsets.UTF_8)));
    }

    private static FullHttpResponse unavailable() {
        return HttpResponses.error(HttpResponseStatus.SERVICE_UNAVAILABLE, ErrorCode.UNAVAILABLE.wire(),
                "the cluster backend is unavailable; try again");
    }

    /** Sends a response that was computed asynchronously, unless the connection has gone meanwhile. */
    private void answer(ChannelHandlerContext ctx, boolean keepAlive, FullHttpResponse response) {
        ctx.channel().attr(dev.ferry.server.transport.OpenChannels.HTTP_BUSY).set(null);
        if (!ctx.channel().isActive()) {
            response.release();
            return;
        }
        HttpResponses.send(ctx, keepAlive && !server.draining(), response);
    }

    /**
     * The caller's identity when it is authenticated, {@code name} is well formed ({@code why} is null) and the
     * permissions allow {@code action} on it; otherwise answers 401, 400 with {@code code}, or 403, and returns null.
     */
    Identity admitted(ChannelHandlerContext ctx, FullHttpRequest req, boolean keepAlive, Action action,
                              String name, String why, ErrorCode code) {
        Identity identity = authenticated(ctx, req, keepAlive);
        if (identity == null) {
            return null;
        }
        if (why != null) {
            HttpResponses.send(ctx, keepAlive, HttpResponses.error(HttpResponseStatus.BAD_REQUEST, code.wire(), why));
            return null;
        }
        return permitted(ctx, keepAlive, identity, action, name) ? identity : null;
    }

    void history(ChannelHandlerContext ctx, FullHttpRequest req, boolean keepAlive, String topic, QueryStringDecoder uri) {
        if (admitted(ctx, req, keepAlive, Action.HISTORY, topic, Topics.checkTopic(topic), ErrorCode.BAD_TOPIC) == null) {
            return;
        }
        int max = server.hub().historyConfig().maxRecovery();
        long after;
        long before;
        long limit;
        try {
            after = longParam(uri, "after", 0);
            before = longParam(uri, "before", 0);
            limit = longParam(uri, "limit", Math.min(100, max));
        } catch (IllegalArgumentException e) {
            HttpResponses.send(ctx, keepAlive, HttpResponses.error(HttpResponseStatus.BAD_REQUEST, "bad_request", e.getMessage()));
            return;
        }
        boolean reverse = "true".equals(first(uri, "reverse"));
        ctx.channel().attr(dev.ferry.server.transport.OpenChannels.HTTP_BUSY).set(Boolean.TRUE);
        server.hub().history(topic, after, before, (int) Math.max(1, Math.min(limit, max)), reverse)
                .whenComplete((page, failure) -> ctx.executor().execute(() -> answer(ctx, keepAlive, failure != null
                        ? unavailable()
                        : HttpResponses.json(HttpResponseStatus.OK, dev.ferry.server.hub.HistoryJson.page(page).bytes()))));
    }

    private static String first(QueryStringDecoder uri, String name) {
        List<String> v = uri.parameters().get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    /** A non-negative integer query parameter; IllegalArgumentException names it when malformed. */
    private static long longParam(QueryStringDecoder uri, String name, long def) {
        String v = first(uri, name);
        if (v == null) {
            return def;
        }
        try {
            long n = Long.parseLong(v);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new IllegalArgumentException(name + ": \"" + v + "\" (expected: a non-negative integer)");
    }

    void call(ChannelHandlerContext ctx, FullHttpRequest req, boolean keepAlive, String proc, QueryStringDecoder uri) {
        Identity identity = admitted(ctx, req, keepAlive, Action.CALL, proc, Topics.checkProcedure(proc),
                ErrorCode.BAD_PROCEDURE);
        if (identity == null) {
            return;
        }
        long max = server.rpc().config().maxTimeout().toMillis();
        long timeout = server.rpc().config().defaultTimeout().toMillis();
        List<String> t = uri.parameters().get("timeout");
        if (t != null && !t.isEmpty()) {
            try {
                timeout = Long.parseLong(t.get(0));
            } catch (NumberFormatException e) {
                timeout = -1;
            }
            if (timeout <= 0 || timeout > max) {
                HttpResponses.send(ctx, keepAlive, HttpResponses.error(HttpResponseStatus.BAD_REQUEST, ErrorCode.BAD_TIMEOUT.wire(),
                        "timeout: " + t.get(0) + " (expected: milliseconds in [1, " + max + "])"));
                return;
            }
        }
        Payload args = payload(ctx, req, keepAlive);
        if (args == null) {
            return;
        }
        String accept = req.headers().get(HttpHeaderNames.ACCEPT);
        boolean streamed = accept != null && accept.toLowerCase(Locale.ROOT).contains(HttpCall.NDJSON);
        new HttpCall(server, ctx, keepAlive, streamed, identity).start(server.rpc(), proc, args, timeout);
    }

    /** The HTTP status for each way a call fails (docs/http-api.md). */
    static HttpResponseStatus statusOf(ErrorCode code) {
        return switch (code) {
            case NO_SUCH_PROCEDURE -> HttpResponseStatus.NOT_FOUND;
            case CALL_TIMEOUT -> HttpResponseStatus.GATEWAY_TIMEOUT;
            case CALLEE_GONE -> HttpResponseStatus.BAD_GATEWAY;
            case CALLEE_ERROR -> HttpResponseStatus.INTERNAL_SERVER_ERROR;
            case SHUTTING_DOWN, UNAVAILABLE -> HttpResponseStatus.SERVICE_UNAVAILABLE;
            default -> HttpResponseStatus.BAD_REQUEST;
        };
    }

    /**
     * The identity behind {@code Authorization: Bearer <API key or token>}; answers 401/403 and returns null when
     * there is none (docs/security.md).
     */
    private Identity authenticated(ChannelHandlerContext ctx, FullHttpRequest req, boolean keepAlive) {
        AuthOutcome who = server.security().authenticator().authenticateApi(AuthRequest.of(ctx, req));
        if (who instanceof AuthError e) {
            HttpResponses.send(ctx, keepAlive, HttpResponses.authError(e));
            return null;
        }
        return (Identity) who;
    }

    /** Whether {@code identity} may do {@code action} on {@code target}; answers 403 {@code forbidden} if not. */
    private boolean permitted(ChannelHandlerContext ctx, boolean keepAlive, Identity identity, Action action, String target) {
        return permitted(ctx, keepAlive, server.security(), server.security().permissions().scope(identity), action, target);
    }

    /**
     * Whether {@code scope} may do {@code action} on {@code target}, as the connection core decides
     * ({@link dev.ferry.server.connection.Admission#permitted}); when not, answers {@code 403 forbidden} with
     * {@code data: {"action","topic"}} and returns false.
     */
    static boolean permitted(ChannelHandlerContext ctx, boolean keepAlive, dev.ferry.server.auth.Security security,
                             dev.ferry.server.auth.AccessScope scope, Action action, String target) {
        var refusal = dev.ferry.server.connection.Admission.permitted(security.counters(), scope, action, target);
        if (refusal == null) {
            return true;
        }
        HttpResponses.send(ctx, keepAlive, dev.ferry.server.transport.TransportAuth.forbidden(refusal.message(), action, target));
        return false;
    }

    /**
     * The request body as a payload: JSON for {@code application/json} (or no content type), opaque bytes for
     * {@code application/octet-stream}. Answers 400/415 and returns null otherwise.
     */
    private Payload payload(ChannelHandlerContext ctx, FullHttpRequest req, boolean keepAlive) {
        String type = req.headers().get(HttpHeaderNames.CONTENT_TYPE);
        String mime = type == null ? "application/json" : type.split(";")[0].trim().toLowerCase(Locale.ROOT);
        byte[] body = ByteBufUtil.getBytes(req.content());
        if (mime.equals("application/octet-stream")) {
            return Payload.binary(body);
        }
        if (!mime.equals("application/json")) {
            HttpResponses.send(ctx, keepAlive, HttpResponses.error(HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
                    "Content-Type " + type + " (expected: application/json or application/octet-stream)"
                            // what curl -d sends when no type is given: the usual first request
                            + (mime.equals("application/x-www-form-urlencoded")
                                    ? "; with curl -d, add -H 'Content-Type: application/json'" : "")));
            return null;
        }
        String why = jsonProblem(body);
        if (why != null) {
            HttpResponses.send(ctx, keepAlive, HttpResponses.error(HttpResponseStatus.BAD_REQUEST, "bad_json", why));
            return null;
        }
        return Payload.json(body);
    }

    /** Why {@code body} is not exactly one JSON value in well-formed Unicode, or null when it is. */
    private static String jsonProblem(byte[] body) {
        String fault = dev.ferry.protocol.JsonText.unicodeFault(body, 0, body.length);
        if (fault != null) {
            return "the body is not well-formed Unicode: " + fault;
        }
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() == null) {
                return "empty body (expected: one JSON value)";
            }
            p.skipChildren();
            if (p.nextToken() != null) {
                return "more than one JSON value in the body";
            }
            return null;
        } catch (Exception e) {
            String m = e.getMessage() == null ? "unreadable" : e.getMessage();
            int nl = m.indexOf('\n');
            return "malformed JSON: " + (nl < 0 ? m : m.substring(0, nl));
        }
    }
}
