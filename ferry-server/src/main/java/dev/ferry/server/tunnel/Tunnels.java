package dev.ferry.server.tunnel;

import dev.ferry.server.config.ConfigException;
import dev.ferry.server.config.TunnelConfig;
import dev.ferry.server.config.TunnelRoute;
import dev.ferry.server.time.ServerClock;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The configured tunnel routes of one server, by path, with their counters. Thread-safe: the routes are one
 * snapshot that {@link #reload} swaps; tunnels already open on a route that a reload removes or changes go on until
 * they close, and new upgrades see the new routes.
 */
public final class Tunnels {
    private static final Logger log = LoggerFactory.getLogger(Tunnels.class);

    /** One route and what it needs at run time. */
    record Endpoint(TunnelRoute route, TunnelCounters counters, SslContext upstreamTls) {
    }

    private final ServerClock clock;
    private volatile TunnelConfig config;
    /** The routes by path: an immutable map, replaced whole by a reload. */
    private volatile Map<String, Endpoint> byPath;
    /** Where {@link #bindMetrics} registered the routes' meters, so that a reload registers and removes them too. */
    private io.micrometer.core.instrument.MeterRegistry meters;

    /** The routes of {@code config}, on the real clock. */
    public Tunnels(TunnelConfig config) {
        this(config, ServerClock.system());
    }

    /** The routes of {@code config}; relays time their lingering close on {@code clock}. */
    public Tunnels(TunnelConfig config, ServerClock clock) {
        this.clock = clock;
        this.config = config;
        this.byPath = endpoints(config, Map.of());
    }

    /** The clock relays time their lingering close on. */
    ServerClock clock() {
        return clock;
    }

    /**
     * The endpoints of {@code config}'s routes; a route equal to one in {@code current} keeps its endpoint (and
     * counters), others get new ones and are logged.
     */
    private static Map<String, Endpoint> endpoints(TunnelConfig config, Map<String, Endpoint> current) {
        Map<String, Endpoint> out = new LinkedHashMap<>();
        SslContext tls = null;
        for (TunnelRoute r : config.routes()) {
            Endpoint kept = current.get(r.path());
            if (kept != null && kept.route().equals(r)) {
                out.put(r.path(), kept);
                continue;
            }
            if (r.tls() && tls == null) {
                try {
                    tls = SslContextBuilder.forClient().endpointIdentificationAlgorithm("HTTPS").build();
                } catch (SSLException e) {
                    throw new ConfigException(r.kind().key(r.name(), "tls") + ": cannot set up TLS: " + e.getMessage());
                }
            }
            out.put(r.path(), new Endpoint(r, new TunnelCounters(r.maxConnections()), r.tls() ? tls : null));
            log.info(describe(r));
        }
        return java.util.Collections.unmodifiableMap(out);
    }

    /**
     * Takes the routes of {@code next} for every upgrade from now on: an unchanged route keeps its counters, a new
     * or changed one starts from zero, a removed one is forgotten (its meters too). A ConfigException leaves the
     * routes as they were.
     */
    public synchronized void reload(TunnelConfig next) {
        Map<String, Endpoint> before = byPath;
        Map<String, Endpoint> after = endpoints(next, before);
        this.config = next;
        this.byPath = after;
        for (Endpoint e : before.values()) {
            if (after.get(e.route().path()) != e) {
                log.info("{} route {} at {} removed; its open tunnels go on until they close",
                        e.route().kind() == TunnelRoute.Kind.AMQP ? "AMQP" : "tunnel", e.route().name(), e.route().path());
                if (meters != null) {
                    for (io.micrometer.core.instrument.Meter m : List.copyOf(meters.getMeters())) {
                        if (m.getId().getName().startsWith("ferry.tunnel.")
                                && e.route().name().equals(m.getId().getTag("route"))
                                && kind(e.route()).equals(m.getId().getTag("kind"))) {
                            meters.remove(m);
                        }
                    }
                }
            }
        }
        if (meters != null) {
            for (Endpoint e : after.values()) {
                if (before.get(e.route().path()) != e) {
                    bind(meters, e);
                }
            }
        }
    }

    private static String kind(TunnelRoute r) {
        return r.kind() == TunnelRoute.Kind.AMQP ? "amqp" : "tcp";
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

    /** The route configured at {@code path}, or {@code null}. */
    public TunnelRoute route(String path) {
        Endpoint e = byPath.get(path);
        return e == null ? null : e.route();
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
    public synchronized void bindMetrics(io.micrometer.core.instrument.MeterRegistry r) {
        this.meters = r;
        for (Endpoint e : byPath.values()) {
            bind(r, e);
        }
    }

    private static void bind(io.micrometer.core.instrument.MeterRegistry r, Endpoint e) {
        // names are unique per kind: an amqp route and a tunnel route may share one
        io.micrometer.core.instrument.Tags tags = io.micrometer.core.instrument.Tags.of(
                "route", e.route().name(), "kind", kind(e.route()));
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

    /** The counters of every route, in configuration order. */
    public List<TunnelStats> stats() {
        List<TunnelStats> out = new ArrayList<>();
        for (Endpoint e : byPath.values()) {
            out.add(e.counters().snapshot(e.route().name(), e.route().path()));
        }
        return out;
    }
}
