package dev.ferry.server.config;

import java.time.Duration;

/**
 * Routed calls.
 *
 * @param defaultTimeout timeout of a call that names none (default 30s)
 * @param maxTimeout upper bound on the timeout a caller may ask for (default 5m)
 */
public record RpcConfig(Duration defaultTimeout, Duration maxTimeout) {
    public static final RpcConfig DEFAULT = new RpcConfig(Duration.ofSeconds(30), Duration.ofMinutes(5));

    public RpcConfig {
        Checks.positive("rpc.default-timeout", defaultTimeout);
        Checks.positive("rpc.max-timeout", maxTimeout);
        if (defaultTimeout.compareTo(maxTimeout) > 0) {
            throw new ConfigException("rpc.default-timeout: " + Durations.format(defaultTimeout)
                    + " (expected: <= rpc.max-timeout, " + Durations.format(maxTimeout) + ")");
        }
    }
}
