package dev.ferry.server.transport;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.ArrayList;
import java.util.List;

/**
 * Coalesces flushes on one event loop: connections written to during a run of the loop ask for a flush here, and
 * one task flushes them all once the loop has finished what it was doing. A publication fanned out to a thousand
 * connections of one loop costs one task, not a thousand.
 *
 * <p>Event loop only: an instance belongs to one event-loop thread (see {@link #of}).
 */
final class FlushBatch implements Runnable {
    /** Per event-loop thread; owned by a {@link ServerContext}, so nothing here is static. */
    static final class PerLoop extends FastThreadLocal<FlushBatch> {
        @Override
        protected FlushBatch initialValue() {
            return new FlushBatch();
        }
    }

    private List<Runnable> pending = new ArrayList<>();
    private List<Runnable> spare = new ArrayList<>();
    private boolean scheduled;

    static FlushBatch of(PerLoop perLoop) {
        return perLoop.get();
    }

    /** Runs {@code flush} once the loop is done with its current work; call on the loop thread. */
    void add(EventExecutor loop, Runnable flush) {
        pending.add(flush);
        if (!scheduled) {
            scheduled = true;
            loop.execute(this);
        }
    }

    @Override
    public void run() {
        List<Runnable> now = pending;
        pending = spare;
        scheduled = false;
        for (Runnable r : now) {
            r.run();
        }
        now.clear();
        spare = now;
    }
}
