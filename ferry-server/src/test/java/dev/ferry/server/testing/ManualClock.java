package dev.ferry.server.testing;

import dev.ferry.server.time.ServerClock;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A server clock that moves only when a test advances it ({@code FerryServer.builder().clock(clock)}). Wall-clock
 * and monotonic time move together. {@link #advance} fires, in deadline order, every timer that falls due on the
 * way, each on its own executor (so event-loop confinement holds), and waits for each to finish before the next:
 * when {@code advance} returns, what the passing time caused has run. A timer scheduled with no delay runs at once.
 *
 * <p>A timer fires only if it was scheduled before the clock passes its deadline: a test that advances time to
 * expire something the server sets up asynchronously first waits for the server to have done so (for instance
 * with {@link #awaitTimers}). A timer whose executor is an event loop the advancing thread is in (an
 * {@code EmbeddedChannel}'s) runs on that thread directly. Thread-safe; {@code advance} must not be called from any
 * other executor a timer runs on.
 */
public final class ManualClock extends ServerClock {
    private final Object lock = new Object();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private final long startMillis;
    private final long startNanos;
    private long nanos;
    private long sequence;

    /** A clock starting at the real wall-clock time (so that tokens signed by a test are valid on it). */
    public ManualClock() {
        this(System.currentTimeMillis());
    }

    /** A clock starting at {@code startMillis} since the epoch. */
    public ManualClock(long startMillis) {
        this.startMillis = startMillis;
        this.startNanos = TimeUnit.MILLISECONDS.toNanos(startMillis);
        this.nanos = startNanos;
    }

    /** Moves time forward by {@code d}, firing the timers due on the way; see the class comment. */
    public void advance(Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("time does not go back: " + d);
        }
        long target;
        synchronized (lock) {
            target = nanos + d.toNanos();
        }
        while (true) {
            Timer due;
            synchronized (lock) {
                due = timers.peek();
                if (due == null || due.deadline - target > 0) {
                    moveTo(target);
                    return;
                }
                timers.poll();
                moveTo(due.deadline);
                if (due.period > 0) {
                    due.deadline += due.period;
                    due.sequence = sequence++;
                    timers.add(due);
                }
            }
            due.fire();
        }
    }

    /** How many timers are waiting for their deadline (periodic ones included). */
    public int timers() {
        synchronized (lock) {
            return timers.size();
        }
    }

    /**
     * Waits, in real time up to {@link Await#DEFAULT}, until at least {@code count} timers wait for their deadline:
     * for a test to know that the server has set the timers it is about to make fall due.
     */
    public void awaitTimers(String what, int count) {
        Await.until(what + " (" + count + " timers set)", () -> timers() >= count);
    }

    private void moveTo(long deadline) {
        if (deadline - nanos > 0) {
            nanos = deadline;
        }
    }

    @Override
    public long millis() {
        synchronized (lock) {
            return startMillis + TimeUnit.NANOSECONDS.toMillis(nanos - startNanos);
        }
    }

    @Override
    public long nanoTime() {
        synchronized (lock) {
            return nanos;
        }
    }

    @Override
    public ScheduledFuture<?> schedule(ScheduledExecutorService executor, Runnable task, long delay, TimeUnit unit) {
        return add(executor, task, unit.toNanos(delay), 0);
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(ScheduledExecutorService executor, Runnable task, long period,
                                                  TimeUnit unit) {
        long p = unit.toNanos(period);
        if (p <= 0) {
            throw new IllegalArgumentException("period: " + period + " (expected: > 0)");
        }
        return add(executor, task, p, p);
    }

    private Timer add(Executor executor, Runnable task, long delayNanos, long periodNanos) {
        synchronized (lock) {
            Timer t = new Timer(executor, task, nanos + Math.max(0, delayNanos), periodNanos, sequence++);
            if (delayNanos > 0 || periodNanos > 0) {
                timers.add(t);
                return t;
            }
            executor.execute(t::run);
            return t;
        }
    }

    @Override
    public String toString() {
        return "ManualClock[" + millis() + " ms, " + timers() + " timers]";
    }

    /** One timer: a task, its executor, its next deadline on this clock, and its period (0: once). */
    private final class Timer implements ScheduledFuture<Void>, Comparable<Delayed> {
        private final Executor executor;
        private final Runnable task;
        private final long period;
        private final CompletableFuture<Void> done = new CompletableFuture<>();
        private long deadline;
        private long sequence;

        Timer(Executor executor, Runnable task, long deadline, long period, long sequence) {
            this.executor = executor;
            this.task = task;
            this.deadline = deadline;
            this.period = period;
            this.sequence = sequence;
        }

        /** Runs the task on its executor and waits for it; a task that throws fails the test that advanced. */
        void fire() {
            if (executor instanceof EventExecutor loop && loop.inEventLoop()) {
                task.run(); // the test's thread is the loop (an EmbeddedChannel's): run here, as the loop would
                if (period == 0) {
                    done.complete(null);
                }
                return;
            }
            CompletableFuture<Void> ran = new CompletableFuture<>();
            try {
                executor.execute(() -> {
                    try {
                        task.run();
                        ran.complete(null);
                    } catch (Throwable e) {
                        ran.completeExceptionally(e);
                    }
                });
            } catch (RejectedExecutionException e) {
                cancel(false); // the executor is shut down: so is what the timer was for
                return;
            }
            try {
                ran.get(WsTestClient.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                if (period == 0) {
                    done.complete(null);
                }
            } catch (ExecutionException e) {
                throw new AssertionError("a timer's task failed", e.getCause());
            } catch (TimeoutException e) {
                throw new AssertionError("a timer's task did not finish within " + WsTestClient.TIMEOUT, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }

        void run() {
            try {
                task.run();
            } finally {
                done.complete(null);
            }
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            synchronized (lock) {
                timers.remove(this);
            }
            return done.cancel(false);
        }

        @Override
        public boolean isCancelled() {
            return done.isCancelled();
        }

        @Override
        public boolean isDone() {
            return done.isDone();
        }

        @Override
        public Void get() throws InterruptedException, ExecutionException {
            return done.get();
        }

        @Override
        public Void get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
            return done.get(timeout, unit);
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(deadline - nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed o) {
            if (o instanceof Timer t) {
                int c = Long.compare(deadline - t.deadline, 0);
                return c != 0 ? c : Long.compare(sequence, t.sequence);
            }
            return Long.compare(getDelay(TimeUnit.NANOSECONDS), o.getDelay(TimeUnit.NANOSECONDS));
        }
    }
}
