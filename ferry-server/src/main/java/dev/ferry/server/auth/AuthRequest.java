package dev.ferry.server.auth;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import io.netty.handler.ssl.SslHandler;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * The credentials a client can present, whatever the transport: the {@code Authorization} header, cookies and
 * query parameters of the request that opens the connection (or carries the HTTP API call), and the client
 * certificate its TLS handshake verified.
 *
 * @param authorization the {@code Authorization} header, or {@code null}
 * @param cookies cookies by name
 * @param query query parameters by name
 * @param certificate the client's certificate (the leaf), verified against {@code tls.client-ca} by the handshake;
 *     {@code null} without TLS, without {@code tls.client-auth}, or when the client sent none
 */
public record AuthRequest(String authorization, Map<String, String> cookies, Map<String, List<String>> query,
                          X509Certificate certificate) {
    public AuthRequest {
        cookies = cookies == null ? Map.of() : cookies;
        query = query == null ? Map.of() : query;
    }

    /** Credentials without a client certificate. */
    public AuthRequest(String authorization, Map<String, String> cookies, Map<String, List<String>> query) {
        this(authorization, cookies, query, null);
    }

    /** The credentials of a Netty HTTP request received on {@code ctx}'s channel, its client certificate included. */
    public static AuthRequest of(ChannelHandlerContext ctx, HttpRequest req) {
        AuthRequest r = of(req);
        return new AuthRequest(r.authorization, r.cookies, r.query, clientCertificate(ctx.pipeline().get(SslHandler.class)));
    }

    /**
     * The certificate the client presented in {@code ssl}'s handshake, or null (no TLS, none asked for, none sent).
     * The handshake is over: a request is decoded only from application data, which follows it.
     */
    static X509Certificate clientCertificate(SslHandler ssl) {
        if (ssl == null) {
            return null;
        }
        try {
            Certificate[] chain = ssl.engine().getSession().getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate x ? x : null;
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }

    /** The credentials of a Netty HTTP request, without its connection's client certificate. */
    public static AuthRequest of(HttpRequest req) {
        Map<String, String> cookies = new HashMap<>();
        for (String header : req.headers().getAll(HttpHeaderNames.COOKIE)) {
            for (Cookie c : ServerCookieDecoder.STRICT.decode(header)) {
                cookies.putIfAbsent(c.name(), c.value());
            }
        }
        Map<String, List<String>> query = new QueryStringDecoder(req.uri(), StandardCharsets.UTF_8).parameters();
        return new AuthRequest(req.headers().get(HttpHeaderNames.AUTHORIZATION), cookies, query);
    }

    /** The value of {@code Authorization: Bearer <value>}, or {@code null}. */
    public String bearer() {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String v = authorization.substring(7).trim();
        return v.isEmpty() ? null : v;
    }

    /** The first value of query parameter {@code name}, or {@code null}. */
    public String queryParam(String name) {
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }
}
