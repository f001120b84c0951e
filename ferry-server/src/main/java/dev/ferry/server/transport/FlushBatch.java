package dev.ferry.server.transport;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.SingleThreadEventExecutor;
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
    /** Per event-loop thread; owned by one server's {@link OutboundQueues}, so nothing here is static. */
    static final class PerLoop extends FastThreadLocal<FlushBatch> {
        @Override
        protected FlushBatch initialValue() {
            return new FlushBatch();
        }
    }

    /**
     * How many times in a row the flush may step back behind tasks already queued on the loop (more publications
     * for the same connections, typically) before it runs anyway.
     */
    static final int MAX_DEFERRALS = 4;

    private List<Runnable> pending = new ArrayList<>();
    private List<Runnable> spare = new ArrayList<>();
    private boolean scheduled;
    private EventExecutor loop;
    private int deferrals;

    static FlushBatch of(PerLoop perLoop) {
        return perLoop.get();
    }

    /** Runs {@code flush} once the loop is done with its current work; call on the loop thread. */
    void add(EventExecutor loop, Runnable flush) {
        pending.add(flush);
        if (!scheduled) {
            scheduled = true;
            this.loop = loop;
            loop.execute(this);
        }
    }

    /**
     * Flushes, unless more tasks already wait on the loop: then it queues itself behind them (at most
     * {@link #MAX_DEFERRALS} times in a row), so that what they write goes out in the same flush. An idle loop
     * flushes at once; a busy one writes fewer, larger messages (which is also what lets a loaded connection catch
     * up: the batches grow with the load).
     */
    @Override
    public void run() {
        if (deferrals < MAX_DEFERRALS && loop instanceof SingleThreadEventExecutor l && l.pendingTasks() > 0) {
            deferrals++;
            loop.execute(this);
            return;
        }
        deferrals = 0;
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
