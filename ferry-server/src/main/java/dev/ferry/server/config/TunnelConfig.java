package dev.ferry.server.config;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Tunnels: AMQP WebSocket Binding routes and generic TCP-over-WebSocket routes, and the settings they share.
 *
 * @param routes the configured routes ({@code amqp.routes.<name>.*} and {@code tunnel.routes.<name>.*}); none
 *     by default, so that nothing is reachable unless configured
 * @param maxFrameBytes largest WebSocket frame accepted on a tunnel; a larger one closes it with 1009
 *     ({@code tunnel.max-frame-bytes}, default 2 MiB: AMQP clients send frames of up to 1 MiB)
 * @param idlePing a tunnel on which nothing has moved for this long gets a WebSocket ping, so that proxies do not
 *     cut quiet links ({@code tunnel.idle-ping}, default 25s)
 * @param connectTimeout how long an upgrade waits for the upstream TCP connection before answering 502
 *     ({@code tunnel.connect-timeout}, default 10s)
 */
public record TunnelConfig(List<TunnelRoute> routes, int maxFrameBytes, Duration idlePing, Duration connectTimeout) {
    public static final TunnelConfig DEFAULT =
            new TunnelConfig(List.of(), 2 << 20, Duration.ofSeconds(25), Duration.ofSeconds(10));

    public TunnelConfig {
        routes = List.copyOf(Checks.notNull("tunnel routes", routes));
        Map<String, TunnelRoute> byPath = new HashMap<>();
        for (TunnelRoute r : routes) {
            TunnelRoute other = byPath.putIfAbsent(r.path(), r);
            if (other != null) {
                throw new ConfigException(r.kind().key(r.name(), "path") + ": " + r.path() + " (expected: a path no other"
                        + " route uses; " + other.kind().key(other.name(), "path") + " has it)");
            }
        }
        Checks.declared("tunnel.max-frame-bytes", maxFrameBytes);
        Checks.positive("tunnel.idle-ping", idlePing);
        Checks.positive("tunnel.connect-timeout", connectTimeout);
    }

    public TunnelConfig withRoutes(List<TunnelRoute> r) {
        return new TunnelConfig(r, maxFrameBytes, idlePing, connectTimeout);
    }

    public TunnelConfig withMaxFrameBytes(int n) {
        return new TunnelConfig(routes, n, idlePing, connectTimeout);
    }

    public TunnelConfig withIdlePing(Duration d) {
        return new TunnelConfig(routes, maxFrameBytes, d, connectTimeout);
    }
}
