package dev.ferry.server.hub;

import dev.ferry.protocol.Frame;
import dev.ferry.protocol.FrameCodec;
import dev.ferry.protocol.Payload;
import dev.ferry.protocol.Topics;
import dev.ferry.server.config.HistoryConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The in-memory hub: who is subscribed to what, per-topic offsets and history, and the fan-out of publications.
 *
 * <p>A publication is encoded once into one buffer; every receiving connection gets a retained duplicate of it
 * on its own event loop, one task per event loop per publication. Offsets are assigned, appended to history and
 * dispatched under the topic's lock, and each event loop runs its tasks in order, so every subscriber sees a
 * topic's publications in offset order whichever threads published them.
 *
 * <p>Each topic has an <em>epoch</em>, a random token fixed when the hub first sees the topic. Offsets are only
 * comparable within one epoch: a new epoch means the history behind the old offsets is gone (here: the server
 * restarted). Thread-safe.
 */
public final class Hub {
    private final TopicTree<Subscriber> tree = new TopicTree<>();
    private final ConcurrentHashMap<String, TopicState> topics = new ConcurrentHashMap<>();
    private final HistoryConfig history;

    /** A hub with the default history settings. */
    public Hub() {
        this(HistoryConfig.DEFAULT);
    }

    public Hub(HistoryConfig history) {
        this.history = history;
    }

    /** Where a topic stands: its epoch and last offset (0 and no epoch for a topic never published to). */
    public record Position(String topic, String epoch, long offset) {
    }

    /** The outcome of recovering one topic for a subscription. */
    public record Recovery(String topic, boolean recovered, String epoch, long offset, List<Frame.Msg> replay) {
    }

    /** A page of history, oldest first (or newest first when reverse). */
    public record HistoryPage(String topic, String epoch, long offset, long first, List<Frame.Msg> items,
                              List<Long> timesMillis) {
    }

    /** Per-topic publication state, guarded by {@link #lock}. */
    private final class TopicState {
        final ReentrantLock lock = new ReentrantLock();
        final String epoch = Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);
        final boolean lossy;
        final TopicHistory retained;
        long lastOffset;

