package dev.ferry.server.tunnel;

import dev.ferry.server.config.ConfigException;
import dev.ferry.server.config.TunnelConfig;
import dev.ferry.server.config.TunnelRoute;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLException;

/** The configured tunnel routes of one server, by path, with their counters. Immutable apart from the counters. */
public final class Tunnels {
    /** One route and what it needs at run time. */
    record Endpoint(TunnelRoute route, TunnelCounters counters, SslContext upstreamTls) {
    }

    private final TunnelConfig config;
    private final Map<String, Endpoint> byPath = new LinkedHashMap<>();

    public Tunnels(TunnelConfig config) {
        this.config = config;
        SslContext tls = null;
        for (TunnelRoute r : config.routes()) {
            if (r.tls() && tls == null) {
                try {
                    tls = SslContextBuilder.forClient().endpointIdentificationAlgorithm("HTTPS").build();
                } catch (SSLException e) {
                    throw new ConfigException(r.kind().key(r.name(), "tls") + ": cannot set up TLS: " + e.getMessage());
                }
            }
            byPath.put(r.path(), new Endpoint(r, new TunnelCounters(r.maxConnections()), r.tls() ? tls : null));
        }
    }

    public TunnelConfig config() {
        return config;
    }

    /** Whether requests for {@code path} are tunnel upgrades: a configured path, or anything under /v1/tunnel/. */
    public boolean handles(String path) {
        return byPath.containsKey(path) || path.startsWith(TunnelRoute.TCP_PATH_PREFIX);
    }

    /** The route at {@code path}, or {@code null}. */
    Endpoint find(String path) {
        return byPath.get(path);
    }

    /** The counters of every route, in configuration order. */
    public List<TunnelStats> stats() {
        List<TunnelStats> out = new ArrayList<>();
        for (Endpoint e : byPath.values()) {
            out.add(e.counters().snapshot(e.route().name(), e.route().path()));
        }
        return out;
    }
}
