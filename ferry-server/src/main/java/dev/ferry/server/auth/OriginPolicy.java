package dev.ferry.server.auth;

import dev.ferry.server.config.WebConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;

/**
 * Which pages may open Ferry's WebSockets (docs/web.md, "Origin policy"): a request without {@code Origin} (a
 * non-browser client), a page of the server's own origin (the {@code Origin}'s host and port equal the
 * {@code Host} header's), or one of {@code web.allowed-origins} ({@code *} for any). Thread-safe; a reload
 * ({@link #reload}) swaps the list at once for the requests that follow.
 */
public final class OriginPolicy {
    /** The allowed origins, and whether {@code *} is among them. */
    private record Allowed(List<String> origins, boolean any) {
        Allowed(WebConfig web) {
            this(web.allowedOrigins(), web.allowedOrigins().contains("*"));
        }
    }

    private volatile Allowed allowed;

    public OriginPolicy(WebConfig web) {
        this.allowed = new Allowed(web);
    }

    /** Takes {@code web.allowed-origins} of {@code web} for every request from now on. */
    public void reload(WebConfig web) {
        this.allowed = new Allowed(web);
    }

    /** Why the page that sent {@code req} may not open a WebSocket or an event stream here, or {@code null} when it may. */
    public String refusal(HttpRequest req) {
        String origin = req.headers().get(HttpHeaderNames.ORIGIN);
        Allowed now = allowed;
        if (origin == null || now.any()) {
            return null;
        }
        String o = origin.trim().toLowerCase(Locale.ROOT);
        if (now.origins().contains(o) || sameOrigin(o, req.headers().get(HttpHeaderNames.HOST))) {
            return null;
        }
        return "origin " + origin + " is not allowed here (same origin only, or one of web.allowed-origins)";
    }

    /** Whether an origin ({@code scheme://host[:port]}) names the same host and port as a {@code Host} header. */
    static boolean sameOrigin(String origin, String host) {
        if (host == null || host.isBlank()) {
            return false;
        }
        URI o;
        URI h;
        try {
            o = new URI(origin);
            h = new URI(o.getScheme() + "://" + host.trim().toLowerCase(Locale.ROOT));
        } catch (URISyntaxException e) {
            return false;
        }
        if (o.getHost() == null || h.getHost() == null || !o.getHost().equals(h.getHost())) {
            return false;
        }
        return port(o) == port(h) && port(o) != -1;
    }

    private static int port(URI u) {
        if (u.getPort() != -1) {
            return u.getPort();
        }
        return switch (u.getScheme()) {
            case "http", "ws" -> 80;
            case "https", "wss" -> 443;
            default -> -1;
        };
    }
}
