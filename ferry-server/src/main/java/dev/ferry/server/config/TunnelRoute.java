package dev.ferry.server.config;

import java.util.regex.Pattern;

/**
 * One configured tunnel: a WebSocket path whose binary messages carry a TCP byte stream to one upstream.
 *
 * @param kind AMQP WebSocket Binding route ({@code amqp.routes.<name>}) or generic TCP route
 *     ({@code tunnel.routes.<name>})
 * @param name the route's name: lower-case letters, digits and {@code -}
 * @param path the upgrade path: for AMQP routes {@code amqp.routes.<name>.path} (default {@code /amqp/<name>});
 *     for TCP routes always {@code /v1/tunnel/<name>}
 * @param upstreamHost host of the upstream ({@code <prefix>.upstream}, written {@code host:port})
 * @param upstreamPort port of the upstream
 * @param tls connect to the upstream with TLS, verifying its certificate against the JVM's trust store
 *     ({@code <prefix>.tls}, default false)
 * @param maxConnections tunnels open at once on this route; one more is refused with 503
 *     ({@code <prefix>.max-connections}, default 100)
 * @param authRequired the upgrade must authenticate (a token or an API key, never anonymous) and be allowed the
 *     {@code tunnel} action on the route's name before anything is connected upstream
 *     ({@code <prefix>.auth: required}; default {@code none}: the route authenticates nobody, docs/security.md)
 */
public record TunnelRoute(Kind kind, String name, String path, String upstreamHost, int upstreamPort, boolean tls,
                          int maxConnections, boolean authRequired) {
    public static final int DEFAULT_MAX_CONNECTIONS = 100;
    public static final String TCP_PATH_PREFIX = "/v1/tunnel/";

    private static final Pattern NAME = Pattern.compile("[a-z0-9]+(-[a-z0-9]+)*");
    private static final Pattern PATH = Pattern.compile("(/[A-Za-z0-9._~-]+)+");

    /** The two kinds of route; they share the relay and differ in their subprotocol rules. */
    public enum Kind {
        /** OASIS AMQP WebSocket Binding: subprotocol {@code amqp} (or the draft's {@code AMQPWSB10}) required. */
        AMQP("amqp.routes."),
        /** Raw TCP: no subprotocol needed. */
        TCP("tunnel.routes.");

        private final String keyPrefix;

        Kind(String keyPrefix) {
            this.keyPrefix = keyPrefix;
        }

        /** {@code amqp.routes.} or {@code tunnel.routes.}. */
        public String keyPrefix() {
            return keyPrefix;
        }

        /** The configuration key of {@code field} of route {@code name}, e.g. {@code amqp.routes.artemis.upstream}. */
        public String key(String name, String field) {
            return keyPrefix + name + "." + field;
        }
    }

    public TunnelRoute {
        Checks.notNull("route kind", kind);
        if (name == null || !NAME.matcher(name).matches()) {
            throw new ConfigException(kind.keyPrefix + name + ": bad route name \"" + name
                    + "\" (expected: lower-case letters, digits and single dashes, e.g. rabbit-eu)");
        }
        if (kind == Kind.TCP) {
            String fixed = TCP_PATH_PREFIX + name;
            if (path != null && !path.equals(fixed)) {
                throw new ConfigException(kind.key(name, "path") + ": " + path + " (TCP routes are always at " + fixed + ")");
            }
            path = fixed;
        } else {
            if (path == null) {
                path = "/amqp/" + name;
            }
            if (!PATH.matcher(path).matches()) {
                throw new ConfigException(kind.key(name, "path") + ": \"" + path
                        + "\" (expected: an absolute path such as /amqp or /amqp/" + name + ")");
            }
            if (path.startsWith("/v1/") || path.equals("/v1") || path.equals("/healthz")) {
                throw new ConfigException(kind.key(name, "path") + ": " + path
                        + " (expected: a path outside /v1/ and /healthz, which Ferry uses itself)");
            }
        }
        if (upstreamHost == null || upstreamHost.isBlank()) {
            throw new ConfigException(kind.key(name, "upstream") + ": missing (expected: host:port)");
        }
        if (upstreamPort < 1 || upstreamPort > 65535) {
            throw new ConfigException(kind.key(name, "upstream") + ": port " + upstreamPort + " (expected: 1..65535)");
        }
        Checks.declared(kind.key(name, "max-connections"), maxConnections);
    }

    /** A route that authenticates nobody ({@code auth: none}). */
    public TunnelRoute(Kind kind, String name, String path, String upstreamHost, int upstreamPort, boolean tls,
                       int maxConnections) {
        this(kind, name, path, upstreamHost, upstreamPort, tls, maxConnections, false);
    }

    /** A route with the default path, no TLS and the default connection limit. */
    public static TunnelRoute of(Kind kind, String name, String upstreamHost, int upstreamPort) {
        return new TunnelRoute(kind, name, null, upstreamHost, upstreamPort, false, DEFAULT_MAX_CONNECTIONS);
    }

    /** A copy at another path (AMQP routes only). */
    public TunnelRoute withPath(String p) {
        return new TunnelRoute(kind, name, p, upstreamHost, upstreamPort, tls, maxConnections, authRequired);
    }

    /** A copy with another connection limit. */
    public TunnelRoute withMaxConnections(int n) {
        return new TunnelRoute(kind, name, path, upstreamHost, upstreamPort, tls, n, authRequired);
    }

    /** A copy that requires authentication ({@code auth: required}) or not ({@code none}). */
    public TunnelRoute withAuthRequired(boolean required) {
        return new TunnelRoute(kind, name, path, upstreamHost, upstreamPort, tls, maxConnections, required);
    }

    /** {@code host:port}, as written in configuration. */
    public String upstream() {
        return (upstreamHost.contains(":") ? "[" + upstreamHost + "]" : upstreamHost) + ":" + upstreamPort;
    }

    /**
     * Parses {@code host:port} (IPv6 literals in brackets, {@code [::1]:5672}) for {@code key}; returns the host
     * and the port as a two-element array.
     */
    static Object[] parseUpstream(String key, String text) {
        String t = text.trim();
        int colon = t.lastIndexOf(':');
        String host = colon > 0 ? t.substring(0, colon) : "";
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            host = "";
        }
        int port;
        try {
            port = colon > 0 ? Integer.parseInt(t.substring(colon + 1)) : -1;
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (host.isEmpty() || port < 1 || port > 65535) {
            throw new ConfigException(key + ": \"" + text + "\" (expected: host:port, e.g. 127.0.0.1:5672)");
        }
        return new Object[] {host, port};
    }
}
