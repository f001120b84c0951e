package dev.ferry.server.auth;

import io.netty.channel.Channel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts what a client holds open, in all ({@code limits.max-connections}) and per client address
 * ({@code limits.connections-per-ip}): TCP connections ({@link #check}) and HTTP-only fallback sessions
 * ({@link #hold}), which outlive the requests that made them. Thread-safe.
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
        InetAddress ip = addressOf(ch);
        Refusal refusal = hold(ip);
        if (refusal == null && (maxTotal > 0 || max > 0 && ip != null)) { // else nothing was counted
            ch.closeFuture().addListener(f -> release(ip));
        }
        return refusal;
    }

    /**
     * Counts one more thing held open by the client at {@code ip} (null: an address that is not counted, such as
     * a local socket); returns why it is refused (counting nothing), or null when admitted. Each admission is
     * undone by one {@link #release} with the same address.
     */
    public Refusal hold(InetAddress ip) {
        if (maxTotal > 0 && total.incrementAndGet() > maxTotal) {
            total.decrementAndGet();
            return Refusal.TOTAL;
        }
        if (!admit(ip)) {
            if (maxTotal > 0) {
                total.decrementAndGet();
            }
            return Refusal.PER_IP;
        }
        return null;
    }

    /** Undoes one admission by {@link #hold}. */
    public void release(InetAddress ip) {
        if (maxTotal > 0) {
            total.decrementAndGet();
        }
        if (max > 0 && ip != null) {
            open.computeIfPresent(ip, (k, n) -> n <= 1 ? null : n - 1);
        }
    }

    /** The client address of {@code ch}, or null when it has none that is counted. */
    public static InetAddress addressOf(Channel ch) {
        return ch.remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
    }

    /** Counts one more for {@code ip}; false (counting nothing) when it already holds the maximum. */
    private boolean admit(InetAddress ip) {
        if (max <= 0 || ip == null) {
            return true;
        }
        boolean[] admitted = new boolean[1];
        open.compute(ip, (k, n) -> {
            int c = n == null ? 0 : n;
            admitted[0] = c < max;
            return admitted[0] ? c + 1 : (n == null ? null : n);
        });
        return admitted[0];
    }

    /** Connections and fallback sessions open from {@code ip}. */
    public int open(InetAddress ip) {
        return open.getOrDefault(ip, 0);
    }
}
