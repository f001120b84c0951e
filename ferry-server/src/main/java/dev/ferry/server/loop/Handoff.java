package dev.ferry.server.loop;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.internal.PlatformDependent;
import io.netty.util.internal.ThreadExecutorMap;
import java.util.Arrays;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries tasks to event loops through one inbox per loop, waking each loop once for what a run of another loop
 * hands it. A task handed over from an event loop joins the target's inbox at once, but the target is only told
 * (a task of its own, and a wake-up when it sleeps) when the source loop has finished its current run: whatever
 * else that run hands over in the meantime travels with it. A wake-up is a system call for the source and a
 * reschedule for the target, the costliest part of a hand-over; under load a run hands over many tasks, and the
 * target does them in one go, under one flush.
 *
 * <p>Order: every task for a loop goes through that loop's one inbox, so tasks run there in the order they were
 * handed over, whoever handed them over (the hub relies on it: publications reach a loop in offset order). Tasks
 * queued on the loop directly, past the inbox, may overtake them.
 *
 * <p>At the end of a run the other loops are told first and the loop's own inbox runs after, so that work for
 * several loops (a publication with subscribers on each) goes on in parallel rather than one loop after another.
 *
 * <p>A thread that is not an event loop (an engine's client thread, say) has no run to wait for: it tells the
 * target at once. A target that refuses work (it is shutting down, and its connections with it) has the tasks
 * waiting for it {@linkplain Owning#abandon() abandoned} when they own something.
 *
 * <p>Thread-safe. The inboxes and each thread's list of loops to tell are kept by this instance (nothing here is
 * static), so two embedded servers do not share them.
 */
public final class Handoff {
    private static final Logger log = LoggerFactory.getLogger(Handoff.class);
    /** Tasks an inbox runs before it lets the loop's other work in (it queues itself again for the rest). */
    static final int MAX_PER_RUN = 4096;

    /** A task that owns something (a retained buffer, typically) to let go of when its target refuses it. */
    public interface Owning extends Runnable {
        void abandon();
    }

    private final ConcurrentHashMap<EventExecutor, Inbox> inboxes = new ConcurrentHashMap<>();
    private final FastThreadLocal<Outbox> outboxes = new FastThreadLocal<>() {
        @Override
        protected Outbox initialValue() {
            EventExecutor home = ThreadExecutorMap.currentExecutor();
            return home == null ? null : new Outbox(home);
        }
    };

    /**
     * Runs {@code task} on {@code target} after what was handed to it before. From an event loop (the target
     * itself included) the target is told once that loop's current run is over; from a thread that is no event
     * loop, at once. Never runs {@code task} in this call.
     */
    public void execute(EventExecutor target, Runnable task) {
        Inbox inbox = inboxes.get(target);
        if (inbox == null) {
            inbox = inboxes.computeIfAbsent(target, Inbox::new);
        }
        if (!inbox.offer(task)) {
            return; // the inbox is already due to run: the task runs with it
        }
        Outbox outbox = outboxes.get();
        if (outbox == null) {
            inbox.schedule();
        } else {
            outbox.add(inbox);
        }
    }

    private static void abandon(Runnable task) {
        if (task instanceof Owning o) {
            try {
                o.abandon();
            } catch (RuntimeException e) {
                log.warn("abandoning a task handed over to a stopped event loop failed", e);
            }
        }
    }

    /** The tasks waiting for one loop, in the order they were handed over. */
    private static final class Inbox implements Runnable {
        private final EventExecutor loop;
        private final Queue<Runnable> tasks = PlatformDependent.newMpscQueue();
        /** Set by whoever must get {@link #run} queued on {@link #loop}; cleared as it starts. */
        private final AtomicBoolean scheduled = new AtomicBoolean();

        Inbox(EventExecutor loop) {
            this.loop = loop;
        }

        /** Adds {@code task}; true when the caller must now {@link #schedule()} this inbox. */
        boolean offer(Runnable task) {
            tasks.offer(task);
            return !scheduled.get() && scheduled.compareAndSet(false, true);
        }

        void schedule() {
            try {
                loop.execute(this);
            } catch (RejectedExecutionException stopped) {
                scheduled.set(false);
                for (Runnable t; (t = tasks.poll()) != null; ) {
                    abandon(t);
                }
            }
        }

        @Override
        public void run() {
            scheduled.set(false); // before polling: a task added from now on is either polled below or reschedules
            for (int i = 0; i < MAX_PER_RUN; i++) {
                Runnable t = tasks.poll();
                if (t == null) {
                    return;
                }
                try {
                    t.run();
                } catch (Throwable e) {
                    log.warn("a task handed over between event loops failed", e);
                }
            }
            if (!tasks.isEmpty() && scheduled.compareAndSet(false, true)) {
                schedule();
            }
        }
    }

    /** The inboxes one event loop has to get scheduled once its current run is over; that loop's thread only. */
    private static final class Outbox implements Runnable {
        private final EventExecutor home;
        private Inbox[] due = new Inbox[2];
        private int size;

        Outbox(EventExecutor home) {
            this.home = home;
        }

        void add(Inbox inbox) {
            if (size == due.length) {
                due = Arrays.copyOf(due, size * 2);
            }
            due[size++] = inbox;
            if (size == 1) {
                try {
                    home.execute(this);
                } catch (RejectedExecutionException shuttingDown) {
                    tell(false); // this loop is going away: tell the targets now (its own inbox abandons its tasks)
                }
            }
        }

        /**
         * Tells the other loops first, then runs this loop's own inbox: a publication for subscribers on both is
         * delivered on both at once, not there only once it has been delivered here.
         */
        @Override
        public void run() {
            tell(true);
        }

        private void tell(boolean runOwn) {
            // an inbox is claimed by one thread at a time (Inbox.scheduled), so none is listed twice
            int n = size;
            size = 0;
            Inbox own = null;
            for (int i = 0; i < n; i++) {
                Inbox inbox = due[i];
                due[i] = null;
                if (inbox.loop == home && runOwn) {
                    own = inbox;
                } else {
                    inbox.schedule();
                }
            }
            if (own != null) {
                own.run();
            }
        }
    }
}
