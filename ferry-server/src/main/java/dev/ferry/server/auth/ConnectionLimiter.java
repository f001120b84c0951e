package dev.ferry.server.auth;

import io.netty.channel.Channel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts open TCP connections per client address ({@code limits.connections-per-ip}). Thread-safe.
 */
public final class ConnectionLimiter {
    private final int max;
    private final ConcurrentHashMap<InetAddress, Integer> open = new ConcurrentHashMap<>();

    public ConnectionLimiter(int max) {
        this.max = max;
    }

    /**
     * Counts {@code ch} against its address until it closes; returns false (counting nothing) when the address
     * already holds the maximum.
     */
    public boolean admit(Channel ch) {
        if (max <= 0 || !(ch.remoteAddress() instanceof InetSocketAddress a) || a.getAddress() == null) {
            return true;
        }
        InetAddress ip = a.getAddress();
        boolean[] admitted = new boolean[1];
        open.compute(ip, (k, n) -> {
            int c = n == null ? 0 : n;
            admitted[0] = c < max;
            return admitted[0] ? c + 1 : (n == null ? null : n);
        });
        if (admitted[0]) {
            ch.closeFuture().addListener(f -> open.computeIfPresent(ip, (k, n) -> n <= 1 ? null : n - 1));
        }
        return admitted[0];
    }

    /** Connections open from {@code ip}. */
    public int open(InetAddress ip) {
        return open.getOrDefault(ip, 0);
    }
}
