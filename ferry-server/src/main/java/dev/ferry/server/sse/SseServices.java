package dev.ferry.server.sse;

import dev.ferry.server.session.SessionServices;
import dev.ferry.server.transport.OutboundQueues;
import dev.ferry.server.transport.TransportAuth;

/**
 * What the SSE streams, state event streams and fallback sessions of one server share, made once by the server:
 * what their sessions and connection cores work with, the outbound queues' counters and flushes, the checks of
 * an opening request, and the open fallback sessions.
 */
public record SseServices(SessionServices sessions, OutboundQueues outboundQueues, TransportAuth auth,
                          FallbackSessions fallbackSessions) {
}
