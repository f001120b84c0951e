package dev.ferry.server.auth;

import io.netty.channel.Channel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts what a client holds open, in all ({@code limits.max-connections}) and per client address
 * ({@code limits.connections-per-ip}): TCP connections ({@link #check}) and HTTP-only fallback sessions
 * ({@link #hold}), which outlive the requests that made them. Everything is counted whatever the limits, so that a
 * reload ({@link #limits}) that sets or lowers one applies to the next connection at once; connections already
 * open beyond a lowered limit stay open. Thread-safe.
 */
public final class ConnectionLimiter {
    /** Why a connection was not admitted. */
    public enum Refusal { TOTAL, PER_IP }

    private volatile int max;
    private volatile int maxTotal;
    private final java.util.concurrent.atomic.AtomicInteger total = new java.util.concurrent.atomic.AtomicInteger();
    private final ConcurrentHashMap<InetAddress, Integer> open = new ConcurrentHashMap<>();

    public ConnectionLimiter(int max) {
        this(max, 0);
    }

    public ConnectionLimiter(int maxPerIp, int maxTotal) {
        this.max = maxPerIp;
        this.maxTotal = maxTotal;
    }

    /** Takes {@code maxPerIp} and {@code maxTotal} (0: unlimited) for the admissions that follow. */
    public void limits(int maxPerIp, int maxTotal) {
        this.max = maxPerIp;
        this.maxTotal = maxTotal;
    }

    /**
     * Counts {@code ch} until it closes; returns why it is refused (counting nothing), or null when admitted.
     */
    public Refusal check(Channel ch) {
        InetAddress ip = addressOf(ch);
        Refusal refusal = hold(ip);
        if (refusal == null) {
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
        int limit = maxTotal;
        if (total.incrementAndGet() > limit && limit > 0) {
            total.decrementAndGet();
            return Refusal.TOTAL;
        }
        if (!admit(ip)) {
            total.decrementAndGet();
            return Refusal.PER_IP;
        }
        return null;
    }

    /** Undoes one admission by {@link #hold}. */
    public void release(InetAddress ip) {
        total.decrementAndGet();
        if (ip != null) {
            open.computeIfPresent(ip, (k, n) -> n <= 1 ? null : n - 1);
        }
    }

    /** The client address of {@code ch}, or null when it has none that is counted. */
    public static InetAddress addressOf(Channel ch) {
        return ch.remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
    }

    /** Counts one more for {@code ip}; false (counting nothing) when it already holds the maximum. */
    private boolean admit(InetAddress ip) {
        if (ip == null) {
            return true;
        }
        int limit = max;
        boolean[] admitted = new boolean[1];
        open.compute(ip, (k, n) -> {
            int c = n == null ? 0 : n;
            admitted[0] = limit <= 0 || c < limit;
            return admitted[0] ? c + 1 : (n == null ? null : n);
        });
        return admitted[0];
    }

    /** Connections and fallback sessions open from {@code ip}. */
    public int open(InetAddress ip) {
        return open.getOrDefault(ip, 0);
    }
}
