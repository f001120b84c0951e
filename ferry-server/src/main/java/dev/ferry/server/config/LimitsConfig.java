package dev.ferry.server.config;

/**
 * Per-connection and per-address limits (docs/security.md). A rate of 0 means unlimited.
 *
 * @param publishRate publications per second one connection may sustain (default 0: unlimited); beyond it a
 *     {@code pub} is answered {@code rate_limited}
 * @param publishBurst publications one connection may send at once above the rate (default 0: the rate, at least 1)
 * @param callRate calls per second one connection may sustain (default 0: unlimited)
 * @param callBurst calls one connection may make at once above the rate (default 0: the rate, at least 1)
 * @param maxPendingCalls calls one connection may have waiting for a reply (default 1000); one more is
 *     {@code too_many_pending_calls}
 * @param connectionsPerIp TCP connections one client address may hold (default 0: unlimited); one more is
 *     answered 429 {@code too_many_connections} and closed
 * @param maxConnections TCP connections the server holds in all (default 0: unlimited); one more is answered
 *     503 {@code too_many_connections} and closed
 * @param messageRate ferry.v1 frames per second one connection may send, whatever they are (default 0:
 *     unlimited); beyond it a frame is answered {@code rate_limited} and not processed. Messages on per-topic
 *     sockets and the multiplexer count too: the first one beyond it closes the socket with 4010
 * @param messageBurst frames one connection may send at once above the rate (default 0: the rate, at least 1)
 * @param maxTopics topics the memory engine holds at once (default 0: one per 2 KiB of the maximum heap, e.g.
 *     131,072 with {@code -Xmx256m}); a publication or state write that would create one more is answered
 *     {@code too_many_topics} and publishes nothing
 * @param messageExcess frames beyond {@code messageRate} one connection may send within one second of the first
 *     one refused (default 100); the next one closes the connection with 4010
 * @param reassemblyBytes bytes of unfinished fragmented WebSocket messages the server holds in all (default: a
 *     quarter of the maximum heap, at most 64 MiB); a fragment beyond it closes its connection with 4009
 */
public record LimitsConfig(int publishRate, int publishBurst, int callRate, int callBurst, int maxPendingCalls,
                           int connectionsPerIp, int maxConnections, int messageRate, int messageBurst,
                           int maxTopics, int messageExcess, int reassemblyBytes) {
    /** The default of {@code limits.message-excess}. */
    public static final int DEFAULT_MESSAGE_EXCESS = 100;
    /** The default of {@code limits.reassembly-bytes}: a quarter of the maximum heap, at most 64 MiB. */
    public static final int DEFAULT_REASSEMBLY_BYTES = FerryKeys.DEFAULT_REASSEMBLY_BYTES;

    public static final LimitsConfig DEFAULT = new LimitsConfig(0, 0, 0, 0, 1000, 0, 0, 0, 0);

    /** Limits with the default topic limit, message excess and reassembly budget. */
    public LimitsConfig(int publishRate, int publishBurst, int callRate, int callBurst, int maxPendingCalls,
                        int connectionsPerIp, int maxConnections, int messageRate, int messageBurst) {
        this(publishRate, publishBurst, callRate, callBurst, maxPendingCalls, connectionsPerIp, maxConnections,
                messageRate, messageBurst, 0);
    }

    /** Limits with the default message excess and reassembly budget. */
    public LimitsConfig(int publishRate, int publishBurst, int callRate, int callBurst, int maxPendingCalls,
                        int connectionsPerIp, int maxConnections, int messageRate, int messageBurst, int maxTopics) {
        this(publishRate, publishBurst, callRate, callBurst, maxPendingCalls, connectionsPerIp, maxConnections,
                messageRate, messageBurst, maxTopics, DEFAULT_MESSAGE_EXCESS, DEFAULT_REASSEMBLY_BYTES);
    }

    /** Limits without a total connection limit or a general message rate. */
    public LimitsConfig(int publishRate, int publishBurst, int callRate, int callBurst, int maxPendingCalls,
                        int connectionsPerIp) {
        this(publishRate, publishBurst, callRate, callBurst, maxPendingCalls, connectionsPerIp, 0, 0, 0);
    }

    public LimitsConfig {
        Checks.declared("limits.publish-rate", publishRate);
        Checks.declared("limits.publish-burst", publishBurst);
        Checks.declared("limits.call-rate", callRate);
        Checks.declared("limits.call-burst", callBurst);
        Checks.declared("limits.max-pending-calls", maxPendingCalls);
        Checks.declared("limits.connections-per-ip", connectionsPerIp);
        Checks.declared("limits.max-connections", maxConnections);
        Checks.declared("limits.message-rate", messageRate);
        Checks.declared("limits.message-burst", messageBurst);
        Checks.declared("limits.max-topics", maxTopics);
        Checks.declared("limits.message-excess", messageExcess);
        Checks.declared("limits.reassembly-bytes", reassemblyBytes);
    }
}
