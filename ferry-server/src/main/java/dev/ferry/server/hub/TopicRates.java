package dev.ferry.server.hub;

import dev.ferry.server.time.ServerClock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Publications made through this node per topic, as a rate that decays: each publication adds {@code 1/τ} and the
 * rate decays by {@code e^(-t/τ)} with {@link #TAU_SECONDS} as τ, so a steady {@code r} per second reads {@code r}
 * after a few τ and a topic that stops falls to a hundredth of its rate in about 4.6 τ.
 *
 * <p>Memory is bounded: at most {@link #MAX_TOPICS} topics are tracked (about 100 bytes each); a topic whose rate
 * fell under {@link #IDLE_RATE} is dropped by {@link #sweep} (the server's housekeeping, once a second) and when
 * the table is full. A publication to an untracked topic while the table is full of active topics is not counted
 * (see {@link #untracked}). Thread-safe; callable from every event loop.
 */
public final class TopicRates {
    /** The decay's time constant, in seconds. */
    public static final double TAU_SECONDS = 10;
    /** The most topics tracked at once. */
    public static final int MAX_TOPICS = 10_000;
    /** A rate under this (publications per second) is idle: the topic is forgotten. */
    public static final double IDLE_RATE = 0.01;
    private static final double TAU_NANOS = TAU_SECONDS * 1e9;

    private final ServerClock clock;
    private final ConcurrentHashMap<String, Rate> rates = new ConcurrentHashMap<>();
    private final AtomicLong untracked = new AtomicLong();
    /** When a full table was last swept (a second before the start at first, so that the first sweep may run). */
    private final AtomicLong lastFullSweep;

    public TopicRates(ServerClock clock) {
        this.clock = clock;
        this.lastFullSweep = new AtomicLong(clock.nanoTime() - 1_000_000_000L);
    }

    /** One topic's decaying rate and its publications since it was tracked. Guarded by itself. */
    private static final class Rate {
        double rate;
        long atNanos;
        long count;

        synchronized void add(long now) {
            rate = decayed(now) + 1 / TAU_SECONDS;
            atNanos = now;
            count++;
        }

        synchronized double at(long now) {
            return decayed(now);
        }

        synchronized long count() {
            return count;
        }

        private double decayed(long now) {
            return rate * Math.exp(-Math.max(0, now - atNanos) / TAU_NANOS);
        }
    }

    /** A topic's rate as {@link #active} lists it. */
    public record TopicRate(String topic, double perSecond, long publications) {
    }

    /** Counts one publication made to {@code topic}. */
    public void published(String topic) {
        long now = clock.nanoTime();
        Rate r = rates.get(topic);
        if (r == null) {
            if (rates.size() >= MAX_TOPICS) {
                long last = lastFullSweep.get();
                // at most one sweep a second when full, so a flood of new topics costs no more than that
                if (now - last >= 1_000_000_000L && lastFullSweep.compareAndSet(last, now)) {
                    sweep();
                }
                if (rates.size() >= MAX_TOPICS) {
                    untracked.incrementAndGet();
                    return;
                }
            }
            r = rates.computeIfAbsent(topic, t -> new Rate());
        }
        r.add(now);
    }

    /** Forgets the topics whose rate fell under {@link #IDLE_RATE}; returns how many. */
    public int sweep() {
        long now = clock.nanoTime();
        int n = 0;
        for (Map.Entry<String, Rate> e : rates.entrySet()) {
            if (e.getValue().at(now) < IDLE_RATE && rates.remove(e.getKey(), e.getValue())) {
                n++;
            }
        }
        return n;
    }

    /** The tracked topics with their rates, in topic order. */
    public List<TopicRate> active() {
        long now = clock.nanoTime();
        List<TopicRate> out = new ArrayList<>(rates.size());
        rates.forEach((t, r) -> out.add(new TopicRate(t, r.at(now), r.count())));
        out.sort(java.util.Comparator.comparing(TopicRate::topic));
        return out;
    }

    /** The rate of one topic (0 when it is not tracked). */
    public double rate(String topic) {
        Rate r = rates.get(topic);
        return r == null ? 0 : r.at(clock.nanoTime());
    }

    /** Topics tracked now. */
    public int size() {
        return rates.size();
    }

    /** Publications not counted because {@link #MAX_TOPICS} active topics were tracked. */
    public long untracked() {
        return untracked.get();
    }
}
