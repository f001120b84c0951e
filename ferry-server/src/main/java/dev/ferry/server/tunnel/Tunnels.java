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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The configured tunnel routes of one server, by path, with their counters. Immutable apart from the counters. */
public final class Tunnels {
    private static final Logger log = LoggerFactory.getLogger(Tunnels.class);

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
            log.info(describe(r));
        }
    }

    /**
     * One route and its authentication mode, as logged at start: a route's {@code auth} defaults to {@code required}
     * once an API key or an issuer is configured, which would otherwise change every route silently.
     */
    static String describe(TunnelRoute r) {
        String head = (r.kind() == TunnelRoute.Kind.AMQP ? "AMQP" : "tunnel") + " route " + r.name() + " at " + r.path()
                + " -> " + r.upstreamHost() + ":" + r.upstreamPort() + (r.tls() ? " (TLS)" : "") + ": auth ";
        return r.authRequired()
                ? head + "required (a token or API key allowed to tunnel on \"" + r.name() + "\"; the default once "
                        + "http.api-keys or auth.issuers is set; " + r.kind().key(r.name(), "auth") + ": none opens it)"
                : head + "none (the upstream authenticates its clients itself)";
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

    /**
     * Registers every route's counters: {@code ferry_tunnel_open}, {@code ferry_tunnel_accepted_total},
     * {@code ferry_tunnel_refused_total} and {@code ferry_tunnel_bytes_total{direction="in"|"out"}}, tagged with
     * the route's name and kind ({@code amqp} or {@code tcp}). Read at scrape time only. The meters read the
     * route's {@link TunnelCounters}, which this object holds: Micrometer keeps only a weak reference to what a
     * gauge or function counter reads, so it must be something that lives as long as the server.
     */
    public void bindMetrics(io.micrometer.core.instrument.MeterRegistry r) {
        for (Endpoint e : byPath.values()) {
            // names are unique per kind: an amqp route and a tunnel route may share one
            io.micrometer.core.instrument.Tags tags = io.micrometer.core.instrument.Tags.of(
                    "route", e.route().name(), "kind", e.route().kind() == TunnelRoute.Kind.AMQP ? "amqp" : "tcp");
            TunnelCounters counters = e.counters();
            io.micrometer.core.instrument.Gauge.builder("ferry.tunnel.open", counters, TunnelCounters::open)
                    .tags(tags).description("tunnels open on the route").register(r);
            io.micrometer.core.instrument.FunctionCounter.builder("ferry.tunnel.accepted", counters, TunnelCounters::accepted)
                    .tags(tags).description("tunnels opened on the route").register(r);
            io.micrometer.core.instrument.FunctionCounter.builder("ferry.tunnel.refused", counters, TunnelCounters::refused)
                    .tags(tags).description("tunnel upgrades refused on the route").register(r);
            io.micrometer.core.instrument.FunctionCounter.builder("ferry.tunnel.bytes", counters, TunnelCounters::bytesFromWebSocket)
                    .tags(tags).tag("direction", "in").baseUnit("bytes")
                    .description("bytes carried from the WebSocket side to the upstream").register(r);
            io.micrometer.core.instrument.FunctionCounter.builder("ferry.tunnel.bytes", counters, TunnelCounters::bytesToWebSocket)
                    .tags(tags).tag("direction", "out").baseUnit("bytes")
                    .description("bytes carried from the upstream to the WebSocket side").register(r);
        }
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
