package dev.ferry.server.websocket;

import dev.ferry.server.auth.Identity;
import dev.ferry.server.session.ResumableSessions;
import dev.ferry.server.transport.HandlerNames;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.CookieHeaderNames;
import io.netty.handler.codec.http.cookie.DefaultCookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import io.netty.handler.codec.http.cookie.ServerCookieEncoder;
import io.netty.handler.ssl.SslHandler;

/**
 * The resumable session of a ferry.v1 upgrade (docs/protocol.md §4.5): the one named by the request's session
 * cookie when it is live, bound to the client's identity and not held by another connection (another tab),
 * otherwise a new one; the 101 response sets the cookie
 * to its token ({@code HttpOnly; SameSite=Lax; Path=/v1/ws}, {@code Secure} over TLS).
 */
final class SessionCookie extends ChannelOutboundHandlerAdapter {
    static final String HANDLER = "ws-session-cookie";

    private final String setCookie;

    private SessionCookie(String setCookie) {
        this.setCookie = setCookie;
    }

    /** Chooses the session for the connection of {@code req} by {@code identity}, and arranges the cookie. */
    static ResumableSessions.Opening open(ChannelHandlerContext ctx, FullHttpRequest req, WebSocketServices server,
            Identity identity) {
        String name = server.sessions().config().session().cookie();
        ResumableSessions.Opening opening = server.sessions().resumableSessions().open(name.isEmpty() ? null : cookie(req, name), identity);
        if (!name.isEmpty()) {
            DefaultCookie c = new DefaultCookie(name, server.sessions().resumableSessions().cookieToken(opening, identity));
            c.setHttpOnly(true);
            c.setSameSite(CookieHeaderNames.SameSite.Lax);
            c.setPath(WebSocketUpgrade.PATH);
            c.setSecure(ctx.pipeline().get(SslHandler.class) != null);
            // before the router, so before the handshake handler that writes the 101 response from its place
            ctx.pipeline().addBefore(HandlerNames.HTTP_ROUTER, HANDLER, new SessionCookie(ServerCookieEncoder.STRICT.encode(c)));
        }
        return opening;
    }

    private static String cookie(FullHttpRequest req, String name) {
        for (String header : req.headers().getAll(HttpHeaderNames.COOKIE)) {
            for (Cookie c : ServerCookieDecoder.LAX.decode(header)) {
                if (c.name().equals(name)) {
                    return c.value();
                }
            }
        }
        return null;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof HttpResponse r) {
            if (r.status().code() == 101) {
                r.headers().add(HttpHeaderNames.SET_COOKIE, setCookie);
            }
            ctx.pipeline().remove(this);
        }
        super.write(ctx, msg, promise);
    }
}
