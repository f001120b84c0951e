package dev.ferry.server.engine;

import dev.ferry.protocol.Payload;
import java.util.ArrayList;
import java.util.List;

/**
 * One topic's retained publications, bounded by count and age. Offsets of retained entries are contiguous, so
 * the entry for an offset is found by arithmetic in a ring. Not thread-safe: guarded by the topic's lock.
 */
final class TopicHistory {
    /** One retained publication, with its tags (empty: none). */
    record Entry(long offset, long timeMillis, Payload data, java.util.Map<String, String> tags) {
        Entry(long offset, long timeMillis, Payload data) {
            this(offset, timeMillis, data, java.util.Map.of());
        }
    }

    private final Entry[] ring;
    private final long ttlMillis;
    private int head;
    private int count;

    TopicHistory(int size, long ttlMillis) {
        this.ring = new Entry[size];
        this.ttlMillis = ttlMillis;
    }

    void append(Entry e, long now) {
        if (count == ring.length) {
            ring[head] = null;
            head = (head + 1) % ring.length;
            count--;
        }
        ring[(head + count) % ring.length] = e;
        count++;
        expire(now);
    }

    /** Drops entries older than the ttl. */
    void expire(long now) {
        while (count > 0 && now - ring[head].timeMillis() > ttlMillis) {
            ring[head] = null;
            head = (head + 1) % ring.length;
            count--;
        }
    }

    /** The oldest retained offset, or {@code next} (the offset the next publication will get) when empty. */
    long firstOffset(long next) {
        return count == 0 ? next : ring[head].offset();
    }

    int size() {
        return count;
    }

    /** Retained entries with offset greater than {@code after}, oldest first, at most {@code limit}. */
    List<Entry> after(long after, int limit) {
        List<Entry> out = new ArrayList<>(Math.min(limit, count));
        if (count == 0) {
            return out;
        }
        long first = ring[head].offset();
        int start = (int) Math.max(0, Math.min(count, after + 1 - first));
        for (int i = start; i < count && out.size() < limit; i++) {
            out.add(ring[(head + i) % ring.length]);
        }
        return out;
    }

    /** Retained entries with offset less than {@code before}, newest first, at most {@code limit}. */
    List<Entry> before(long before, int limit) {
        List<Entry> out = new ArrayList<>(Math.min(limit, count));
        if (count == 0) {
            return out;
        }
        long first = ring[head].offset();
        int end = (int) Math.max(0, Math.min(count, before - first));
        for (int i = end - 1; i >= 0 && out.size() < limit; i--) {
            out.add(ring[(head + i) % ring.length]);
        }
        return out;
    }
}
