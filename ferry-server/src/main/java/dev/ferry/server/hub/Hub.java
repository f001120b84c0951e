package dev.ferry.server.hub;

import dev.ferry.protocol.Frame;
import dev.ferry.protocol.FrameCodec;
import dev.ferry.protocol.Payload;
import dev.ferry.protocol.Topics;
import dev.ferry.server.config.HistoryConfig;
import dev.ferry.server.engine.Engine;
import dev.ferry.server.engine.Fanout;
import dev.ferry.server.engine.MemoryEngine;
import dev.ferry.server.engine.TopicSnapshot;
import dev.ferry.server.filter.Filter;
import dev.ferry.server.filter.FilterInput;
import dev.ferry.server.loop.Handoff;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * The node's hub: who is subscribed to what on this node, and the fan-out of publications to them. Offsets,
 * epochs, history and the way between nodes belong to the {@link Engine}; the hub hands it publications and
 * receives, through {@link Fanout}, every publication this node has an interest in.
 *
 * <p>A publication is encoded once into one buffer; every receiving connection gets a retained duplicate of it
 * on its own event loop, one task per event loop per publication. The engine hands a topic's publications over
 * in offset order from one thread at a time and each event loop runs its tasks in order, so every subscriber
 * sees a topic's publications in offset order.
 *
 * <p><b>The seam between replay and live.</b> A subscription with positions is made in three steps: the
 * subscriber is put behind a <em>gate</em> for the pattern and added to the tree (so live publications are
 * buffered from now on), the engine's interest is made active, and each listed topic is read in one snapshot.
 * Then, on the subscriber's event loop, the replay is the snapshot's publications followed by the buffered ones
 * that are newer, and a <em>watermark</em> per topic drops any live publication the replay already covered
 * (a remote engine may hand over a publication after a snapshot that already contains it). No publication can
 * fall between the snapshot and the buffer, and none is sent twice. Thread-safe; the gate state of a subscriber
 * is confined to its event loop.
 */
