package dev.ferry.server.http;

import dev.ferry.server.transport.HttpResponses;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Topics;
import dev.ferry.server.auth.Action;
import dev.ferry.server.sse.StateEventStream;
import dev.ferry.server.state.StateChannels;
import dev.ferry.server.state.StateException;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.Locale;

/**
 * {@code /v1/state/{topic}}: a state channel over plain HTTP (docs/http-api.md). {@code GET} answers the document
 * with its version as the entity tag ({@code 304} on {@code If-None-Match}), or, asked for
 * {@code text/event-stream}, follows it as server-sent events ({@link StateEventStream}); {@code PATCH} applies a
 * merge patch or a JSON patch, conditionally on {@code If-Match}. Runs on the connection's event loop; never
 * blocks it.
 */
final class StateHttp {
    static final String PREFIX = "/v1/state/";
    static final String MERGE_PATCH = "application/merge-patch+json";
    static final String JSON_PATCH = "application/json-patch+json";

    private final HttpServices server;
    private final HttpApi api;

    StateHttp(HttpServices server, HttpApi api) {
        this.server = server;
        this.api = api;
    }

    void handle(ChannelHandlerContext ctx, FullHttpRequest req, boolean keepAlive, String topic) {
        String accept = req.headers().get(HttpHeaderNames.ACCEPT, "");
        if (req.method().equals(HttpMethod.GET) && accept.contains("text/event-stream")) {
            StateEventStream.open(server.sse(), ctx, req, topic, keepAlive);
        } else if (req.method().equals(HttpMethod.GET)) {
            get(ctx, req, keepAlive, topic);
        } else if (req.method().equals(HttpMethod.PATCH)) {
            patch(ctx, req, keepAlive, topic);
        } else {
            FullHttpResponse r = HttpResponses.error(HttpResponseStatus.METHOD_NOT_ALLOWED, "method_not_allowed",
                    req.method() + " is not allowed here (allowed: GET, PATCH)");
            r.headers().set(HttpHeaderNames.ALLOW, "GET, PATCH");
            HttpResponses.send(ctx, keepAlive, r);
        }
    }

    private void get(ChannelHandlerContext ctx, FullHttpRequest req, boolean keepAlive, String topic) {
        if (api.admitted(ctx, req, keepAlive, Action.SUBSCRIBE, topic, Topics.checkTopic(topic), ErrorCode.BAD_TOPIC) == null) {
            return;
        }
        String ifNoneMatch = req.headers().get(HttpHeaderNames.IF_NONE_MATCH);
        ctx.channel().attr(dev.ferry.server.transport.OpenChannels.HTTP_BUSY).set(Boolean.TRUE);
        server.stateChannels().get(topic).whenComplete((view, failure) -> ctx.executor().execute(() -> {
            if (failure != null) {
                answer(ctx, keepAlive, failure(failure, false));
                return;
            }
            FullHttpResponse r = ifNoneMatch != null && matches(ifNoneMatch, view.etag())
                    ? HttpResponses.response(HttpResponseStatus.NOT_MODIFIED, Unpooled.EMPTY_BUFFER, "application/json")
                    : HttpResponses.json(HttpResponseStatus.OK, view.json());
            answer(ctx, keepAlive, tagged(r, view));
        }));
    }

