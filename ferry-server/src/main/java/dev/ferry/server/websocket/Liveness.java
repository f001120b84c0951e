package dev.ferry.server.websocket;

import dev.ferry.server.config.WebSocketConfig;
import dev.ferry.server.transport.Heartbeats;

/**
 * Whether a WebSocket connection is still there: after each {@code websocket.ping-interval} without input the
 * connection is pinged, and once nothing has arrived for {@code websocket.idle-timeout} it is closed with 4002.
 * Checked at the ticks of the event loop's {@link Heartbeats} (so a ping or close may come up to one tick, at
 * most a quarter of the ping interval, later). Shared by every WebSocket endpoint. Event loop only.
 */
final class Liveness extends Heartbeats.Member {
    /** What the connection does when it has been silent. */
    interface Silence {
        /** Another ping interval passed in silence. */
        void ping();

        /** The idle timeout is reached. */
        void idleTimeout();
    }

    private final long pingNanos;
    private final long pingMs;
    private final long idleMs;
    private final Silence silence;
    private boolean heard;
    private long lastHeardNanos;
    private int silentPeriods;

    Liveness(WebSocketConfig config, Silence silence) {
        this.pingMs = config.pingInterval().toMillis();
        this.pingNanos = config.pingInterval().toNanos();
        this.idleMs = config.idleTimeout().toMillis();
        this.silence = silence;
    }

    /** Starts watching from now (the handshake completed). */
    void start(Heartbeats heartbeats, io.netty.util.concurrent.EventExecutor loop) {
        startAt(heartbeats.nanoTime());
        heartbeats.join(loop, this);
    }

    /** Starts the silence count at {@code nowNanos} (the heartbeats' {@code nanoTime()}). */
    void startAt(long nowNanos) {
        lastHeardNanos = nowNanos;
        silentPeriods = 0;
    }

    /** Something arrived from the peer. */
    void heard() {
        heard = true;
    }

    @Override
    protected void tick(long nowNanos) {
        if (heard) {
            heard = false;
            lastHeardNanos = nowNanos;
            silentPeriods = 0;
            return;
        }
        if (nowNanos - lastHeardNanos < (silentPeriods + 1) * pingNanos) {
            return;
        }
        silentPeriods++;
        if (silentPeriods * pingMs >= idleMs) {
            silence.idleTimeout();
        } else {
            silence.ping();
        }
    }
}
