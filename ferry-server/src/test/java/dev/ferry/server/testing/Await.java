package dev.ferry.server.testing;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * Waits for a condition that nothing signals (a server counter, a metric, a port that starts listening), with a
 * timeout: the condition is checked, then again after a pause that doubles from 1 ms up to 50 ms, so a waiting test
 * takes no CPU from the server it waits for, however busy the machine. Where the code under test can signal (a
 * future, a latch, a queue), wait on that instead.
 */
public final class Await {
    /** How long a test waits for something that should happen at once, on a busy machine. */
    public static final Duration DEFAULT = Duration.ofSeconds(30);
    private static final long FIRST_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long LONGEST_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private Await() {
    }

    /** Waits up to {@link #DEFAULT} until {@code condition} holds; fails naming {@code what} otherwise. */
    public static void until(String what, BooleanSupplier condition) {
        until(what, DEFAULT, condition);
    }

    /** Waits up to {@code timeout} until {@code condition} holds; fails naming {@code what} otherwise. */
    public static void until(String what, Duration timeout, BooleanSupplier condition) {
        value(what, timeout, () -> condition.getAsBoolean(), done -> done);
    }

    /**
     * Waits up to {@code timeout} until {@code condition} holds; returns whether it did, for a caller whose own
     * assertions then say what is missing.
     */
    public static boolean within(Duration timeout, BooleanSupplier condition) {
        try {
            until("the condition", timeout, condition);
            return true;
        } catch (AssertionError notYet) {
            if (Thread.currentThread().isInterrupted()) {
                throw notYet;
            }
            return false;
        }
    }

    /**
     * Reads {@code value} until {@code done} accepts it, up to {@code timeout}, and returns the accepted value.
     * Exceptions thrown by {@code value} count as "not yet" (a port not listening yet, a session not stored yet);
     * the last one is attached when the wait fails.
     */
    public static <T> T value(String what, Duration timeout, Callable<T> value, Predicate<? super T> done) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pause = FIRST_PAUSE_NANOS;
        T last = null;
        Exception failure = null;
        while (true) {
            try {
                last = value.call();
                failure = null;
                if (done.test(last)) {
                    return last;
                }
            } catch (Exception e) {
                failure = e;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                AssertionError e = new AssertionError("not within " + timeout + ": " + what
                        + (failure == null ? " (last seen: " + last + ")" : ""));
                if (failure != null) {
                    e.initCause(failure);
                }
                throw e;
            }
            try {
                TimeUnit.NANOSECONDS.sleep(Math.min(pause, left));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting: " + what, e);
            }
            pause = Math.min(pause * 2, LONGEST_PAUSE_NANOS);
        }
    }
}
