package dev.ferry.server.http;

import dev.ferry.server.transport.HttpResponses;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Topics;
import dev.ferry.server.auth.Action;
import dev.ferry.server.auth.AuthError;
import dev.ferry.server.auth.AuthOutcome;
import dev.ferry.server.auth.AuthRequest;
import dev.ferry.server.auth.Identity;
import dev.ferry.server.presence.ConnectionPresence;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.List;

/**
 * {@code GET /v1/presence/{topic}?limit=&cursor=}: a page of a topic's presence, the same page as the
 * {@code presence} command's (docs/http-api.md). Authenticated as the other API endpoints; the permission
 * action is {@code presence}. Runs on the connection's event loop; never blocks it.
 */
final class PresenceEndpoint {
    static final String PREFIX = "/v1/presence/";

    private final HttpServices server;

    PresenceEndpoint(HttpServices server) {
        this.server = server;
    }

    void get(ChannelHandlerContext ctx, FullHttpRequest req, boolean keepAlive, String topic, QueryStringDecoder uri) {
        AuthOutcome who = server.security().authenticator().authenticateApi(AuthRequest.of(ctx, req));
        if (who instanceof AuthError e) {
            HttpResponses.send(ctx, keepAlive, HttpResponses.authError(e));
            return;
        }
        Identity identity = (Identity) who;
        String why = Topics.checkTopic(topic);
        if (why != null) {
            HttpResponses.send(ctx, keepAlive, HttpResponses.error(HttpResponseStatus.BAD_REQUEST, ErrorCode.BAD_TOPIC.wire(), why));
            return;
        }
        if (!HttpApi.permitted(ctx, keepAlive, server.security(), server.security().permissions().scope(identity),
                Action.PRESENCE, topic)) {
            return;
        }
        if (server.presence().ruleFor(topic) == null) {
            HttpResponses.send(ctx, keepAlive, HttpResponses.error(HttpResponseStatus.NOT_FOUND, ErrorCode.BAD_PRESENCE.wire(),
                    ConnectionPresence.notKept(topic)));
            return;
        }
        int limit;
        try {
            limit = limit(uri);
        } catch (IllegalArgumentException e) {
            HttpResponses.send(ctx, keepAlive, HttpResponses.error(HttpResponseStatus.BAD_REQUEST, "bad_request", e.getMessage()));
            return;
        }
        List<String> cursor = uri.parameters().get("cursor");
        ctx.channel().attr(dev.ferry.server.transport.OpenChannels.HTTP_BUSY).set(Boolean.TRUE);
        server.presence().read(topic, cursor == null || cursor.isEmpty() ? null : cursor.get(0), limit)
                .whenComplete((page, failure) -> ctx.executor().execute(() -> answer(ctx, keepAlive, failure != null
                        ? HttpResponses.error(HttpResponseStatus.SERVICE_UNAVAILABLE, ErrorCode.UNAVAILABLE.wire(),
                                "the cluster backend is unavailable; try again")
                        : HttpResponses.json(HttpResponseStatus.OK, page.toJson().bytes()))));
    }

    private static int limit(QueryStringDecoder uri) {
        List<String> v = uri.parameters().get("limit");
        if (v == null || v.isEmpty()) {
            return 0;
        }
        try {
            int n = Integer.parseInt(v.get(0));
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new IllegalArgumentException("limit: \"" + v.get(0) + "\" (expected: a positive integer)");
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
