package dev.ferry.server.auth;

import io.netty.channel.Channel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts open TCP connections, in all ({@code limits.max-connections}) and per client address
 * ({@code limits.connections-per-ip}). Thread-safe.
 */
public final class ConnectionLimiter {
    /** Why a connection was not admitted. */
    public enum Refusal { TOTAL, PER_IP }

    private final int max;
    private final int maxTotal;
    private final java.util.concurrent.atomic.AtomicInteger total = new java.util.concurrent.atomic.AtomicInteger();
    private final ConcurrentHashMap<InetAddress, Integer> open = new ConcurrentHashMap<>();

    public ConnectionLimiter(int max) {
        this(max, 0);
    }

    public ConnectionLimiter(int maxPerIp, int maxTotal) {
        this.max = maxPerIp;
        this.maxTotal = maxTotal;
    }

    /**
     * Counts {@code ch} until it closes; returns why it is refused (counting nothing), or null when admitted.
     */
    public Refusal check(Channel ch) {
        if (maxTotal > 0 && total.incrementAndGet() > maxTotal) {
            total.decrementAndGet();
            return Refusal.TOTAL;
        }
        if (!admit(ch)) {
            if (maxTotal > 0) {
                total.decrementAndGet();
            }
            return Refusal.PER_IP;
        }
        if (maxTotal > 0) {
            ch.closeFuture().addListener(f -> total.decrementAndGet());
        }
        return null;
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
