package dev.ferry.server.config;

import java.time.Duration;

/**
 * Server-sent events ({@code GET /v1/sse}) and the HTTP-only fallback session ({@code /v1/session}).
 *
 * @param heartbeatInterval how often an open event stream gets a {@code : ping} comment, so that proxies do not
 *     close it as idle (default 15s)
 * @param maxTopics {@code topic} parameters one {@code /v1/sse} request may name (default 32)
 * @param outboundQueueBytes bytes that may wait for one event stream (or one fallback session) beyond what the
 *     socket accepts; past it the stream is ended as a slow consumer (default 4 MiB)
 * @param sessionTimeout how long a fallback session lives with no event stream attached (default 30s)
 */
public record SseConfig(Duration heartbeatInterval, int maxTopics, int outboundQueueBytes, Duration sessionTimeout) {
    public static final SseConfig DEFAULT = new SseConfig(Duration.ofSeconds(15), 32, 4 << 20, Duration.ofSeconds(30));

    public SseConfig {
        Checks.positive("sse.heartbeat-interval", heartbeatInterval);
        Checks.declared("sse.max-topics", maxTopics);
        Checks.declared("sse.outbound-queue-bytes", outboundQueueBytes);
        Checks.positive("sse.session-timeout", sessionTimeout);
    }
}
