package dev.ferry.server.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;

/**
 * What browsers may reach (docs/web.md, "Origin policy").
 *
 * @param allowedOrigins origins (e.g. {@code https://app.example.com}) whose pages may open Ferry's WebSockets
 *     ({@code /v1/ws}, {@code /v1/multiplex}, {@code /v1/topics/...}) besides the server's own origin; {@code *}
 *     allows every origin (default: none, so same origin only). A request without {@code Origin} comes from a
 *     non-browser client and is always allowed.
 * @param corsOrigins origins to which HTTP API responses carry CORS headers (and preflights are answered);
 *     {@code *} for any (default: none, no CORS headers)
 */
public record WebConfig(List<String> allowedOrigins, List<String> corsOrigins) {
    public static final WebConfig DEFAULT = new WebConfig(List.of(), List.of());

    public WebConfig {
        allowedOrigins = normalized("web.allowed-origins", allowedOrigins);
        corsOrigins = normalized("web.cors-origins", corsOrigins);
    }

    /** Lower-cases each origin and checks that it is {@code *}, {@code null} or {@code scheme://host[:port]}. */
    private static List<String> normalized(String key, List<String> origins) {
        return Checks.notNull(key, origins).stream().map(o -> normalize(key, o)).toList();
    }

    private static String normalize(String key, String origin) {
        String o = origin.trim().toLowerCase(Locale.ROOT);
        if (o.equals("*") || o.equals("null")) {
            return o;
        }
        String expected = " (expected: *, null, or an origin such as https://app.example.com:8443)";
        try {
            URI u = new URI(o);
            boolean bare = (u.getPath() == null || u.getPath().isEmpty()) && u.getQuery() == null
                    && u.getFragment() == null && u.getUserInfo() == null;
            if (u.getScheme() == null || u.getHost() == null || !bare) {
                throw new ConfigException(key + ": \"" + origin + "\"" + expected);
            }
        } catch (URISyntaxException e) {
            throw new ConfigException(key + ": \"" + origin + "\"" + expected);
        }
        return o;
    }
}
