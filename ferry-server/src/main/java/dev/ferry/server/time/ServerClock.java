package dev.ferry.server.time;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The time of one server: wall-clock time ({@link #millis()}, for token {@code exp}/{@code nbf}, history ttl and
 * timestamps), monotonic time ({@link #nanoTime()}, for durations and windows) and timers ({@link #schedule},
 * {@link #scheduleAtFixedRate}) that run a task on the executor that owns the state it touches, so event-loop
 * confinement holds whichever clock is in use.
 *
 * <p>{@link #system()} is the real time, with timers on the executors' own scheduling. A test passes a clock that
 * moves only when told to, and fires the timers that fall due as it moves. Thread-safe. A {@code ServerClock} is
 * also a {@link Clock} in UTC, for the APIs that take one.
 */
public abstract class ServerClock extends Clock {
    private static final ServerClock SYSTEM = new SystemClock();

    /** The real time; timers are the executors' own. */
    public static ServerClock system() {
        return SYSTEM;
    }

    /** Monotonic time in nanoseconds, as {@link System#nanoTime()}: only differences between two values mean anything. */
    public abstract long nanoTime();

    /**
     * Runs {@code task} on {@code executor} once {@code delay} has passed on this clock (at once when it is not
     * positive), unless the returned future is cancelled first.
     */
    public abstract ScheduledFuture<?> schedule(ScheduledExecutorService executor, Runnable task, long delay, TimeUnit unit);

    /**
     * Runs {@code task} on {@code executor} every {@code period} on this clock, the first time one period from now,
     * until the returned future is cancelled or the executor shuts down.
     */
    public abstract ScheduledFuture<?> scheduleAtFixedRate(ScheduledExecutorService executor, Runnable task, long period,
                                                           TimeUnit unit);

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis());
    }

    @Override
    public abstract long millis();

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    /** Only UTC: a server's clock has one zone. */
    @Override
    public Clock withZone(ZoneId zone) {
        if (zone.equals(ZoneOffset.UTC)) {
            return this;
        }
        throw new UnsupportedOperationException("a server clock is in UTC");
    }

    /** {@link System#currentTimeMillis()}, {@link System#nanoTime()} and the executors' own timers. */
    private static final class SystemClock extends ServerClock {
        @Override
        public long millis() {
            return System.currentTimeMillis();
        }

        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public ScheduledFuture<?> schedule(ScheduledExecutorService executor, Runnable task, long delay, TimeUnit unit) {
            return executor.schedule(task, Math.max(0, delay), unit);
        }

        @Override
        public ScheduledFuture<?> scheduleAtFixedRate(ScheduledExecutorService executor, Runnable task, long period,
                                                      TimeUnit unit) {
            return executor.scheduleAtFixedRate(task, period, period, unit);
        }

        @Override
        public String toString() {
            return "ServerClock.system()";
        }
    }
}
