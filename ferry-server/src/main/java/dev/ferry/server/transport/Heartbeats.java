package dev.ferry.server.transport;

import dev.ferry.server.time.ServerClock;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * One timer per event loop for the liveness of all its WebSocket connections: every tick it asks each member
 * whether it is time to ping or to give up. A connection then costs one array slot here instead of a pipeline
 * handler and a scheduled task of its own (which an idle connection would otherwise keep re-arming).
 *
 * <p>Event loop only: an instance belongs to one event-loop thread (see {@link PerLoop}), and
 * {@link #join}, {@link #leave} and the ticks run on it.
 */
public final class Heartbeats {
    /** Ticks are at most this far apart, whatever the ping interval. */
    private static final long MAX_TICK_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long MIN_TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    /** A connection's liveness check; {@link #tick} runs on the connection's event loop. */
    public abstract static class Member {
        /** Index in {@link #members}, or -1 when not a member. */
        private int slot = -1;

        /** Called at every tick while a member; {@code nowNanos} is {@link ServerClock#nanoTime()} at the tick. */
        protected abstract void tick(long nowNanos);
    }

    /** Per event-loop thread; owned by one server, so nothing here is static. */
    public static final class PerLoop extends FastThreadLocal<Heartbeats> {
        private final long tickNanos;
        private final ServerClock clock;

        /** Ticks a quarter of {@code pingNanos} apart on {@code clock}, between 10 ms and 1 s. */
        public PerLoop(long pingNanos, ServerClock clock) {
            this.tickNanos = Math.max(MIN_TICK_NANOS, Math.min(MAX_TICK_NANOS, pingNanos / 4));
            this.clock = clock;
        }

        @Override
        protected Heartbeats initialValue() {
            return new Heartbeats(tickNanos, clock);
        }
    }

    private final long tickNanos;
    private final ServerClock clock;

    // ---- event loop only
    private Member[] members = new Member[16];
    private int size;
    private boolean ticking;
    private boolean holes;
    private boolean scheduled;

    private Heartbeats(long tickNanos, ServerClock clock) {
        this.tickNanos = tickNanos;
        this.clock = clock;
    }

    /** The time ticks pass ({@link ServerClock#nanoTime()}): a member starts counting from it. */
    public long nanoTime() {
        return clock.nanoTime();
    }

    /** Starts ticking {@code m}; call on {@code loop}, the thread this instance belongs to. */
    public void join(EventExecutor loop, Member m) {
        assert loop.inEventLoop();
        if (m.slot >= 0) {
            return;
        }
        if (size == members.length) {
            members = Arrays.copyOf(members, size * 2);
        }
        m.slot = size;
        members[size++] = m;
        if (!scheduled) {
            scheduled = true;
            clock.scheduleAtFixedRate(loop, this::tick, tickNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** Stops ticking {@code m} (idempotent). */
    public void leave(Member m) {
        int i = m.slot;
        if (i < 0) {
            return;
        }
        m.slot = -1;
        if (ticking) {
            members[i] = null; // compacted once the tick is over
            holes = true;
            return;
        }
        Member last = members[--size];
        members[size] = null;
        if (i != size) {
            members[i] = last;
            last.slot = i;
        }
    }

    /** Members now. */
    int size() {
        return size;
    }

    private void tick() {
        long now = clock.nanoTime();
        ticking = true;
        try {
            for (int i = 0; i < size; i++) {
                Member m = members[i];
                if (m != null) {
                    m.tick(now);
                }
            }
        } finally {
            ticking = false;
            if (holes) {
                compact();
            }
        }
        if (members.length > 64 && size < members.length / 4) {
            members = Arrays.copyOf(members, Math.max(16, members.length / 2));
        }
    }

    private void compact() {
        holes = false;
        int to = 0;
        for (int i = 0; i < size; i++) {
            Member m = members[i];
            if (m != null) {
                members[to] = m;
                m.slot = to++;
            }
        }
        Arrays.fill(members, to, size, null);
        size = to;
    }
}
