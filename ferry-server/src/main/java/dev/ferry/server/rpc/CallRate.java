package dev.ferry.server.rpc;

import dev.ferry.server.time.ServerClock;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Calls to one procedure: the total, and how many per second over the last minute, counted in one-second slots
 * on the server clock. Thread-safe; a call counted while its slot is being reused for a new second may be lost,
 * which a rate shown to people can afford.
 */
final class CallRate {
    static final int WINDOW_SECONDS = 60;

    private final ServerClock clock;
    private final AtomicLong total = new AtomicLong();
    private final AtomicLongArray counts = new AtomicLongArray(WINDOW_SECONDS);
    /** The second each slot of {@link #counts} counts. */
    private final AtomicLongArray seconds = new AtomicLongArray(WINDOW_SECONDS);

    CallRate(ServerClock clock) {
        this.clock = clock;
    }

    private long now() {
        return TimeUnit.NANOSECONDS.toSeconds(clock.nanoTime());
    }

    void add() {
        total.incrementAndGet();
        long second = now();
        int slot = (int) Math.floorMod(second, (long) WINDOW_SECONDS);
        long held = seconds.get(slot);
        if (held != second && seconds.compareAndSet(slot, held, second)) {
            counts.set(slot, 0);
        }
        counts.incrementAndGet(slot);
    }

    long total() {
        return total.get();
    }

    /** Calls per second over the last {@link #WINDOW_SECONDS} seconds (the current one included). */
    double perSecond() {
        long second = now();
        long sum = 0;
        for (int i = 0; i < WINDOW_SECONDS; i++) {
            long s = seconds.get(i);
            if (s > second - WINDOW_SECONDS && s <= second) {
                sum += counts.get(i);
            }
        }
        return (double) sum / WINDOW_SECONDS;
    }
}
