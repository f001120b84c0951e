package dev.ferry.server.auth;

import dev.ferry.server.config.LimitsConfig;
import java.util.concurrent.TimeUnit;

/**
 * The rate of messages of one connection ({@code limits.message-rate}, {@code limits.message-burst}, a token
 * bucket) and what becomes of a connection that keeps exceeding it ({@code limits.message-excess}): from the first
 * refused frame, a window of one second opens in which up to {@code message-excess} frames are refused one by one
 * (each is answered, for instance {@code rate_limited}); the next frame refused in that window ends the connection
 * (close 4010). Once the window is over the next refused frame opens a new one. So a flood costs at most
 * {@code rate + burst + excess} answered frames per second before the connection is closed, and a client that
 * slows down when told keeps its connection.
 *
 * <p>Times are the server clock's {@code nanoTime()} values passed in by the caller, so that tests choose them. Not
 * thread-safe: one per connection, used on its event loop.
 */
public final class MessageRate {
    /** How long a window of refused frames lasts. */
    static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** What becomes of a frame. */
    public enum Verdict {
        /** Within the rate: process it. */
        ACCEPT,
        /** Beyond the rate: do not process it, tell the client. */
        REFUSE,
        /** Beyond the rate once too often: close the connection with 4010. */
        CLOSE
    }

    /** Null while the rate in force is 0 (unlimited). */
    private TokenBucket bucket;
    private int excess;
    /** The limits in force (a reload may replace them); null for a fixed rate. */
    private final java.util.function.Supplier<LimitsConfig> limits;
    /** The limits {@link #bucket} and {@link #excess} were last taken from. */
    private LimitsConfig sized;
    // ---- event loop only
    private long windowStart;
    /** Frames refused in the window that started at {@link #windowStart}; 0 when no window is open. */
    private int refused;

    /** {@code rate} frames per second (> 0), {@code burst} at once (0: the rate), {@code excess} refused per second. */
    public MessageRate(int rate, int burst, int excess, long nowNanos) {
        this.bucket = new TokenBucket(rate, burst, nowNanos);
        this.excess = excess;
        this.limits = null;
    }

    private MessageRate(java.util.function.Supplier<LimitsConfig> limits, long nowNanos) {
        this.limits = limits;
        resize(nowNanos);
    }

    /**
     * The message rate of a connection opened at {@code nowNanos} that follows the limits in force: after a reload
     * that changes {@code limits.message-rate}, {@code -burst} or {@code limits.message-excess}, its next frame is
     * counted at the new ones, keeping the tokens the bucket holds (at most the new burst); while the rate is 0
     * every frame is accepted.
     */
    public static MessageRate following(java.util.function.Supplier<LimitsConfig> limits, long nowNanos) {
        return new MessageRate(limits, nowNanos);
    }

    private void resize(long nowNanos) {
        if (limits == null) {
            return;
        }
        LimitsConfig l = limits.get();
        if (l == sized) {
            return;
        }
        sized = l;
        excess = l.messageExcess();
        if (l.messageRate() <= 0) {
            bucket = null;
            refused = 0;
        } else if (bucket == null) {
            bucket = new TokenBucket(l.messageRate(), l.messageBurst(), nowNanos);
        } else {
            bucket.resize(l.messageRate(), l.messageBurst(), nowNanos);
        }
    }

    /** The message rate of a connection opened at {@code nowNanos}; null when {@code limits.message-rate} is 0. */
    public static MessageRate of(LimitsConfig limits, long nowNanos) {
        return limits.messageRate() > 0
                ? new MessageRate(limits.messageRate(), limits.messageBurst(), limits.messageExcess(), nowNanos) : null;
    }

    /** Takes a token for one frame, or counts it as refused. */
    public Verdict take(long nowNanos) {
        resize(nowNanos);
        if (bucket == null || bucket.tryTake(nowNanos)) {
            return Verdict.ACCEPT;
        }
        if (refused == 0 || nowNanos - windowStart >= WINDOW_NANOS) {
            windowStart = nowNanos;
            refused = 0;
        }
        return ++refused > excess ? Verdict.CLOSE : Verdict.REFUSE;
    }

    /**
     * Whether the next frame would close the connection: no token left and the window's refusals used up. Checked
     * before a message is decoded, so that a connection past its allowance costs no decoding; takes nothing.
     */
    public boolean exhausted(long nowNanos) {
        resize(nowNanos);
        return bucket != null && refused >= excess && nowNanos - windowStart < WINDOW_NANOS && !bucket.hasToken(nowNanos);
    }
}
