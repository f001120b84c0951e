package dev.ferry.server.websocket;

import dev.ferry.server.session.SessionServices;
import dev.ferry.server.transport.Heartbeats;
import dev.ferry.server.transport.OutboundQueues;
import dev.ferry.server.transport.ReassemblyBudget;

/**
 * What the WebSocket endpoints of one server share (ferry.v1, the multiplexer, per-topic and index sockets), made
 * once by the server: what their sessions and connection cores work with, the outbound queues' counters and
 * flushes, the per-loop liveness timers, the upgrade settings and the reassembly budget.
 */
public record WebSocketServices(SessionServices sessions, OutboundQueues outboundQueues,
                                Heartbeats.PerLoop heartbeatTimers, WebSocketSettings webSocketSettings,
                                ReassemblyBudget reassemblyBudget) {

    /** The WebSocket liveness timer of the calling event-loop thread. */
    public Heartbeats heartbeats() {
        return heartbeatTimers.get();
    }
}
