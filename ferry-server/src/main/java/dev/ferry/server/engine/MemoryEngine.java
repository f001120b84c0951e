package dev.ferry.server.engine;

import dev.ferry.protocol.Frame;
import dev.ferry.protocol.Payload;
import dev.ferry.protocol.Topics;
import dev.ferry.server.config.EngineConfig;
import dev.ferry.server.config.HistoryConfig;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The engine of a single node: offsets, epochs and history in memory. Every stage it returns is already
 * complete.
 *
 * <p>Each topic has an epoch, a random token fixed when the engine first sees the topic, so a restart (which
 * loses the history) changes it. A publication is given its offset, appended to history and handed to the fanout
 * under the topic's lock, so the fanout sees a topic's publications in offset order whichever threads publish,
 * and a {@link #read} under the same lock is a consistent snapshot. Thread-safe.
 *
 * <p><b>Freeing.</b> A topic is held only while something needs it: {@link #expire()} (run on a timer, off the
 * event loops) drops the expired publications of every topic and frees a topic with no retained publication
 * left (or no history at all), no state document and no local subscriber of a matching pattern
 * ({@link Fanout#hasSubscribers}). A freed topic published to again starts over with a new epoch at offset 1, so
 * a client recovering with the old epoch is told {@code recovered: false}, never replayed the wrong
 * publications. At most {@code maxTopics} topics are held at once; a publication or state write that would
 * create one more fails with {@link TooManyTopicsException} and publishes nothing.
 */
public final class MemoryEngine implements Engine, StateStore {
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    /** Heap bytes per topic the default topic limit allows for: a topic with a few tiny publications needs ~0.5 KB. */
    static final long HEAP_PER_TOPIC = 2048;

    private final ConcurrentHashMap<String, TopicState> topics = new ConcurrentHashMap<>();
    /** Read as a topic is made; a reload replaces it ({@link #reloadHistory}). */
    private volatile HistoryConfig history;
    /** Read as a topic is made; a reload replaces it ({@link #maxTopics(int)}). */
    private volatile int maxTopics;
    private final Clock clock;
    /** Topics held, counted before they are added so that the limit is never exceeded. */
    private final AtomicInteger held = new AtomicInteger();
    private final LongAdder refused = new LongAdder();
    private final LongAdder freed = new LongAdder();
    /** Publication ids of the node, kept apart from the topics so that freeing a topic keeps its retries safe. */
    private final RecentPubIds pubIds;
    private volatile Fanout fanout;

    /** An engine with the default topic limit ({@link #defaultMaxTopics()}) and the system clock. */
    public MemoryEngine(HistoryConfig history) {
        this(history, 0, Clock.systemUTC());
    }

    /**
     * An engine holding at most {@code maxTopics} topics (0: {@link #defaultMaxTopics()}), stamping and expiring
     * publications by {@code clock}, with the default publication-id window.
     */
    public MemoryEngine(HistoryConfig history, int maxTopics, Clock clock) {
        this(history, maxTopics, clock,
                new RecentPubIds(EngineConfig.DEFAULT.dedupWindow(), EngineConfig.DEFAULT.dedupMaxIds()));
    }

    /** As {@link #MemoryEngine(HistoryConfig, int, Clock)}, recognising retried publications by the ids {@code pubIds} remembers. */
    public MemoryEngine(HistoryConfig history, int maxTopics, Clock clock, RecentPubIds pubIds) {
        if (maxTopics < 0) {
            throw new IllegalArgumentException("maxTopics: " + maxTopics + " (expected: >= 0)");
        }
        this.history = history;
        this.maxTopics = maxTopics == 0 ? defaultMaxTopics() : maxTopics;
        this.clock = clock;
        this.pubIds = pubIds;
    }

    /** The topic limit when none is configured: one topic per {@value #HEAP_PER_TOPIC} bytes of the maximum heap. */
    public static int defaultMaxTopics() {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, Runtime.getRuntime().maxMemory() / HEAP_PER_TOPIC));
    }

    /** Per-topic publication state, guarded by {@link #lock}. */
    private final class TopicState {
        final ReentrantLock lock = new ReentrantLock();
        final String topic;
        final String epoch = Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);
        // guarded by lock: a reload may change them (reloadHistory)
        boolean lossy;
        TopicHistory retained;
        long lastOffset;
        /** The state channel document (compact JSON), or null when the topic is not one (or was never written). */
        byte[] document;
        /** Removed from {@link #topics}: whoever locks it afterwards looks the topic up again. */
        boolean freed;

        TopicState(String topic) {
            this.topic = topic;
            lossy = history.lossyTopics().stream().anyMatch(p -> Topics.matches(p, topic));
            HistoryConfig.Limits limits = history.limitsFor(topic);
            retained = lossy || limits.size() == 0 ? null : new TopicHistory(limits.size(), limits.ttl().toMillis());
        }
    }

    @Override
    public boolean reloadsHistory() {
        return true;
    }

    /**
     * Takes {@code next} for the topics made from now on, and for those held: a topic that becomes lossy drops its
     * history; one that stops being lossy, or whose history size or age changes, keeps what it retains within the
     * new limits (a topic that had none starts retaining now).
     */
    @Override
    public void reloadHistory(HistoryConfig next) {
        this.history = next;
        for (TopicState s : topics.values()) {
            s.lock.lock();
            try {
                if (s.freed) {
                    continue;
                }
                boolean lossy = next.lossyTopics().stream().anyMatch(p -> Topics.matches(p, s.topic));
                HistoryConfig.Limits limits = next.limitsFor(s.topic);
                s.lossy = lossy;
                if (lossy || limits.size() == 0) {
                    s.retained = null;
                } else if (s.retained == null || !s.retained.hasLimits(limits.size(), limits.ttl().toMillis())) {
                    TopicHistory kept = new TopicHistory(limits.size(), limits.ttl().toMillis());
                    if (s.retained != null) {
                        s.retained.copyTo(kept, clock.millis());
                    }
                    s.retained = kept;
                }
            } finally {
                s.lock.unlock();
            }
        }
    }

    @Override
    public void start(Fanout fanout, NodeCalls calls) {
        this.fanout = fanout;
    }

    @Override
    public String name() {
        return "memory";
    }

    @Override
    public CompletionStage<Published> publish(String topic, Payload data, java.util.Map<String, String> tags, String pubId) {
        TopicState state = lock(topic, true);
        if (state == null) {
            return CompletableFuture.failedFuture(new TooManyTopicsException(maxTopics));
        }
        try {
            if (state.document != null) {
                return CompletableFuture.failedFuture(new StateTopicException(topic));
            }
            if (pubId == null) {
                return CompletableFuture.completedFuture(new Published(state.epoch, append(topic, state, data, tags)));
            }
            // under the topic's lock: a retry racing its original sees it made, or makes it itself
            Published earlier = pubIds.get(topic, pubId);
            if (earlier != null) {
                return CompletableFuture.completedFuture(earlier);
            }
            pubIds.checkRoom();
            Published made = new Published(state.epoch, append(topic, state, data, tags));
            pubIds.put(topic, pubId, made);
            return CompletableFuture.completedFuture(made);
        } catch (PubIdsFullException e) {
            return CompletableFuture.failedFuture(e);
        } finally {
            state.lock.unlock();
        }
    }

    /** Gives {@code data} the topic's next offset, retains it and hands it to the fanout; under the topic's lock. */
    private long append(String topic, TopicState state, Payload data, java.util.Map<String, String> tags) {
        long offset = ++state.lastOffset;
        long now = clock.millis();
        if (state.retained != null) {
            state.retained.append(new TopicHistory.Entry(offset, now, data, tags), now);
        }
        fanout.publication(new Frame.Msg(topic, offset, state.epoch, data, tags), state.lossy);
        return offset;
    }

    @Override
    public StateStore stateStore() {
        return this;
    }

    @Override
    public CompletionStage<Document> readState(String topic) {
        TopicState s = lock(topic, false);
        if (s == null) {
            return CompletableFuture.completedFuture(new Document(topic, null, 0, null));
        }
        try {
            return CompletableFuture.completedFuture(new Document(topic, s.epoch, s.lastOffset, s.document));
        } finally {
            s.lock.unlock();
        }
    }

    @Override
    public CompletionStage<Commit> commitState(String topic, String epoch, long version, byte[] json, Payload patch) {
        TopicState state = lock(topic, true);
        if (state == null) {
            return CompletableFuture.failedFuture(new TooManyTopicsException(maxTopics));
        }
        try {
            boolean same = epoch == null ? state.lastOffset == 0 : epoch.equals(state.epoch);
            if (!same || state.lastOffset != version) {
                return CompletableFuture.completedFuture(new Commit(false, state.epoch, state.lastOffset));
            }
            state.document = json;
            return CompletableFuture.completedFuture(new Commit(true, state.epoch, append(topic, state, patch, java.util.Map.of())));
        } finally {
            state.lock.unlock();
        }
    }

    @Override
    public CompletionStage<Void> addInterest(String pattern) {
        return DONE;
    }

    @Override
    public void removeInterest(String pattern) {
        // every publication reaches the fanout, which matches it against local subscriptions
    }

    /**
     * Frees the topic as {@link #expire} does, whether or not it has subscribers: the next publication makes it
     * again with a new epoch at offset 1.
     */
    @Override
    public CompletionStage<Long> clearHistory(String topic) {
        TopicState s = lock(topic, false);
        if (s == null) {
            return CompletableFuture.completedFuture(0L);
        }
        try {
            if (s.document != null) {
                return CompletableFuture.failedFuture(new StateTopicException(topic));
            }
            long next = s.lastOffset + 1;
            long held = s.retained == null ? 0 : next - s.retained.firstOffset(next);
            s.freed = true;
            topics.remove(topic, s);
            this.held.decrementAndGet();
            freed.increment();
            return CompletableFuture.completedFuture(held);
        } finally {
            s.lock.unlock();
        }
    }

    @Override
    public CompletionStage<TopicSnapshot> read(String topic, long after, long before, int limit, boolean reverse) {
        TopicState s = lock(topic, false);
        if (s == null) {
            return CompletableFuture.completedFuture(TopicSnapshot.empty(topic));
        }
        try {
            long next = s.lastOffset + 1;
            List<TopicHistory.Entry> entries;
            if (s.retained == null || limit == 0) {
                entries = List.of();
            } else {
                s.retained.expire(clock.millis());
                entries = reverse ? s.retained.before(before == 0 ? next : before, limit) : s.retained.after(after, limit);
            }
            List<Frame.Msg> items = new ArrayList<>(entries.size());
            List<Long> times = new ArrayList<>(entries.size());
            for (TopicHistory.Entry e : entries) {
                items.add(new Frame.Msg(topic, e.offset(), s.epoch, e.data(), e.tags()));
                times.add(e.timeMillis());
            }
            if (s.retained != null && limit == 0) {
                s.retained.expire(clock.millis());
            }
            long first = s.retained == null ? next : s.retained.firstOffset(next);
            return CompletableFuture.completedFuture(new TopicSnapshot(topic, s.epoch, s.lastOffset, first, items, times));
        } finally {
            s.lock.unlock();
        }
    }

    /**
     * The topic's state, locked by the caller's thread; created when {@code create} and the topic is not held.
     * Null when it is not held (and not {@code create}), or when creating it would exceed the topic limit.
     */
    private TopicState lock(String topic, boolean create) {
        while (true) {
            TopicState s = topics.get(topic);
            if (s == null) {
                if (!create) {
                    return null;
                }
                if (held.incrementAndGet() > maxTopics) {
                    held.decrementAndGet();
                    refused.increment();
                    return null;
                }
                TopicState made = new TopicState(topic);
                s = topics.putIfAbsent(topic, made);
                if (s == null) {
                    s = made;
                } else {
                    held.decrementAndGet(); // another thread made it first
                }
            }
            s.lock.lock();
            if (!s.freed) {
                return s;
            }
            s.lock.unlock(); // freed between the look-up and the lock: look again
        }
    }

    /**
     * Drops every topic's expired publications and frees the topics nothing needs any more (see the class
     * comment). A topic busy at this moment is left for the next run. Returns how many topics were freed. Called
     * by the server's housekeeping timer; it takes time in proportion to the topics held, so never on an event loop.
     */
    @Override
    public int expire() {
        Fanout f = fanout;
        long now = clock.millis();
        int count = 0;
        for (TopicState s : topics.values()) {
            if (!s.lock.tryLock()) {
                continue;
            }
            try {
                boolean retains = s.retained != null && s.retained.expire(now);
                if (s.freed || retains || s.document != null || (f != null && f.hasSubscribers(s.topic))) {
                    continue;
                }
                s.freed = true;
                topics.remove(s.topic, s);
                held.decrementAndGet();
                count++;
            } finally {
                s.lock.unlock();
            }
        }
        freed.add(count);
        return count;
    }

    /** Topics held now. */
    public int topics() {
        return held.get();
    }

    /** The most topics held at once ({@code limits.max-topics}, or the default derived from the heap). */
    public int maxTopics() {
        return maxTopics;
    }

    /**
     * A reload: at most {@code next} topics (0: {@link #defaultMaxTopics()}) from the next topic made on; a lowered
     * limit below the topics held frees none (they go as they are freed), it refuses new ones until below it.
     */
    public void maxTopics(int next) {
        if (next < 0) {
            throw new IllegalArgumentException("maxTopics: " + next + " (expected: >= 0)");
        }
        this.maxTopics = next == 0 ? defaultMaxTopics() : next;
    }

    /** Publications and state writes refused since start because the topic limit was reached. */
    public long topicsRefused() {
        return refused.sum();
    }

    /** Topics freed since start. */
    public long topicsFreed() {
        return freed.sum();
    }

    @Override
    public boolean ready() {
        return true;
    }

    @Override
    public void close() {
        topics.clear();
        held.set(0);
    }
}
