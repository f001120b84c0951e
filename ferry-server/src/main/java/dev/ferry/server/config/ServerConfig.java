package dev.ferry.server.config;

import java.time.Duration;

/**
 * The listener.
 *
 * @param host address to bind (default {@code 127.0.0.1}; {@code 0.0.0.0} or {@code ::} for all interfaces)
 * @param port TCP port (default 8080; 0 picks a free one)
 * @param ioThreads event-loop threads (default 0: one per core)
 * @param nativeTransport use epoll where available (default true; NIO otherwise)
 * @param shutdownGrace how long a graceful shutdown waits for connections to drain (default 10s)
 */
public record ServerConfig(String host, int port, int ioThreads, boolean nativeTransport, Duration shutdownGrace) {
    public static final ServerConfig DEFAULT = new ServerConfig("127.0.0.1", 8080, 0, true, Duration.ofSeconds(10));

    public ServerConfig {
        Checks.notNull("server.host", host);
        Checks.declared("server.port", port);
        Checks.declared("server.io-threads", ioThreads);
        Checks.positive("server.shutdown-grace", shutdownGrace);
    }
}
