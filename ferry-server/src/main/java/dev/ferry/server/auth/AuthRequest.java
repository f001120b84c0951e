package dev.ferry.server.auth;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The credentials a client can present, whatever the transport: the {@code Authorization} header, cookies and
 * query parameters of the request that opens the connection (or carries the HTTP API call).
 *
 * @param authorization the {@code Authorization} header, or {@code null}
 * @param cookies cookies by name
 * @param query query parameters by name
 */
public record AuthRequest(String authorization, Map<String, String> cookies, Map<String, List<String>> query) {
    public AuthRequest {
        cookies = cookies == null ? Map.of() : cookies;
        query = query == null ? Map.of() : query;
    }

    /** The credentials of a Netty HTTP request. */
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