        TopicState(String topic) {
            lossy = history.lossyTopics().stream().anyMatch(p -> Topics.matches(p, topic));
            retained = lossy || history.size() == 0 ? null : new TopicHistory(history.size(), history.ttl().toMillis());
        }
    }

    public void subscribe(String pattern, Subscriber subscriber) {
        tree.add(pattern, subscriber);
    }

    public void unsubscribe(String pattern, Subscriber subscriber) {
        tree.remove(pattern, subscriber);
    }

    /**
     * Observes subscription interest: {@code listener} is told of every (pattern, subscriber) subscription
     * added or removed, starting with those that exist now; see {@link TopicTree.Listener} for the rules
     * (called under the tree's lock on the subscribing thread, often an event loop: never block). Used by
     * bridges that pull from an upstream broker only what someone here listens to.
     */
    public void addInterestListener(TopicTree.Listener<? super Subscriber> listener) {
        tree.addListener(listener);
    }

    public void removeInterestListener(TopicTree.Listener<? super Subscriber> listener) {
        tree.removeListener(listener);
    }

    /** Number of (pattern, connection) subscriptions. */
    public int subscriptions() {
        return tree.size();
    }

    public HistoryConfig historyConfig() {
        return history;
    }

    /** The active children of {@code prefix} (a valid pattern, or {@code ""} for the root); lock-free. */
    public TopicIndex index(String prefix, int limit) {
        return tree.index(prefix, limit);
    }

    /** Publishes to a valid concrete topic and returns the offset it was given. Callable from any thread. */
    public long publish(String topic, Payload data) {
        TopicState state = topics.computeIfAbsent(topic, TopicState::new);
        state.lock.lock();
        try {
            long offset = ++state.lastOffset;
            if (state.retained != null) {
                state.retained.append(new TopicHistory.Entry(offset, System.currentTimeMillis(), data), System.currentTimeMillis());
            }
            Map<Subscriber, Boolean> receivers = new IdentityHashMap<>();
            tree.match(topic, s -> receivers.put(s, Boolean.TRUE));
            if (!receivers.isEmpty()) {
                Frame.Msg msg = new Frame.Msg(topic, offset, state.epoch, data);
                dispatch(receivers.keySet(), Unpooled.wrappedBuffer(FrameCodec.encode(msg)), FrameCodec.isBinary(msg), state.lossy);
            }
            return offset;
        } finally {
            state.lock.unlock();
        }
    }

    /** The current position of a topic. */
    public Position position(String topic) {
        TopicState state = topics.get(topic);
        if (state == null) {
            return new Position(topic, null, 0);
        }
        state.lock.lock();
        try {
            return new Position(topic, state.epoch, state.lastOffset);
        } finally {
            state.lock.unlock();
        }
    }

    /**
     * Subscribes and, for each position in {@code since}, collects what the subscriber missed, atomically with the
     * subscription: a publication is either in the replay or delivered live, never both and never neither. The
     * caller must send the replays before it returns to its event loop (live deliveries are queued behind).
     * A topic is not recovered when its epoch changed, when offsets it needs were already dropped, or when more
     * than {@code history.max-recovery} publications are missing.
     */
    public List<Recovery> subscribe(String pattern, Subscriber subscriber, List<Frame.Position> since) {
        // Lock every topic involved, in name order (publishers only ever hold one lock: no deadlock), so that no
        // publication on them can slip between the snapshot of history and the subscription.
        java.util.TreeMap<String, TopicState> states = new java.util.TreeMap<>();
        for (Frame.Position p : since) {
            states.computeIfAbsent(p.topic(), t -> topics.computeIfAbsent(t, TopicState::new));
        }
        List<TopicState> locked = new ArrayList<>(states.size());
        try {
            for (TopicState s : states.values()) {
                s.lock.lock();
                locked.add(s);
            }
            tree.add(pattern, subscriber);
            List<Recovery> out = new ArrayList<>(since.size());
            for (Frame.Position p : since) {
                out.add(recover(p, states.get(p.topic())));
            }
            return out;
        } finally {
            for (TopicState s : locked) {
                s.lock.unlock();
            }
        }
    }

    private Recovery recover(Frame.Position p, TopicState s) {
        long next = s.lastOffset + 1;
        if (s.retained != null) {
            s.retained.expire(System.currentTimeMillis());
        }
        long first = s.retained == null ? next : s.retained.firstOffset(next);
        boolean sameEpoch = p.offset() == 0 || s.epoch.equals(p.epoch());
        long missing = s.lastOffset - p.offset();
        boolean ok = sameEpoch && p.offset() <= s.lastOffset && p.offset() + 1 >= first && missing <= history.maxRecovery();
        if (!ok || missing == 0) {
            return new Recovery(p.topic(), ok, s.epoch, s.lastOffset, List.of());
        }
        List<Frame.Msg> replay = new ArrayList<>((int) missing);
        for (TopicHistory.Entry e : s.retained.after(p.offset(), (int) missing)) {
            replay.add(new Frame.Msg(p.topic(), e.offset(), s.epoch, e.data()));
        }
        return new Recovery(p.topic(), true, s.epoch, s.lastOffset, replay);
    }

    /**
     * Reads retained history: offsets greater than {@code after} oldest first, or, when {@code reverse}, offsets
     * less than {@code before} (0: the latest) newest first; at most {@code limit}.
     */
    public HistoryPage history(String topic, long after, long before, int limit, boolean reverse) {
        TopicState s = topics.get(topic);
        if (s == null) {
            return new HistoryPage(topic, null, 0, 1, List.of(), List.of());
        }
        s.lock.lock();
        try {
            long next = s.lastOffset + 1;
            List<TopicHistory.Entry> entries;
            if (s.retained == null) {
                entries = List.of();
            } else {
                s.retained.expire(System.currentTimeMillis());
                entries = reverse ? s.retained.before(before == 0 ? next : before, limit) : s.retained.after(after, limit);
            }
            List<Frame.Msg> items = new ArrayList<>(entries.size());
            List<Long> times = new ArrayList<>(entries.size());
            for (TopicHistory.Entry e : entries) {
                items.add(new Frame.Msg(topic, e.offset(), s.epoch, e.data()));
                times.add(e.timeMillis());
            }
            long first = s.retained == null ? next : s.retained.firstOffset(next);
            return new HistoryPage(topic, s.epoch, s.lastOffset, first, items, times);
        } finally {
            s.lock.unlock();
        }
    }

    private static void dispatch(Iterable<Subscriber> receivers, ByteBuf encoded, boolean binary, boolean lossy) {
        Map<EventExecutor, List<Subscriber>> byLoop = new HashMap<>();
        for (Subscriber s : receivers) {
            byLoop.computeIfAbsent(s.executor(), e -> new ArrayList<>()).add(s);
        }
        try {
            for (Map.Entry<EventExecutor, List<Subscriber>> e : byLoop.entrySet()) {
                ByteBuf shared = encoded.retainedDuplicate();
                List<Subscriber> group = e.getValue();
                try {
                    e.getKey().execute(() -> deliver(group, shared, binary, lossy));
                } catch (RuntimeException rejected) {
                    shared.release(); // the event loop is shutting down: its connections are going away
                }
            }
        } finally {
            encoded.release();
        }
    }

    private static void deliver(List<Subscriber> group, ByteBuf shared, boolean binary, boolean lossy) {
        try {
            for (Subscriber s : group) {
                s.deliver(shared.retainedDuplicate(), binary, lossy);
            }
        } finally {
            shared.release();
        }
    }
}