    private void patch(ChannelHandlerContext ctx, FullHttpRequest req, boolean keepAlive, String topic) {
        if (api.admitted(ctx, req, keepAlive, Action.PUBLISH, topic, Topics.checkTopic(topic), ErrorCode.BAD_TOPIC) == null) {
            return;
        }
        String type = req.headers().get(HttpHeaderNames.CONTENT_TYPE);
        String mime = type == null ? "" : type.split(";")[0].trim().toLowerCase(Locale.ROOT);
        if (!mime.equals(MERGE_PATCH) && !mime.equals(JSON_PATCH)) {
            HttpResponses.send(ctx, keepAlive, HttpResponses.error(HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type", "Content-Type " + type + " (expected: " + MERGE_PATCH + " or " + JSON_PATCH + ")"));
            return;
        }
        long ifVersion = -1;
        String ifEpoch = null;
        String ifMatch = req.headers().get(HttpHeaderNames.IF_MATCH);
        if (ifMatch != null && !ifMatch.trim().equals("*")) {
            String tag = ifMatch.trim();
            int colon = tag.lastIndexOf(':');
            try {
                if (!tag.startsWith("\"") || !tag.endsWith("\"") || tag.length() < 3) {
                    throw new NumberFormatException();
                }
                tag = tag.substring(1, tag.length() - 1);
                colon = tag.lastIndexOf(':');
                ifVersion = Long.parseLong(tag.substring(colon + 1));
                ifEpoch = colon < 0 ? null : tag.substring(0, colon);
                if (ifVersion < 0) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                HttpResponses.send(ctx, keepAlive, HttpResponses.error(HttpResponseStatus.BAD_REQUEST, "bad_request",
                        "If-Match: " + ifMatch + " (expected: one entity tag of this API, \"epoch:version\", or *)"));
                return;
            }
        }
        StateChannels.Change change;
        try {
            change = StateChannels.Change.parse(mime.equals(MERGE_PATCH), ByteBufUtil.getBytes(req.content()));
        } catch (StateException e) {
            HttpResponses.send(ctx, keepAlive, failure(e, false));
            return;
        }
        boolean conditional = ifVersion >= 0;
        ctx.channel().attr(dev.ferry.server.transport.OpenChannels.HTTP_BUSY).set(Boolean.TRUE);
        server.stateChannels().update(topic, change, ifVersion, ifEpoch).whenComplete((view, failure) ->
                ctx.executor().execute(() -> answer(ctx, keepAlive, failure != null ? failure(failure, conditional)
                        : tagged(HttpResponses.json(HttpResponseStatus.OK, view.toPayload(false).bytes()), view))));
    }

    /** Whether an {@code If-None-Match} list names {@code etag} (weak or strong), or is {@code *}. */
    static boolean matches(String header, String etag) {
        for (String t : header.split(",")) {
            String tag = t.trim();
            if (tag.startsWith("W/")) {
                tag = tag.substring(2);
            }
            if (tag.equals("*") || tag.equals(etag)) {
                return true;
            }
        }
        return false;
    }

    private static FullHttpResponse tagged(FullHttpResponse r, StateChannels.View view) {
        r.headers().set(HttpHeaderNames.ETAG, view.etag());
        r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
        return r;
    }

    /** The response for a failed read or write (docs/http-api.md). */
    private static FullHttpResponse failure(Throwable failure, boolean conditional) {
        StateException e = failure instanceof StateException s ? s : stateOf(failure);
        if (e == null) {
            return HttpResponses.error(HttpResponseStatus.SERVICE_UNAVAILABLE, ErrorCode.UNAVAILABLE.wire(),
                    "the cluster backend is unavailable; try again");
        }
        HttpResponseStatus status = switch (e.code()) {
            case NOT_STATE_CHANNEL -> HttpResponseStatus.NOT_FOUND;
            case STATE_CONFLICT -> conditional ? HttpResponseStatus.PRECONDITION_FAILED : HttpResponseStatus.CONFLICT;
            case INVALID_PATCH -> HttpResponseStatus.UNPROCESSABLE_ENTITY;
            case DOCUMENT_TOO_LARGE -> HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE;
            case UNAVAILABLE, TOO_MANY_TOPICS -> HttpResponseStatus.SERVICE_UNAVAILABLE;
            default -> HttpResponseStatus.BAD_REQUEST;
        };
        FullHttpResponse r = HttpResponses.json(status, HttpResponses.errorBody(e.code().wire(), e.getMessage(),
                e.data() == null ? null : e.data().bytes()));
        if (e.code() == ErrorCode.STATE_CONFLICT && e.data() != null) {
            var data = dev.ferry.server.state.StateChannels.versionOf(e.data());
            if (data != null) {
                r.headers().set(HttpHeaderNames.ETAG, data.etag());
            }
        }
        return r;
    }

    private static StateException stateOf(Throwable failure) {
        Throwable t = failure;
        while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t instanceof StateException s ? s : null;
    }

    private void answer(ChannelHandlerContext ctx, boolean keepAlive, FullHttpResponse response) {
        ctx.channel().attr(dev.ferry.server.transport.OpenChannels.HTTP_BUSY).set(null);
        if (!ctx.channel().isActive()) {
            response.release();
            return;
        }
        HttpResponses.send(ctx, keepAlive && !server.draining(), response);
    }
}