public final class Hub implements Fanout {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Hub.class);
    private final java.util.concurrent.atomic.LongAdder publications = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder deliveries = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder filteredOut = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder payloadParses = new java.util.concurrent.atomic.LongAdder();
    private final TopicTree<Subscriber> tree = new TopicTree<>();
    /** Read at each recovery; a reload replaces it ({@link #reloadHistory}). */
    private volatile HistoryConfig history;
    private final Engine engine;
    /** Live publications to other event loops: one task per loop per run of the publishing loop. */
    private final Handoff handoff = new Handoff();
    /** Local subscribers per pattern; the engine's interest is held while a pattern has any. Guarded by itself. */
    private final Map<String, Interest> interests = new HashMap<>();
    /** Gates and watermarks of subscribers that are recovering or have just recovered. */
    private final ConcurrentHashMap<Subscriber, Gates> gates = new ConcurrentHashMap<>();
    /** Every subscriber with at least one pattern, with how many. Guarded by {@link #interests}. */
    private final Map<Subscriber, Integer> subscribers = new IdentityHashMap<>();
    /** The filters of every subscriber's patterns (see {@link SubscriberFilters}). */
    private final ConcurrentHashMap<Subscriber, SubscriberFilters> filters = new ConcurrentHashMap<>();
    /** Topics that are state channels by configuration: plain publications to them are refused. */
    private volatile java.util.function.Predicate<String> stateTopics = t -> false;
    /** How many subscribers hold at least one filtered pattern: while 0, fan-out evaluates nothing. */
    private final java.util.concurrent.atomic.AtomicInteger filtered = new java.util.concurrent.atomic.AtomicInteger();

    /** Publications made through this node per topic (docs/http-api.md, {@code GET /v1/admin/topics}). */
    private volatile TopicRates topicRates = new TopicRates(dev.ferry.server.time.ServerClock.system());

    /** A hub over the in-memory engine, with the default history settings. */
    public Hub() {
        this(HistoryConfig.DEFAULT);
    }

    /** A hub over the in-memory engine. */
    public Hub(HistoryConfig history) {
        this(history, new MemoryEngine(history));
        engine.start(this, null);
    }

    /** A hub over {@code engine}, which the caller starts with this hub as its fanout. */
    public Hub(HistoryConfig history, Engine engine) {
        this.history = history;
        this.engine = engine;
    }

    /** Where a topic stands: its epoch and last offset (0 and no epoch for a topic never published to). */
    public record Position(String topic, String epoch, long offset) {
    }

    /** The outcome of recovering one topic for a subscription; the replay itself is delivered by the hub. */
    public record Recovery(String topic, boolean recovered, String epoch, long offset) {
    }

    /** A page of history, oldest first (or newest first when reverse). */
    public record HistoryPage(String topic, String epoch, long offset, long first, List<Frame.Msg> items,
                              List<Long> timesMillis) {
    }

    private static final class Interest {
        int count;
        CompletionStage<Void> active;
    }

    public Engine engine() {
        return engine;
    }

    /** Publications fanned out on this node since start. */
    public long publications() {
        return publications.sum();
    }

    /** Deliveries handed to subscribers' queues since start (one per receiving connection per publication). */
    public long deliveries() {
        return deliveries.sum();
    }

    /** Live deliveries not made because no filter of the receiving connection accepted the publication. */
    public long filteredOut() {
        return filteredOut.sum();
    }

    /** Payloads parsed for filters of live publications (at most one per publication). */
    public long payloadParses() {
        return payloadParses.sum();
    }

    /**
     * The active children of {@code prefix} (a valid pattern, or {@code ""} for the root): over the whole cluster
     * when the engine gathers it (a few seconds old at most), else from this node's tree (lock-free).
     */
    public TopicIndex index(String prefix, int limit) {
        java.util.Map<String, Integer> cluster = engine.clusterPatternCounts();
        return cluster == null ? tree.index(prefix, limit) : TopicIndex.of(cluster, prefix, limit);
    }

    /**
     * The index at {@code prefix} as one asker may see it: only the patterns {@code shows} accepts (those the asker
     * may subscribe to, docs/security.md) are listed or counted, so names and counts of the others never show, not
     * even in a parent's {@code total}. {@code mayShowBelow} says whether anything at or below a pattern can be
     * shown (true when unsure): the walk skips the branches it rules out. When the asker may subscribe to all of
     * {@code prefix} and below it, this is {@link #index(String, int)}.
     */
    public TopicIndex index(String prefix, int limit, java.util.function.Predicate<String> shows,
            java.util.function.Predicate<String> mayShowBelow) {
        if (shows.test(prefix.isEmpty() ? Topics.ANY_WORDS : prefix + "." + Topics.ANY_WORDS)
                && (prefix.isEmpty() || shows.test(prefix))) {
            return index(prefix, limit);
        }
        java.util.Map<String, Integer> cluster = engine.clusterPatternCounts();
        java.util.Map<String, Integer> counts = cluster != null ? cluster : tree.patternCounts(prefix, mayShowBelow);
        java.util.Map<String, Integer> shown = new java.util.HashMap<>();
        counts.forEach((pattern, n) -> {
            if (shows.test(pattern)) {
                shown.put(pattern, n);
            }
        });
        return TopicIndex.of(shown, prefix, limit);
    }

    @Override
    public boolean hasSubscribers(String topic) {
        return tree.matches(topic);
    }

    @Override
    public java.util.Map<String, Integer> patternCounts() {
        return tree.patternCounts();
    }

    /**
     * Takes the history settings of {@code next} ({@code history.max-recovery} here, the rest in the engine), when
     * the engine {@link Engine#reloadsHistory() reloads history}; returns whether it did.
     */
    public boolean reloadHistory(HistoryConfig next) {
        if (!engine.reloadsHistory()) {
            return false;
        }
        engine.reloadHistory(next);
        this.history = next;
        return true;
    }

    public HistoryConfig historyConfig() {
        return history;
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

    // ------------------------------------------------------------ subscriptions

    /** Subscribes without waiting for the engine; publications flow once its interest is active. */
    public void subscribe(String pattern, Subscriber subscriber) {
        setFilter(pattern, subscriber, null);
        add(pattern, subscriber);
    }

    /** As {@link #subscribe(String, Subscriber, List, BiConsumer)}, without a filter. */
    public void subscribe(String pattern, Subscriber subscriber, List<Frame.Position> since,
                          BiConsumer<List<Recovery>, Throwable> then) {
        subscribe(pattern, subscriber, since, null, then);
    }

    /**
     * Subscribes and recovers. Call on the subscriber's event loop; {@code then} is called there too, with one
     * {@link Recovery} per position in {@code since}, or, for a concrete topic without positions, one giving the
     * topic's position (then {@code recovered} means nothing), or none for a pattern without positions; or with
     * the engine's failure (the subscription is then undone unless it was held before). Right after {@code then}
     * returns, the hub delivers the replay, and live publications follow with no gap and no duplicate.
     *
     * <p>With a {@code filter} (null: none), publications and replays reach the subscriber only when the filter
     * of at least one of its patterns that matches the topic accepts them (an unfiltered pattern accepts all).
     * Subscribing again to a pattern held replaces its filter.
     */
    public void subscribe(String pattern, Subscriber subscriber, List<Frame.Position> since, Filter filter,
                          BiConsumer<List<Recovery>, Throwable> then) {
        EventExecutor loop = subscriber.executor();
        assert loop.inEventLoop();
        setFilter(pattern, subscriber, filter);
        boolean positionOnly = since.isEmpty() && !Topics.hasWildcard(pattern);
        if (since.isEmpty() && !positionOnly) {
            CompletionStage<Void> active = add(pattern, subscriber);
            active.whenComplete((v, e) -> onLoop(loop, () -> {
                if (e != null) {
                    remove(pattern, subscriber);
                }
                then.accept(e == null ? List.of() : null, e);
            }));
            return;
        }
        Gate gate = new Gate(pattern, since);
        gates.computeIfAbsent(subscriber, s -> new Gates()).await(gate);
        boolean held = !tree.add(pattern, subscriber);
        CompletionStage<Void> active = held ? interestOf(pattern) : counted(pattern, subscriber);
        List<String> topics = positionOnly ? List.of(pattern) : since.stream().map(Frame.Position::topic).toList();
        int limit = positionOnly ? 0 : history.maxRecovery();
        active.thenCompose(v -> {
            List<CompletableFuture<TopicSnapshot>> reads = new ArrayList<>(topics.size());
            for (int i = 0; i < topics.size(); i++) {
                long after = positionOnly ? 0 : since.get(i).offset();
                reads.add(engine.read(topics.get(i), after, 0, limit, false).toCompletableFuture());
            }
            return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
                    .thenApply(x -> reads.stream().map(CompletableFuture::join).toList());
        }).whenComplete((snapshots, e) -> onLoop(loop, () -> open(subscriber, gate, held, positionOnly, snapshots, e, then)));
    }

    /** Resolves a gate on the subscriber's event loop: answer, then replay, then live. */
    private void open(Subscriber subscriber, Gate gate, boolean held, boolean positionOnly, List<TopicSnapshot> snapshots,
                      Throwable failure, BiConsumer<List<Recovery>, Throwable> then) {
        Gates g = gates.get(subscriber);
        if (g != null) {
            g.pending.remove(gate);
        }
        if (gate.cancelled) {
            forgetIfIdle(subscriber, g);
            then.accept(null, new java.util.concurrent.CancellationException("unsubscribed while subscribing"));
            return;
        }
        if (failure != null) {
            if (!held) {
                remove(gate.pattern, subscriber);
            } else {
                gate.buffered.forEach(m -> deliver(subscriber, m, false));
            }
            forgetIfIdle(subscriber, g);
            then.accept(null, failure);
            return;
        }
        boolean[] answered = {false};
        try {
            recover(subscriber, gate, g, positionOnly, snapshots, then, answered);
        } catch (RuntimeException e) {
            // A fault of the hub itself: the subscriber is never left waiting on a replay that stopped half-way.
            failedToOpen(subscriber, gate, held, answered[0], then, e);
        }
    }

    /**
     * The replay of an opened gate: answers {@code then} (setting {@code answered[0]} first), then delivers the
     * snapshots' publications and the buffered ones they do not cover. Topics of the pattern that {@code since}
     * does not list are followed live only: their buffered publications are delivered as they came, unchecked.
     */
    private void recover(Subscriber subscriber, Gate gate, Gates g, boolean positionOnly, List<TopicSnapshot> snapshots,
                         BiConsumer<List<Recovery>, Throwable> then, boolean[] answered) {
        List<Recovery> out = new ArrayList<>(snapshots.size());
        List<Frame.Msg> replay = new ArrayList<>();
        Map<String, Watermark> marks = new HashMap<>();
        Map<String, Paging> pages = new HashMap<>();
        for (int i = 0; i < snapshots.size(); i++) {
            TopicSnapshot s = snapshots.get(i);
            if (positionOnly) {
                out.add(new Recovery(s.topic(), true, s.epoch(), s.offset()));
                marks.put(s.topic(), new Watermark(s.epoch(), s.offset()));
                continue;
            }
            Frame.Position p = gate.since.get(i);
            boolean sameEpoch = p.offset() == 0 || (s.epoch() != null && s.epoch().equals(p.epoch()));
            long missing = s.offset() - p.offset();
            boolean retained = sameEpoch && p.offset() <= s.offset() && p.offset() + 1 >= s.first();
            boolean ok = retained && missing <= history.maxRecovery() && (missing == 0 || s.items().size() == missing);
            // a larger gap still retained: this first page now, the others once each is written (see Paging)
            boolean paged = retained && !ok && s.items().size() == history.maxRecovery()
                    && s.items().get(0).offset() == p.offset() + 1
                    && s.items().get(s.items().size() - 1).offset() == p.offset() + history.maxRecovery();
            out.add(new Recovery(s.topic(), ok || paged, s.epoch(), s.offset()));
            if (ok || paged) {
                replay.addAll(s.items());
            }
            if (paged) {
                pages.put(s.topic(), new Paging(s.epoch(), p.offset() + history.maxRecovery(), history.maxRecovery()));
            }
            marks.put(s.topic(), new Watermark(s.epoch(), s.offset()));
        }
        for (Frame.Msg m : gate.buffered) {
            Watermark w = marks.get(m.topic());
            if (w != null && w.covers(m)) {
                continue;
            }
            Paging paging = pages.get(m.topic());
            if (paging != null) {
                paging.live(m); // after the pages
                continue;
            }
            if (w != null) {
                marks.put(m.topic(), new Watermark(m.epoch(), m.offset()));
            }
            replay.add(m);
        }
        if (g != null || !marks.isEmpty()) {
            g = g != null ? g : gates.computeIfAbsent(subscriber, x -> new Gates());
            g.watch(new HashMap<>(marks), pages.isEmpty() ? java.util.Collections.emptyMap() : new HashMap<>(pages));
        }
        answered[0] = true;
        then.accept(out, null);
        Map<String, Frame.Msg> lastOfPage = new HashMap<>();
        for (Frame.Msg m : replay) {
            if (pages.containsKey(m.topic())) {
                lastOfPage.put(m.topic(), m);
            }
        }
        for (Frame.Msg m : replay) {
            if (lastOfPage.get(m.topic()) != m) {
                replay(subscriber, m, null);
                continue;
            }
            // a paged topic is listed in since, so it has a watermark: the snapshot's offset
            long snapshotOffset = marks.get(m.topic()).offset();
            replay(subscriber, m, () -> nextPage(subscriber, m.topic(), pages.get(m.topic()), snapshotOffset));
        }
    }

    /**
     * Opening a gate failed inside the hub ({@code e}). Before the answer, the subscription is undone (unless held
     * before) and {@code then} gets the failure, as for a failure of the engine. After it, the replay may have
     * stopped half-way: the subscriber is told it fell behind ({@link Subscriber#fellBehind}, 4001 for a ferry.v1
     * connection), so that its client recovers again from the last offset it received.
     */
    private void failedToOpen(Subscriber subscriber, Gate gate, boolean held, boolean answered,
                              BiConsumer<List<Recovery>, Throwable> then, Throwable e) {
        log.error("recovery of {} for {} failed", gate.pattern, subscriber, e);
        Gates g = gates.get(subscriber);
        if (g != null) {
            g.marks.keySet().removeIf(t -> Topics.matches(gate.pattern, t));
            g.pages.keySet().removeIf(t -> Topics.matches(gate.pattern, t));
            forgetIfIdle(subscriber, g);
        }
        if (answered) {
            subscriber.fellBehind();
            return;
        }
        if (!held) {
            remove(gate.pattern, subscriber);
        } else {
            gate.buffered.forEach(m -> deliver(subscriber, m, false)); // live for the pattern held before
        }
        then.accept(null, e);
    }

    /** Delivers one publication of a replay when the subscriber's filters accept it; then {@code written} (null: none). */
    private void replay(Subscriber s, Frame.Msg m, Runnable written) {
        SubscriberFilters f = filters.get(s);
        if (f == null || !f.any() || f.accepts(m.topic(), new FilterInput(m.data(), m.tags()))) {
            if (written == null) {
                deliver(s, m, false);
            } else {
                Delivery.once(m, Unpooled.wrappedBuffer(FrameCodec.encode(m)), FrameCodec.isBinary(m), false,
                        d -> s.deliver(d, written));
            }
        } else if (written != null) {
            onLoopLater(s.executor(), written); // not in this call: pages filtered out entirely must not nest
        }
    }

    /** Reads the next page of a paged recovery, once the previous one has been written; on the subscriber's loop. */
    private void nextPage(Subscriber subscriber, String topic, Paging paging, long snapshotOffset) {
        Gates g = gates.get(subscriber);
        if (g == null || g.pages.get(topic) != paging) {
            return; // unsubscribed, or given up
        }
        if (paging.epochChanged) {
            gaveUp(subscriber, g, topic);
            return;
        }
        if (paging.caughtUp(snapshotOffset)) {
            g.pages.remove(topic);
            Watermark w = g.marks.get(topic);
            for (Frame.Msg m : paging.live) {
                if (m.offset() > paging.last) {
                    replay(subscriber, m, null);
                    paging.last = m.offset();
                }
            }
            if (w != null && paging.last > w.offset()) {
                g.marks.put(topic, new Watermark(w.epoch(), paging.last));
            }
            forgetIfIdle(subscriber, g);
            return;
        }
        engine.read(topic, paging.last, 0, history.maxRecovery(), false).whenComplete((s, e) -> onLoop(subscriber.executor(), () -> {
            Gates now = gates.get(subscriber);
            if (now == null || now.pages.get(topic) != paging) {
                return;
            }
            if (e != null || s.items().isEmpty() || !paging.epoch.equals(s.epoch())
                    || s.items().get(0).offset() != paging.last + 1) {
                gaveUp(subscriber, now, topic); // history moved on under the recovery
                return;
            }
            List<Frame.Msg> items = s.items();
            paging.last = items.get(items.size() - 1).offset();
            for (int i = 0; i < items.size(); i++) {
                replay(subscriber, items.get(i), i < items.size() - 1 ? null
                        : () -> nextPage(subscriber, topic, paging, s.offset()));
            }
        }));
    }

    private void gaveUp(Subscriber subscriber, Gates g, String topic) {
        g.pages.remove(topic);
        forgetIfIdle(subscriber, g);
        subscriber.fellBehind();
    }

    public void unsubscribe(String pattern, Subscriber subscriber) {
        Gates g = gates.get(subscriber);
        if (g != null) {
            g.marks.keySet().removeIf(t -> Topics.matches(pattern, t));
            g.pages.keySet().removeIf(t -> Topics.matches(pattern, t));
            g.pending.stream().filter(p -> p.pattern.equals(pattern)).forEach(p -> p.cancelled = true);
            forgetIfIdle(subscriber, g);
        }
        remove(pattern, subscriber);
    }

    private CompletionStage<Void> add(String pattern, Subscriber subscriber) {
        return tree.add(pattern, subscriber) ? counted(pattern, subscriber) : interestOf(pattern);
    }

    /** Counts a subscriber newly in the tree under {@code pattern}; the first one takes the engine's interest. */
    private CompletionStage<Void> counted(String pattern, Subscriber subscriber) {
        synchronized (interests) {
            subscribers.merge(subscriber, 1, Integer::sum);
            Interest i = interests.computeIfAbsent(pattern, p -> new Interest());
            if (i.count++ == 0) {
                i.active = engine.addInterest(pattern);
            }
            return i.active;
        }
    }

    private CompletionStage<Void> interestOf(String pattern) {
        synchronized (interests) {
            Interest i = interests.get(pattern);
            return i == null ? CompletableFuture.completedFuture(null) : i.active;
        }
    }

    private void remove(String pattern, Subscriber subscriber) {
        if (!tree.remove(pattern, subscriber)) {
            return;
        }
        filters.computeIfPresent(subscriber, (s, f) -> counting(f, f.without(pattern)));
        synchronized (interests) {
            subscribers.computeIfPresent(subscriber, (s, n) -> n == 1 ? null : n - 1);
            Interest i = interests.get(pattern);
            if (i != null && --i.count == 0) {
                interests.remove(pattern);
                engine.removeInterest(pattern);
            }
        }
    }

    /** Subscribers whose publications are still checked against a pending gate, a page or a watermark (tests). */
    int gatedSubscribers() {
        return gates.size();
    }

    private void forgetIfIdle(Subscriber subscriber, Gates g) {
        if (g != null && g.pending.isEmpty() && g.marks.isEmpty() && g.pages.isEmpty()) {
            gates.remove(subscriber, g);
        }
    }

    // ------------------------------------------------------------ publishing and reading

    /** Publishes to a valid concrete topic; completes with the offset it was given. Callable from any thread. */
    public CompletionStage<Long> publish(String topic, Payload data) {
        if (stateTopics.test(topic)) {
            return CompletableFuture.failedFuture(new dev.ferry.server.engine.StateTopicException(topic));
        }
        topicRates.published(topic);
        return engine.publish(topic, data);
    }

    /** Publishes with tags (valid as checked by the protocol codec); see {@link Engine#publish(String, Payload, Map)}. */
    public CompletionStage<Long> publish(String topic, Payload data, Map<String, String> tags) {
        if (stateTopics.test(topic)) {
            return CompletableFuture.failedFuture(new dev.ferry.server.engine.StateTopicException(topic));
        }
        topicRates.published(topic);
        return engine.publish(topic, data, tags);
    }

    /**
     * Publishes with tags and a client's publication id (null: none); completes with the publication's epoch and
     * offset. See {@link Engine#publish(String, Payload, Map, String)}.
     */
    public CompletionStage<dev.ferry.server.engine.Published> publish(String topic, Payload data, Map<String, String> tags,
                                                                      String pubId) {
        if (stateTopics.test(topic)) {
            return CompletableFuture.failedFuture(new dev.ferry.server.engine.StateTopicException(topic));
        }
        topicRates.published(topic);
        return engine.publish(topic, data, tags, pubId);
    }

    /**
     * Names the topics that are state channels by configuration (docs/protocol.md §4.6): plain publications to them
     * fail with {@link dev.ferry.server.engine.StateTopicException} (the engine refuses those to channels created
     * on write). Set once, when the server starts.
     */
    public void stateTopics(java.util.function.Predicate<String> configured) {
        this.stateTopics = configured;
    }

    /** The per-topic publication rates of this node. */
    public TopicRates topicRates() {
        return topicRates;
    }

    /** Counts the per-topic rates on {@code clock}'s time (set once, when the server starts). */
    public void topicRates(dev.ferry.server.time.ServerClock clock) {
        this.topicRates = new TopicRates(clock);
    }

    /**
     * Drops a topic's history and gives it a new epoch ({@link Engine#clearHistory}); completes with how many
     * publications it held. A state channel fails with {@link dev.ferry.server.engine.StateTopicException}.
     */
    public CompletionStage<Long> clearHistory(String topic) {
        if (stateTopics.test(topic)) {
            return CompletableFuture.failedFuture(new dev.ferry.server.engine.StateTopicException(topic));
        }
        return engine.clearHistory(topic);
    }

    /** The current position of a topic. */
    public CompletionStage<Position> position(String topic) {
        return engine.read(topic, 0, 0, 0, false).thenApply(s -> new Position(topic, s.epoch(), s.offset()));
    }

    /**
     * Reads retained history: offsets greater than {@code after} oldest first, or, when {@code reverse}, offsets
     * less than {@code before} (0: the latest) newest first; at most {@code limit}.
     */
    public CompletionStage<HistoryPage> history(String topic, long after, long before, int limit, boolean reverse) {
        return engine.read(topic, after, before, limit, reverse).thenApply(s ->
                new HistoryPage(topic, s.epoch(), s.offset(), s.first(), s.items(), s.timesMillis()));
    }

    // ------------------------------------------------------------ fan-out

    @Override
    public void publication(Frame.Msg msg, boolean lossy) {
        Matched matched = new Matched();
        tree.matchSets(msg.topic(), matched);
        publications.increment();
        if (matched.first == null) {
            return;
        }
        if (matched.more == null && filtered.get() == 0) {
            // The common case: one pattern's subscribers, no filter anywhere. Its grouping by event loop is made
            // once per change of the subscriber set, not once per publication.
            deliveries.add(matched.first.size());
            dispatch(matched.first.derived(LoopGroups::of), msg, lossy);
            return;
        }
        Map<Subscriber, Boolean> receivers = new IdentityHashMap<>();
        matched.forEach(s -> receivers.put((Subscriber) s, Boolean.TRUE));
        if (filtered.get() > 0) {
            applyFilters(receivers.keySet(), msg);
        }
        if (!receivers.isEmpty()) {
            deliveries.add(receivers.size());
            dispatch(LoopGroups.of(receivers.keySet()), msg, lossy);
        }
    }

    /** The subscriber sets of the patterns a topic matched. */
    private static final class Matched implements java.util.function.Consumer<NodeSubscribers> {
        NodeSubscribers first;
        List<NodeSubscribers> more;

        @Override
        public void accept(NodeSubscribers set) {
            if (first == null) {
                first = set;
            } else {
                if (more == null) {
                    more = new ArrayList<>(2);
                }
                more.add(set);
            }
        }

        void forEach(java.util.function.Consumer<Object> visitor) {
            first.forEach(visitor);
            if (more != null) {
                for (NodeSubscribers set : more) {
                    set.forEach(visitor);
                }
            }
        }
    }

    /** Receivers grouped by event loop (immutable): one delivery task per loop per publication. */
    private static final class LoopGroups {
        final EventExecutor[] loops;
        final List<Subscriber>[] groups;

        @SuppressWarnings("unchecked")
        private LoopGroups(Map<EventExecutor, List<Subscriber>> byLoop) {
            loops = byLoop.keySet().toArray(new EventExecutor[0]);
            groups = new List[loops.length];
            for (int i = 0; i < loops.length; i++) {
                groups[i] = List.copyOf(byLoop.get(loops[i]));
            }
        }

        static LoopGroups of(NodeSubscribers set) {
            List<Subscriber> all = new ArrayList<>(set.size());
            set.forEach(s -> all.add((Subscriber) s));
            return of(all);
        }

        static LoopGroups of(Iterable<Subscriber> receivers) {
            Map<EventExecutor, List<Subscriber>> byLoop = new HashMap<>();
            for (Subscriber s : receivers) {
                byLoop.computeIfAbsent(s.executor(), e -> new ArrayList<>()).add(s);
            }
            return new LoopGroups(byLoop);
        }
    }

    /**
     * Drops the receivers none of whose matching patterns accepts {@code msg}. The payload is parsed at most once,
     * and only when a filter that reads it is evaluated.
     */
    private void applyFilters(java.util.Set<Subscriber> receivers, Frame.Msg msg) {
        FilterInput input = null;
        for (java.util.Iterator<Subscriber> it = receivers.iterator(); it.hasNext(); ) {
            SubscriberFilters f = filters.get(it.next());
            if (f == null || !f.any()) {
                continue;
            }
            if (input == null) {
                input = new FilterInput(msg.data(), msg.tags());
            }
            if (!f.accepts(msg.topic(), input)) {
                it.remove();
                filteredOut.increment();
            }
        }
        if (input != null && input.parsed()) {
            payloadParses.increment();
        }
    }

    /** Records the filter of (pattern, subscriber) before the subscription reaches the tree. */
    private void setFilter(String pattern, Subscriber subscriber, Filter filter) {
        filters.compute(subscriber, (s, f) -> counting(f, (f == null ? SubscriberFilters.EMPTY : f).with(pattern, filter)));
    }

    /** Keeps {@link #filtered} in step with a change of one subscriber's filters; null when none are left. */
    private SubscriberFilters counting(SubscriberFilters before, SubscriberFilters after) {
        boolean was = before != null && before.any();
        boolean is = after.any();
        if (was != is) {
            filtered.addAndGet(is ? 1 : -1);
        }
        return after.isEmpty() ? null : after;
    }

    @Override
    public void interrupted() {
        List<Subscriber> all;
        synchronized (interests) {
            all = new ArrayList<>(subscribers.keySet());
        }
        for (Subscriber s : all) {
            onLoop(s.executor(), s::interrupted);
        }
    }

    private void dispatch(LoopGroups receivers, Frame.Msg msg, boolean lossy) {
        byte[] bytes = FrameCodec.encode(msg);
        // The encoded bytes as they are: each loop frames them into a pooled buffer of its own (a buffer pooled here
        // would be freed on the subscribers' loops, so this thread's cache would never have one to reuse and every
        // publication would take the arena's lock), and a transport that writes them unframed copies them once.
        ByteBuf encoded = Unpooled.wrappedBuffer(bytes);
        boolean binary = FrameCodec.isBinary(msg);
        try {
            for (int i = 0; i < receivers.loops.length; i++) {
                handoff.execute(receivers.loops[i], new LiveDelivery(receivers.groups[i],
                        new Delivery(msg, encoded.retainedDuplicate(), binary, lossy)));
            }
        } finally {
            encoded.release();
        }
    }

    /** One publication for the subscribers of one event loop, handed over to that loop. */
    private final class LiveDelivery implements Handoff.Owning {
        private final List<Subscriber> group;
        private final Delivery delivery;

        LiveDelivery(List<Subscriber> group, Delivery delivery) {
            this.group = group;
            this.delivery = delivery;
        }

        @Override
        public void run() {
            deliver(group, delivery);
        }

        @Override
        public void abandon() {
            delivery.release(); // the event loop is shutting down: its connections are going away
        }
    }

    /** Hands {@code d} to the subscribers of {@code group}, all on this event loop, then releases it. */
    private void deliver(List<Subscriber> group, Delivery d) {
        Frame.Msg msg = d.msg();
        try {
            boolean gated = !gates.isEmpty();
            for (Subscriber s : group) {
                Gates g = gated ? gates.get(s) : null;
                if (g != null) {
                    boolean held = g.intercepts(msg);
                    // once live has moved past its watermarks a subscriber needs no more checks: forgetting it
                    // here keeps the map empty in the steady state, so deliveries skip the look-up altogether
                    forgetIfIdle(s, g);
                    if (held) {
                        continue;
                    }
                }
                s.deliver(d);
            }
        } finally {
            d.release();
        }
    }

    /** Delivers one publication of a replay (or a buffered one) to one subscriber; on its event loop. */
    private static void deliver(Subscriber s, Frame.Msg m, boolean lossy) {
        Delivery.once(m, Unpooled.wrappedBuffer(FrameCodec.encode(m)), FrameCodec.isBinary(m), lossy, s::deliver);
    }

    private static void onLoopLater(EventExecutor loop, Runnable task) {
        try {
            loop.execute(task);
        } catch (RuntimeException rejected) {
            // the event loop is shutting down: its connections are going away
        }
    }

    private static void onLoop(EventExecutor loop, Runnable task) {
        if (loop.inEventLoop()) {
            task.run();
        } else {
            try {
                loop.execute(task);
            } catch (RuntimeException rejected) {
                // the event loop is shutting down: its connections are going away
            }
        }
    }

    // ------------------------------------------------------------ gates (event loop of their subscriber only)

    /** The gates and watermarks of one subscriber. */
    private static final class Gates {
        // The three stay the shared empty ones (which read, and remove nothing, without failing) until first
        // written: a subscriber keeps its Gates while a watermark waits for live publications to pass it, for as
        // long as its topic is quiet, so an idle subscriber should hold little more than that watermark.
        List<Gate> pending = java.util.Collections.emptyList();
        Map<String, Watermark> marks = java.util.Collections.emptyMap();
        /** Recoveries being replayed a page at a time, per topic. */
        Map<String, Paging> pages = java.util.Collections.emptyMap();

        void await(Gate gate) {
            if (pending.isEmpty()) {
                pending = new ArrayList<>(1);
            }
            pending.add(gate);
        }

        /** Takes over {@code more} and {@code morePages}, which the caller no longer uses. */
        void watch(Map<String, Watermark> more, Map<String, Paging> morePages) {
            if (marks.isEmpty()) {
                marks = more;
            } else {
                marks.putAll(more);
            }
            if (pages.isEmpty()) {
                pages = morePages;
            } else {
                pages.putAll(morePages);
            }
        }

        /** Whether a live publication is held back (buffered by a pending gate, or already replayed). */
        boolean intercepts(Frame.Msg m) {
            boolean held = false;
            for (Gate g : pending) {
                if (Topics.matches(g.pattern, m.topic())) {
                    g.buffered.add(m);
                    held = true;
                }
            }
            if (held) {
                return true;
            }
            Paging paging = pages.isEmpty() ? null : pages.get(m.topic());
            if (paging != null) {
                paging.live(m);
                return true;
            }
            Watermark w = marks.get(m.topic());
            if (w == null) {
                return false;
            }
            if (w.covers(m)) {
                return true;
            }
            marks.remove(m.topic()); // live has moved past the replay: this topic needs no more checks
            return false;
        }
    }

    /**
     * A recovery of more than {@code history.max-recovery} publications, replayed a page of that size at a time:
     * each page is read once the last publication of the previous one has been written to the connection, so the
     * connection's queue holds at most about a page of it. Live publications of the topic are held back meanwhile
     * (they are in history too): only the latest {@code history.max-recovery} are kept, in {@link #live}. The
     * recovery ends when the pages reach them; until then it reads more pages, from history. When history moves
     * on under it (trimmed past the next page, or a new epoch), the subscriber is told it fell behind
     * ({@link Subscriber#fellBehind}) and recovers again from where it is.
     */
    private static final class Paging {
        final String epoch;
        final int keep;
        /** The last offset replayed. */
        long last;
        final java.util.ArrayDeque<Frame.Msg> live = new java.util.ArrayDeque<>();
        boolean epochChanged;

        Paging(String epoch, long last, int keep) {
            this.epoch = epoch;
            this.last = last;
            this.keep = keep;
        }

        void live(Frame.Msg m) {
            if (!m.epoch().equals(epoch)) {
                epochChanged = true;
                return;
            }
            if (m.offset() <= last) {
                return;
            }
            if (live.size() == keep) {
                live.pollFirst();
            }
            live.addLast(m);
        }

        /** Whether the replay has reached the live publications held back (none held: the snapshot's offset). */
        boolean caughtUp(long snapshotOffset) {
            Frame.Msg head = live.peekFirst();
            return head == null ? last >= snapshotOffset : head.offset() <= last + 1;
        }
    }

    /** A subscription being made: live publications matching the pattern wait here until the replay is sent. */
    private static final class Gate {
        final String pattern;
        final List<Frame.Position> since;
        final List<Frame.Msg> buffered = new ArrayList<>();
        boolean cancelled;

        Gate(String pattern, List<Frame.Position> since) {
            this.pattern = pattern;
            this.since = since;
        }
    }

    /** The last offset of a topic a subscriber was sent (or told it starts after) in one epoch. */
    private record Watermark(String epoch, long offset) {
        boolean covers(Frame.Msg m) {
            return m.epoch().equals(epoch) && m.offset() <= offset;
        }
    }
}
