package dev.ferry.server.transport;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.server.auth.Action;
import dev.ferry.server.auth.AuthError;
import dev.ferry.server.auth.AuthOutcome;
import dev.ferry.server.auth.AuthRequest;
import dev.ferry.server.auth.Identity;
import dev.ferry.server.auth.OriginPolicy;
import dev.ferry.server.auth.Security;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * The checks every way in shares before it starts (docs/security.md, "For other transports"): the origin policy,
 * authentication of the opening request, and permission denials answered as {@code 403 forbidden}. Each check
 * answers the request itself when it refuses. Thread-safe.
 */
public final class TransportAuth {
    private final Security security;
    private final OriginPolicy originPolicy;

    public TransportAuth(Security security, OriginPolicy originPolicy) {
        this.security = security;
        this.originPolicy = originPolicy;
    }

    /** Whether the page that sent {@code req} may use this endpoint; otherwise answers 403 {@code origin_not_allowed}. */
    public boolean originAllowed(ChannelHandlerContext ctx, HttpRequest req) {
        String refusal = originPolicy.refusal(req);
        if (refusal == null) {
            return true;
        }
        HttpResponses.send(ctx, false, HttpResponses.error(HttpResponseStatus.FORBIDDEN, "origin_not_allowed", refusal));
        return false;
    }

    /**
     * The identity of the client that sent {@code req} (the one the connect hook gave; else a token from the header,
     * the cookie or the query parameter; anonymous when allowed), or {@code null} after answering 401 with a JSON
     * reason.
     */
    public Identity authenticate(ChannelHandlerContext ctx, HttpRequest req) {
        Identity hooked = Identity.hooked(ctx.channel());
        if (hooked != null) {
            return hooked;
        }
        AuthOutcome who = security.authenticator().authenticate(AuthRequest.of(ctx, req));
        if (who instanceof AuthError e) {
            HttpResponses.send(ctx, false, HttpResponses.authError(e));
            return null;
        }
        return (Identity) who;
    }

    /**
     * {@code 403 {"code":"forbidden","message":reason,"data":{"action","topic"}}}: how an HTTP request answers a
     * {@code forbidden} refusal of the connection core's permission check ({@code connection.Admission.permitted}).
     */
    public static FullHttpResponse forbidden(String reason, Action action, String target) {
        return HttpResponses.json(HttpResponseStatus.FORBIDDEN,
                HttpResponses.errorBody(ErrorCode.FORBIDDEN.wire(), reason, forbiddenData(action, target)));
    }

    /** {@code {"action": action, "topic": target}} as JSON bytes. */
    public static byte[] forbiddenData(Action action, String target) {
        return action.forbiddenData(target);
    }
}
