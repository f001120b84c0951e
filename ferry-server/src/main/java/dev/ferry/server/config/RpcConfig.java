package dev.ferry.server.config;

import java.time.Duration;
import java.util.Locale;

/**
 * Routed calls.
 *
 * @param defaultTimeout timeout of a call that names none (default 30s)
 * @param maxTimeout upper bound on the timeout a caller may ask for (default 5m)
 * @param routing how a call picks among the callees of its procedure (default round-robin)
 */
public record RpcConfig(Duration defaultTimeout, Duration maxTimeout, Routing routing) {
    public static final RpcConfig DEFAULT = new RpcConfig(Duration.ofSeconds(30), Duration.ofMinutes(5), Routing.ROUND_ROBIN);

    /** How a call picks among the callees of its procedure on this node. */
    public enum Routing {
        /** Round-robin among all of them. */
        ROUND_ROBIN,
        /**
         * Round-robin among those served by the caller's own event loop when there are any (the call and its
         * result then cross no thread), else among all.
         */
        LOCAL_FIRST;

        /** {@code round-robin} or {@code local-first}. */
        public String wire() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        /** The routing named {@code value} ({@code round-robin}, {@code local-first}). */
        public static Routing parse(String value) {
            String name = value.trim().toLowerCase(Locale.ROOT);
            for (Routing r : values()) {
                if (r.wire().equals(name)) {
                    return r;
                }
            }
            throw new ConfigException("rpc.routing: \"" + value + "\" (expected: round-robin or local-first)");
        }
    }

    public RpcConfig {
        Checks.positive("rpc.default-timeout", defaultTimeout);
        Checks.positive("rpc.max-timeout", maxTimeout);
        if (defaultTimeout.compareTo(maxTimeout) > 0) {
            throw new ConfigException("rpc.default-timeout: " + Durations.format(defaultTimeout)
                    + " (expected: <= rpc.max-timeout, " + Durations.format(maxTimeout) + ")");
        }
        if (routing == null) {
            throw new ConfigException("rpc.routing: missing (expected: round-robin or local-first)");
        }
    }
}
