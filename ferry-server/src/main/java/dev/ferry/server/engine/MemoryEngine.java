package dev.ferry.server.engine;

import dev.ferry.protocol.Frame;
import dev.ferry.protocol.Payload;
import dev.ferry.protocol.Topics;
import dev.ferry.server.config.EngineConfig;
import dev.ferry.server.config.HistoryConfig;
import dev.ferry.server.rpc.Rpc;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The engine of a single node: offsets, epochs and history in memory. Every stage it returns is already
 * complete.
 *
 * <p>Each topic has an epoch, a random token fixed when the engine first sees the topic, so a restart (which
 * loses the history) changes it. A publication is given its offset, appended to history and handed to the fanout
 * under the topic's lock, so the fanout sees a topic's publications in offset order whichever threads publish,
 * and a {@link #read} under the same lock is a consistent snapshot. Thread-safe.
 */
public final class MemoryEngine implements Engine, StateStore {
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final ConcurrentHashMap<String, TopicState> topics = new ConcurrentHashMap<>();
    private final HistoryConfig history;
    private final RecentPubIds pubIds;
    private volatile Fanout fanout;

    public MemoryEngine(HistoryConfig history) {
        this(history, new RecentPubIds(EngineConfig.DEFAULT.dedupWindow(), EngineConfig.DEFAULT.dedupMaxIds()));
    }

    /** An engine that recognises retried publications by the ids {@code pubIds} remembers. */
    public MemoryEngine(HistoryConfig history, RecentPubIds pubIds) {
        this.history = history;
        this.pubIds = pubIds;
    }

    /** Per-topic publication state, guarded by {@link #lock}. */
    private final class TopicState {
        final ReentrantLock lock = new ReentrantLock();
        final String epoch = Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);
        final boolean lossy;
        final TopicHistory retained;
        long lastOffset;
        /** The state channel document (compact JSON), or null when the topic is not one (or was never written). */
        byte[] document;

        TopicState(String topic) {
            lossy = history.lossyTopics().stream().anyMatch(p -> Topics.matches(p, topic));
            HistoryConfig.Limits limits = history.limitsFor(topic);
            retained = lossy || limits.size() == 0 ? null : new TopicHistory(limits.size(), limits.ttl().toMillis());
        }
    }

    @Override
    public void start(Fanout fanout, Rpc rpc) {
        this.fanout = fanout;
    }

    @Override
    public String name() {
        return "memory";
    }

    @Override
    public CompletionStage<Published> publish(String topic, Payload data, java.util.Map<String, String> tags, String pubId) {
        TopicState state = topics.computeIfAbsent(topic, TopicState::new);
        state.lock.lock();
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
        long now = System.currentTimeMillis();
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
        TopicState s = topics.get(topic);
        if (s == null) {
            return CompletableFuture.completedFuture(new Document(topic, null, 0, null));
        }
        s.lock.lock();
        try {
            return CompletableFuture.completedFuture(new Document(topic, s.epoch, s.lastOffset, s.document));
        } finally {
            s.lock.unlock();
        }
    }

    @Override
    public CompletionStage<Commit> commitState(String topic, String epoch, long version, byte[] json, Payload patch) {
        TopicState state = topics.computeIfAbsent(topic, TopicState::new);
        state.lock.lock();
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

    @Override
    public CompletionStage<TopicSnapshot> read(String topic, long after, long before, int limit, boolean reverse) {
        TopicState s = topics.get(topic);
        if (s == null) {
            return CompletableFuture.completedFuture(TopicSnapshot.empty(topic));
        }
        s.lock.lock();
        try {
            long next = s.lastOffset + 1;
            List<TopicHistory.Entry> entries;
            if (s.retained == null || limit == 0) {
                entries = List.of();
            } else {
                s.retained.expire(System.currentTimeMillis());
                entries = reverse ? s.retained.before(before == 0 ? next : before, limit) : s.retained.after(after, limit);
            }
            List<Frame.Msg> items = new ArrayList<>(entries.size());
            List<Long> times = new ArrayList<>(entries.size());
            for (TopicHistory.Entry e : entries) {
                items.add(new Frame.Msg(topic, e.offset(), s.epoch, e.data(), e.tags()));
                times.add(e.timeMillis());
            }
            if (s.retained != null && limit == 0) {
                s.retained.expire(System.currentTimeMillis());
            }
            long first = s.retained == null ? next : s.retained.firstOffset(next);
            return CompletableFuture.completedFuture(new TopicSnapshot(topic, s.epoch, s.lastOffset, first, items, times));
        } finally {
            s.lock.unlock();
        }
    }

    @Override
    public boolean ready() {
        return true;
    }

    @Override
    public void close() {
        topics.clear();
    }
}
