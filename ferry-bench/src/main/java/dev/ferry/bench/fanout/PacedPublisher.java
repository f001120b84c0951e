package dev.ferry.bench.fanout;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Sends {@code total} publications at {@code rate} per second on one connection, on its event loop.
 *
 * <p>Publication {@code i} is due at {@code t0 + i / rate}: a fixed schedule, not a fixed delay. Each wake-up
 * sends every publication already due, stamped with its <em>intended</em> send time rather than the time it
 * actually left, then sleeps until the next one is due. A publisher that falls behind (a stalled event loop, a
 * GC pause) therefore catches up in a burst and the delay shows in the measured latency instead of vanishing
 * from it (no coordinated omission). The run is bounded in count: it stops after {@code total}.
 */
public final class PacedPublisher {
    /** Makes the frame of one publication stamped with its intended send time; the caller owns the frame. */
    @FunctionalInterface
    public interface Frames {
        WebSocketFrame frame(ByteBufAllocator alloc, long intendedNanos);
    }


    /** Most publications written between two flushes when catching up. */
    private static final int MAX_BURST = 256;

    private final Channel channel;
    private final Frames frames;
    private final long total;
    private final long rate;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private final Runnable tick = this::tick;
    private volatile long t0;

    // ---- written on the event loop only; volatile so that the run can read progress
    private volatile long sent;
    private volatile long maxLagNanos;

    PacedPublisher(Channel channel, PubFrames frames, long total, long rate) {
        this(channel, (alloc, at) -> new TextWebSocketFrame(frames.encode(alloc, at)), total, rate);
    }

    /** A publisher of {@code total} frames made by {@code frames}, {@code rate} per second, on {@code channel}. */
    public PacedPublisher(Channel channel, Frames frames, long total, long rate) {
        this.channel = channel;
        this.frames = frames;
        this.total = total;
        this.rate = rate;
    }

    /** When publication {@code i} is due, on a schedule starting at {@code t0}. */
    public static long due(long t0, long i, long rate) {
        return t0 + i * 1_000_000_000L / rate;
    }

    /** Starts the schedule at {@code t0} ({@link System#nanoTime()} base); completes when all are written. */
    public CompletableFuture<Void> start(long t0) {
        this.t0 = t0;
        channel.eventLoop().schedule(tick, Math.max(0, t0 - System.nanoTime()), TimeUnit.NANOSECONDS);
        return done;
    }

    public long sent() {
        return sent;
    }

    /** How late a publication left compared with when it was due, at worst. */
    public long maxLagNanos() {
        return maxLagNanos;
    }

    private void tick() {
        assert channel.eventLoop().inEventLoop();
        if (!channel.isActive()) {
            done.completeExceptionally(new IOException("publisher connection closed after " + sent + " publications"));
            return;
        }
        long now = System.nanoTime();
        long n = sent;
        long lag = maxLagNanos;
        int burst = 0;
        while (n < total && burst < MAX_BURST) {
            long at = due(t0, n, rate);
            if (at > now) {
                break;
            }
            lag = Math.max(lag, now - at);
            channel.write(frames.frame(channel.alloc(), at), channel.voidPromise());
            n++;
            burst++;
        }
        sent = n;
        maxLagNanos = lag;
        if (burst > 0) {
            channel.flush();
        }
        if (n == total) {
            done.complete(null);
            return;
        }
        long delay = due(t0, n, rate) - System.nanoTime();
        channel.eventLoop().schedule(tick, Math.max(0, delay), TimeUnit.NANOSECONDS);
    }
}
