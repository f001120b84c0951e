package dev.ferry.server.presence;

import dev.ferry.server.store.PresenceStore;
import dev.ferry.server.store.PresenceEntry;
import dev.ferry.server.store.PresenceChange;
import dev.ferry.server.store.PresencePage;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.FrameCodec;
import dev.ferry.server.config.PresenceConfig;
import dev.ferry.server.hub.Subscriber;
import dev.ferry.server.time.ServerClock;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.DefaultEventExecutor;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The presence of one node: which topics keep it ({@code presence.rules}), the store of entries, and the
 * {@code presence_diff} pushes to the local connections that asked for them.
 *
 * <p>Joins and leaves of a topic are gathered for the topic's coalescing window (see {@link TopicDiff}), then
 * pushed as one frame, encoded once and handed to each watcher on its own event loop. Only topics with local
 * watchers are gathered.
 *
 * <p>Threading: public methods are callable from any thread and never block; the gathering runs on one thread of
 * its own ({@link #executor}). Lifecycle: created with the server, {@link #close()} when it stops.
 */
public final class Presence implements AutoCloseable {
    private volatile dev.ferry.server.hooks.EventsOut eventsOut = dev.ferry.server.hooks.EventsOut.NONE;
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Presence.class);
    /** Entries on a page when the query does not say. */
    public static final int DEFAULT_LIMIT = 100;
    /** Most entries on one page. */
    public static final int MAX_LIMIT = 1000;

    /** Read at each use: a reload swaps it. */
    private volatile PresenceConfig config;
    private final PresenceStore store;
    /** The time coalescing windows close and entries' join times are read on. */
    private final ServerClock clock;
    private final EventExecutor executor = new DefaultEventExecutor(new DefaultThreadFactory("ferry-presence", true));
    /** Connection ids: a random prefix per node, then a counter. */
    private final String idPrefix = Long.toString(ThreadLocalRandom.current().nextLong() >>> 24, 36) + "-";
    private final AtomicLong ids = new AtomicLong();
    /** Local connections that want a topic's pushes. */
    private final ConcurrentHashMap<String, Set<Subscriber>> watchers = new ConcurrentHashMap<>();
    private final LongAdder pushes = new LongAdder();
    private final LongAdder resets = new LongAdder();
    private final LongAdder unlisted = new LongAdder();

    // ---- executor only
    private final Map<String, TopicDiff> diffs = new HashMap<>();

    /** Presence over {@code store}, or over this node's memory when it is null; windows and join times on {@code clock}. */
    public Presence(PresenceConfig config, PresenceStore store, ServerClock clock) {
        this.config = config;
        this.clock = clock;
        this.store = store == null ? new MemoryPresenceStore() : store;
        this.store.start(new PresenceStore.Listener() {
            @Override
            public void changed(String topic, List<PresenceChange> changes) {
                Presence.this.changed(topic, changes);
            }

            @Override
            public void lost(String topic) {
                Presence.this.lost(topic);
            }
        });
    }

    /** Where joins and leaves of this node's connections are told (docs/hooks.md, "Events out"). */
    public void eventsOut(dev.ferry.server.hooks.EventsOut events) {
        this.eventsOut = events;
    }

    public dev.ferry.server.hooks.EventsOut eventsOut() {
        return eventsOut;
    }

    public PresenceConfig config() {
        return config;
    }

    /** Takes the presence rules of {@code next} for what happens from now on. */
    public void reload(PresenceConfig next) {
        this.config = next;
    }

    /** The rule that keeps presence for the concrete {@code topic}, or null when it has none. */
    public PresenceConfig.Rule ruleFor(String topic) {
        return config.ruleFor(topic);
    }

    /** A connection id unique in the cluster (with high probability: 40 random bits per node). */
    public String newConnectionId() {
        return idPrefix + Long.toString(ids.incrementAndGet(), 36);
    }

    /** Lists {@code entry} in {@code topic} (replacing the connection's entry there); whether it is listed. */
    public CompletionStage<Boolean> join(String topic, PresenceEntry entry, PresenceConfig.Rule rule) {
        return store.join(topic, entry, rule.maxEntries()).whenComplete((listed, failure) -> {
            if (failure != null) {
                log.debug("presence join of {} in {} failed", entry.conn(), topic, failure);
            } else if (!listed) {
                unlisted.increment();
            }
        });
    }

    public CompletionStage<Void> leave(String topic, PresenceEntry entry) {
        return store.leave(topic, entry).whenComplete((v, failure) -> {
            if (failure != null) {
                log.debug("presence leave of {} from {} failed", entry.conn(), topic, failure);
            }
        });
    }

    /** A page of {@code topic}'s presence: entries after {@code cursor}, at most {@code limit} (capped). */
    public CompletionStage<PresencePage> read(String topic, String cursor, int limit) {
        int n = limit <= 0 ? DEFAULT_LIMIT : Math.min(limit, MAX_LIMIT);
        return store.read(topic, cursor == null || cursor.isEmpty() ? null : cursor, n);
    }

    /** {@code subscriber} gets the {@code presence_diff} pushes of {@code topic} (idempotent). */
    public void watch(String topic, Subscriber subscriber) {
        boolean[] first = {false};
        watchers.compute(topic, (t, set) -> {
            if (set == null) {
                set = ConcurrentHashMap.newKeySet();
                first[0] = true;
            }
            set.add(subscriber);
            return set;
        });
        if (first[0]) {
            store.watch(topic);
        }
    }

    /** Stops the pushes of {@code topic} to {@code subscriber} (idempotent). */
    public void unwatch(String topic, Subscriber subscriber) {
        boolean[] last = {false};
        watchers.computeIfPresent(topic, (t, set) -> {
            if (set.remove(subscriber) && set.isEmpty()) {
                last[0] = true;
                return null;
            }
            return set;
        });
        if (last[0]) {
            store.unwatch(topic);
        }
    }

    /** {@code presence_diff} pushes sent (one per topic per window, whatever the number of receivers). */
    public long pushes() {
        return pushes.sum();
    }

    /** Windows that held more than their rule's {@code max-diff} changes and were pushed as {@code reset}. */
    public long resets() {
        return resets.sum();
    }

    /** Joins not listed because their topic held {@code max-entries} already. */
    public long unlisted() {
        return unlisted.sum();
    }

    // ------------------------------------------------------------ gathering (executor)

    private void changed(String topic, List<PresenceChange> changes) {
        if (!watchers.containsKey(topic)) {
            return;
        }
        try {
            executor.execute(() -> gather(topic, changes));
        } catch (RuntimeException rejected) {
            // shutting down
        }
    }

    private void lost(String topic) {
        try {
            executor.execute(() -> {
                TopicDiff diff = window(topic);
                if (diff != null) {
                    diff.reset();
                }
            });
        } catch (RuntimeException rejected) {
            // shutting down
        }
    }

    private void gather(String topic, List<PresenceChange> changes) {
        TopicDiff diff = window(topic);
        if (diff != null) {
            for (PresenceChange c : changes) {
                diff.add(c);
            }
        }
    }

    /** The open window of {@code topic}, opened now (its push scheduled) if there is none; null without presence. */
    private TopicDiff window(String topic) {
        PresenceConfig.Rule rule = config.ruleFor(topic);
        if (rule == null) {
            return null;
        }
        TopicDiff diff = diffs.get(topic);
        if (diff == null) {
            diff = new TopicDiff(rule.maxDiff());
            diffs.put(topic, diff);
            clock.schedule(executor, () -> flush(topic), rule.coalesce().toMillis(), TimeUnit.MILLISECONDS);
        }
        return diff;
    }

    private void flush(String topic) {
        TopicDiff diff = diffs.remove(topic);
        Set<Subscriber> receivers = watchers.get(topic);
        if (diff == null || receivers == null || receivers.isEmpty()) {
            return;
        }
        Frame.PresenceDiff frame = diff.toFrame(topic);
        if (frame == null) {
            return;
        }
        pushes.increment();
        if (frame.reset()) {
            resets.increment();
        }
        Map<EventExecutor, List<Subscriber>> byLoop = new HashMap<>();
        for (Subscriber s : receivers) {
            byLoop.computeIfAbsent(s.executor(), e -> new ArrayList<>()).add(s);
        }
        ByteBuf encoded = Unpooled.wrappedBuffer(FrameCodec.encode(frame));
        try {
            for (Map.Entry<EventExecutor, List<Subscriber>> e : byLoop.entrySet()) {
                ByteBuf shared = encoded.retainedDuplicate();
                List<Subscriber> group = e.getValue();
                try {
                    e.getKey().execute(() -> deliver(group, shared));
                } catch (RuntimeException rejected) {
                    shared.release(); // the event loop is shutting down: its connections are going away
                }
            }
        } finally {
            encoded.release();
        }
    }

    private static void deliver(List<Subscriber> group, ByteBuf shared) {
        try {
            for (Subscriber s : group) {
                s.write(shared.retainedDuplicate(), false);
            }
        } finally {
            shared.release();
        }
    }

    @Override
    public void close() {
        executor.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    /** Wall-clock time now on the server's clock, in milliseconds: when an entry joined. */
    long millis() {
        return clock.millis();
    }
}
