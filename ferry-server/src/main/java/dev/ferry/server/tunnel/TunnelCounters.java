package dev.ferry.server.tunnel;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** The counters of one tunnel route (or of one tunnel client). Thread-safe. */
public final class TunnelCounters {
    private final int maxConnections;
    private final AtomicInteger open = new AtomicInteger();
    private final LongAdder accepted = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final LongAdder bytesFromWebSocket = new LongAdder();
    private final LongAdder bytesToWebSocket = new LongAdder();
    private final LongAdder bytesInFlight = new LongAdder();

    public TunnelCounters(int maxConnections) {
        this.maxConnections = maxConnections;
    }

    /** Takes a connection slot; {@code false} (counted as refused) when {@code maxConnections} are open. */
    public boolean tryOpen() {
        while (true) {
            int n = open.get();
            if (n >= maxConnections) {
                refused.increment();
                return false;
            }
            if (open.compareAndSet(n, n + 1)) {
                accepted.increment();
                return true;
            }
        }
    }

    /** Gives back a slot taken by {@link #tryOpen()}; call exactly once per successful {@code tryOpen}. */
    public void closed() {
        open.decrementAndGet();
    }

    /** A relay read {@code n} bytes that it has not yet written to the other side. */
    void read(int n) {
        bytesInFlight.add(n);
    }

    /** A relay finished writing {@code n} bytes (or gave up on them) in the given direction. */
    void written(int n, boolean toWebSocket, boolean success) {
        bytesInFlight.add(-n);
        if (success) {
            (toWebSocket ? bytesToWebSocket : bytesFromWebSocket).add(n);
        }
    }

    public int maxConnections() {
        return maxConnections;
    }

    /** Tunnels open now. */
    public int open() {
        return open.get();
    }

    /** Tunnels opened since start. */
    public long accepted() {
        return accepted.sum();
    }

    /** Upgrades refused because {@code maxConnections} tunnels were open. */
    public long refused() {
        return refused.sum();
    }

    /** Bytes carried from the WebSocket side to the upstream. */
    public long bytesFromWebSocket() {
        return bytesFromWebSocket.sum();
    }

    /** Bytes carried from the upstream to the WebSocket side. */
    public long bytesToWebSocket() {
        return bytesToWebSocket.sum();
    }

    public TunnelStats snapshot(String route, String path) {
        return new TunnelStats(route, path, open(), accepted(), refused(), bytesFromWebSocket(), bytesToWebSocket(),
                bytesInFlight.sum());
    }
}
