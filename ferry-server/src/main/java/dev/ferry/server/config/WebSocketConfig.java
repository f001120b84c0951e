package dev.ferry.server.config;

import java.time.Duration;

/**
 * WebSocket connections.
 *
 * @param maxMessageBytes largest WebSocket message accepted, after reassembly of fragments (default 1 MiB)
 * @param handshakeTimeout time from TCP accept to a completed upgrade (default 10s)
 * @param pingInterval how often the server pings an open connection (default 25s)
 * @param idleTimeout a connection from which nothing (not even a pong) arrives for this long is closed with 4002
 *     (default 60s; must exceed the ping interval)
 * @param maxSubscriptions patterns one connection may hold (default 1000)
 * @param outboundQueueBytes bytes queued for one connection before it is closed as a slow consumer with 4001
 *     (default 4 MiB; at least the message limit)
 * @param fragmentTimeout time from the first fragment of a fragmented message to its last; a message not
 *     completed in time closes its connection with 4008 (default 10s)
 * @param deflate permessage-deflate (default off)
 */
public record WebSocketConfig(
        int maxMessageBytes,
        Duration handshakeTimeout,
        Duration pingInterval,
        Duration idleTimeout,
        int maxSubscriptions,
        int outboundQueueBytes,
        Duration fragmentTimeout,
        DeflateConfig deflate) {

    /** The default of {@code websocket.fragment-timeout}. */
    public static final Duration DEFAULT_FRAGMENT_TIMEOUT = Duration.ofSeconds(10);

    public static final WebSocketConfig DEFAULT = new WebSocketConfig(
            1 << 20, Duration.ofSeconds(10), Duration.ofSeconds(25), Duration.ofSeconds(60), 1000, 4 << 20);

    /** Settings without permessage-deflate. */
    public WebSocketConfig(int maxMessageBytes, Duration handshakeTimeout, Duration pingInterval, Duration idleTimeout,
            int maxSubscriptions, int outboundQueueBytes, Duration fragmentTimeout) {
        this(maxMessageBytes, handshakeTimeout, pingInterval, idleTimeout, maxSubscriptions, outboundQueueBytes,
                fragmentTimeout, DeflateConfig.OFF);
    }

    /** Settings with the default fragment timeout. */
    public WebSocketConfig(int maxMessageBytes, Duration handshakeTimeout, Duration pingInterval, Duration idleTimeout,
            int maxSubscriptions, int outboundQueueBytes) {
        this(maxMessageBytes, handshakeTimeout, pingInterval, idleTimeout, maxSubscriptions, outboundQueueBytes,
                DEFAULT_FRAGMENT_TIMEOUT);
    }

    public WebSocketConfig {
        Checks.declared("websocket.max-message-bytes", maxMessageBytes);
        Checks.positive("websocket.handshake-timeout", handshakeTimeout);
        Checks.positive("websocket.ping-interval", pingInterval);
        Checks.positive("websocket.idle-timeout", idleTimeout);
        if (idleTimeout.compareTo(pingInterval) <= 0) {
            throw new ConfigException("websocket.idle-timeout: " + Durations.format(idleTimeout)
                    + " (expected: longer than websocket.ping-interval, " + Durations.format(pingInterval) + ")");
        }
        Checks.declared("websocket.max-subscriptions", maxSubscriptions);
        Checks.positive("websocket.fragment-timeout", fragmentTimeout);
        Checks.notNull("websocket.deflate", deflate);
        if (outboundQueueBytes < maxMessageBytes) {
            throw new ConfigException("websocket.outbound-queue-bytes: " + outboundQueueBytes
                    + " (expected: >= websocket.max-message-bytes, " + maxMessageBytes + ")");
        }
    }

    /** A copy with these permessage-deflate settings. */
    public WebSocketConfig withDeflate(DeflateConfig d) {
        return new WebSocketConfig(maxMessageBytes, handshakeTimeout, pingInterval, idleTimeout, maxSubscriptions,
                outboundQueueBytes, fragmentTimeout, d);
    }
}
