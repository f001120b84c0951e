package dev.ferry.protocol.proxy;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * An HTTP proxy reached with {@code CONNECT}, and optionally the credentials it demands (Basic or Digest).
 *
 * @param host the proxy's host
 * @param port its port (80 when the URI names none, as for any http URI)
 * @param user user name, or {@code null} for none
 * @param password password, or {@code null}
 */
public record ProxySettings(String host, int port, String user, String password) {
    public ProxySettings {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("proxy: missing host");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("proxy: port " + port + " (expected: 1..65535)");
        }
    }

    /** Parses {@code http://[user:password@]host[:port]}; user and password are percent-decoded. */
    public static ProxySettings parse(String text) {
        URI u;
        try {
            u = URI.create(text.contains("://") ? text : "http://" + text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("proxy: \"" + text + "\" (expected: http://[user:password@]host:port)");
        }
        if (!"http".equalsIgnoreCase(u.getScheme()) || u.getHost() == null) {
            throw new IllegalArgumentException("proxy: \"" + text + "\" (expected: http://[user:password@]host:port;"
                    + " the connection to the proxy is plain HTTP, the tunnel through it is end to end)");
        }
        String user = null;
        String password = null;
        if (u.getRawUserInfo() != null) {
            String[] up = u.getRawUserInfo().split(":", 2);
            user = URLDecoder.decode(up[0], StandardCharsets.UTF_8);
            password = up.length > 1 ? URLDecoder.decode(up[1], StandardCharsets.UTF_8) : "";
        }
        String host = u.getHost().startsWith("[") ? u.getHost().substring(1, u.getHost().length() - 1) : u.getHost();
        return new ProxySettings(host, u.getPort() > 0 ? u.getPort() : 80, user, password);
    }

    /** A copy with these credentials. */
    public ProxySettings withCredentials(String u, String p) {
        return new ProxySettings(host, port, u, p);
    }

    public boolean hasCredentials() {
        return user != null;
    }

    /**
     * The proxy the environment names for {@code target}, as curl reads it: {@code HTTPS_PROXY} (or
     * {@code https_proxy}) for {@code wss:}, {@code HTTP_PROXY} (or {@code http_proxy}) for {@code ws:}; none when
     * {@code NO_PROXY} (or {@code no_proxy}) covers the target's host.
     */
    public static ProxySettings fromEnvironment(Map<String, String> env, URI target) {
        boolean secure = "wss".equalsIgnoreCase(target.getScheme());
        String v = secure ? first(env, "HTTPS_PROXY", "https_proxy") : first(env, "HTTP_PROXY", "http_proxy");
        if (v == null || v.isBlank()) {
            return null;
        }
        String noProxy = first(env, "NO_PROXY", "no_proxy");
        int port = target.getPort() > 0 ? target.getPort() : secure ? 443 : 80;
        if (noProxy != null && bypasses(noProxy, target.getHost(), port)) {
            return null;
        }
        return parse(v.trim());
    }

    /**
     * Whether a {@code NO_PROXY} list covers {@code host}: {@code *}; an exact host or address; a domain, with or
     * without a leading dot, covering its subdomains; any of these with {@code :port} covering that port only.
     */
    public static boolean bypasses(String noProxy, String host, int port) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        for (String raw : noProxy.split("[,\\s]+")) {
            String e = raw.trim().toLowerCase(Locale.ROOT);
            if (e.isEmpty()) {
                continue;
            }
            if (e.equals("*")) {
                return true;
            }
            int entryPort = -1;
            int colon = e.lastIndexOf(':');
            if (colon > 0 && e.indexOf(':') == colon && e.substring(colon + 1).chars().allMatch(Character::isDigit)) {
                entryPort = Integer.parseInt(e.substring(colon + 1));
                e = e.substring(0, colon);
            }
            if (e.startsWith("[") && e.endsWith("]")) {
                e = e.substring(1, e.length() - 1);
            }
            if (entryPort >= 0 && entryPort != port) {
                continue;
            }
            String domain = e.startsWith(".") ? e.substring(1) : e;
            if (h.equals(domain) || h.endsWith("." + domain)) {
                return true;
            }
        }
        return false;
    }

    private static String first(Map<String, String> env, String... names) {
        for (String n : names) {
            String v = env.get(n);
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return "ProxySettings[" + host + ":" + port + (user == null ? "" : ", user " + user) + "]";
    }
}
