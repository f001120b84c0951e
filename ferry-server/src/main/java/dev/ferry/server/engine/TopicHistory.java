package dev.ferry.server.engine;

import dev.ferry.protocol.Payload;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One topic's retained publications, bounded by count and age. Offsets of retained entries are contiguous, so
 * the entry for an offset is found by arithmetic in a ring. Not thread-safe: guarded by the topic's lock.
 *
 * <p>The ring holds each publication as its payload's bytes in parallel arrays, not as objects: an entry costs the
 * heap one object (the bytes it already had), not three. Retained publications live for seconds to minutes, long
 * enough to be copied by young collections, and with many topics they are most of what a young collection
 * copies. {@link Entry}s are made only when history is read.
 */
final class TopicHistory {
    /** One retained publication, with its tags (empty: none). */
    record Entry(long offset, long timeMillis, Payload data, Map<String, String> tags) {
        Entry(long offset, long timeMillis, Payload data) {
            this(offset, timeMillis, data, Map.of());
        }
    }

    private final long[] times;
    private final byte[][] bytes;
    private final boolean[] binary;
    /** Tags of each entry (null: none); null until a tagged publication is kept. */
    private Map<String, String>[] tags;
    private final long ttlMillis;
    private int head;
    private int count;
    /** The offset of the entry at {@code head}, when {@code count > 0}. */
    private long first;

    TopicHistory(int size, long ttlMillis) {
        this.times = new long[size];
        this.bytes = new byte[size][];
        this.binary = new boolean[size];
        this.ttlMillis = ttlMillis;
    }

    /**
     * Keeps {@code e}. Its offset follows the newest kept one; should it not, what was kept is dropped (the ring
     * finds entries by arithmetic on contiguous offsets).
     */
    void append(Entry e, long now) {
        assert count == 0 || e.offset() == first + count : "offset " + e.offset() + " after " + (first + count - 1);
        if (count > 0 && e.offset() != first + count) {
            while (count > 0) {
                drop();
            }
        }
        if (count == 0) {
            first = e.offset();
        }
        if (count == times.length) {
            drop();
        }
        int i = (head + count) % times.length;
        times[i] = e.timeMillis();
        bytes[i] = e.data().bytes();
        binary[i] = e.data().isBinary();
        if (!e.tags().isEmpty()) {
            tags()[i] = e.tags();
        } else if (tags != null) {
            tags[i] = null;
        }
        count++;
        expire(now);
    }

    @SuppressWarnings("unchecked")
    private Map<String, String>[] tags() {
        if (tags == null) {
            tags = new Map[times.length];
        }
        return tags;
    }

    /** Drops the oldest entry. */
    private void drop() {
        bytes[head] = null;
        if (tags != null) {
            tags[head] = null;
        }
        head = (head + 1) % times.length;
        first++;
        count--;
    }

    /** Drops entries older than the ttl. */
    void expire(long now) {
        while (count > 0 && now - times[head] > ttlMillis) {
            drop();
        }
    }

    /** The oldest retained offset, or {@code next} (the offset the next publication will get) when empty. */
    long firstOffset(long next) {
        return count == 0 ? next : first;
    }

    int size() {
        return count;
    }

    /** Retained entries with offset greater than {@code after}, oldest first, at most {@code limit}. */
    List<Entry> after(long after, int limit) {
        List<Entry> out = new ArrayList<>(Math.min(limit, count));
        int start = (int) Math.max(0, Math.min(count, after + 1 - first));
        for (int i = start; i < count && out.size() < limit; i++) {
            out.add(entry(i));
        }
        return out;
    }

    /** Retained entries with offset less than {@code before}, newest first, at most {@code limit}. */
    List<Entry> before(long before, int limit) {
        List<Entry> out = new ArrayList<>(Math.min(limit, count));
        int end = (int) Math.max(0, Math.min(count, before - first));
        for (int i = end - 1; i >= 0 && out.size() < limit; i--) {
            out.add(entry(i));
        }
        return out;
    }

    /** The {@code i}-th retained entry, oldest first. */
    private Entry entry(int i) {
        int at = (head + i) % times.length;
        Payload data = binary[at] ? Payload.binary(bytes[at]) : Payload.json(bytes[at]);
        Map<String, String> t = tags == null || tags[at] == null ? Map.of() : tags[at];
        return new Entry(first + i, times[at], data, t);
    }
}
