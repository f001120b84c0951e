package dev.ferry.server.websocket;

import dev.ferry.server.config.WebSocketConfig;

/**
 * Whether a WebSocket connection is still there: after each {@code websocket.ping-interval} without input the
 * handler pings it, and once nothing has arrived for {@code websocket.idle-timeout} it closes it with 4002.
 * Shared by every WebSocket endpoint. Event loop only.
 */
final class Liveness {
    private final long pingMs;
    private final long idleMs;
    private int silentPeriods;

    Liveness(WebSocketConfig config) {
        this.pingMs = config.pingInterval().toMillis();
        this.idleMs = config.idleTimeout().toMillis();
    }

    /** Something arrived from the peer. */
    void heard() {
        silentPeriods = 0;
    }

    /** Another ping interval passed in silence: true when the idle timeout is reached (close), false to ping. */
    boolean silentTooLong() {
        silentPeriods++;
        return silentPeriods * pingMs >= idleMs;
    }
}
