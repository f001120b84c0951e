package dev.ferry.client.internal;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Reconnect delays: exponential from {@code min} to {@code max}, with "equal jitter" (each delay is drawn from
 * the upper half of the current step) so that clients dropped together do not come back together.
 * Not thread-safe: the client calls it under its lock.
 */
public final class Backoff {
    private final long minMs;
    private final long maxMs;
    private int attempt;

    public Backoff(Duration min, Duration max) {
        if (min.isNegative() || min.isZero()) {
            throw new IllegalArgumentException("backoff min: " + min + " (expected: > 0)");
        }
        if (max.compareTo(min) < 0) {
            throw new IllegalArgumentException("backoff max: " + max + " (expected: >= min, " + min + ")");
        }
        this.minMs = min.toMillis();
        this.maxMs = max.toMillis();
    }

    /** The delay before the next attempt, in milliseconds: in [step/2, step], step = min(max, min * 2^n). */
    public long nextDelayMs() {
        long step = ceiling(attempt);
        if (attempt < 62) {
            attempt++;
        }
        long half = step / 2;
        return half + ThreadLocalRandom.current().nextLong(step - half + 1);
    }

    /** The undelayed step for attempt {@code n}; exposed for tests. */
    long ceiling(int n) {
        long step = minMs;
        for (int i = 0; i < n && step < maxMs; i++) {
            step = step * 2;
        }
        return Math.min(step, maxMs);
    }

    /** A connection succeeded: start again from {@code min}. */
    public void reset() {
        attempt = 0;
    }

    /** The server's {@code goaway} hint, jittered to [0.5, 1.5] × {@code reconnectMs}. */
    public static long jitter(long reconnectMs) {
        if (reconnectMs <= 0) {
            return 0;
        }
        return reconnectMs / 2 + ThreadLocalRandom.current().nextLong(reconnectMs + 1);
    }
}
