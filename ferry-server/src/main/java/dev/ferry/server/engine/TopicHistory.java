package dev.ferry.server.engine;

import dev.ferry.protocol.Payload;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * One topic's retained publications, bounded by count and age. Offsets of retained entries are contiguous, so
 * the entry for an offset is found by arithmetic in a ring. Not thread-safe: guarded by the topic's lock.
 *
 * <p>The payloads are copied, one after another, into one byte array per topic (the arena) rather than kept as
 * the arrays they came in. Retained publications live for seconds to minutes, long enough to be copied by young
 * collections; with many topics they were most of what a young collection copied, and its pause grew with them.
 * The arena is old after a few collections and writing bytes into it gives the collector nothing to trace, so a
 * young collection now finds only the short-lived arrays of publications in flight. When the arena's free end is
 * too short for a payload, the live payloads are moved to its front (into a new array when more than half of it
 * would be in use, or when it is eight times larger than needed), which costs a copy of the live bytes at most
 * once per that many bytes appended. {@link Entry}s and their payloads are made only when history is read.
 *
 * <p>The ring grows with use: it starts with room for {@link #MIN_SLOTS} entries (or {@code size}, if smaller)
 * and doubles when full, up to {@code size}, so a topic published to once holds a few dozen bytes of ring rather
 * than {@code size} slots it never fills. Growing copies the retained entries' positions once per doubling.
 */
final class TopicHistory {
    /** One retained publication, with its tags (empty: none). */
    record Entry(long offset, long timeMillis, Payload data, Map<String, String> tags) {
        Entry(long offset, long timeMillis, Payload data) {
            this(offset, timeMillis, data, Map.of());
        }
    }

    private static final byte[] EMPTY = new byte[0];
    /**
     * The smallest arena made, in bytes: small, because most topics of a node with many topics retain a few small
     * publications; a busy topic's arena doubles to what it needs within a few compactions.
     */
    private static final int MIN_ARENA = 32;

    /** The ring's first capacity. */
    static final int MIN_SLOTS = 2;

    /** The most entries kept ({@code history.size}); the ring grows up to it. */
    private final int size;
    private long[] times;
    /** Where each entry's payload starts in {@link #arena}, and its length. */
    private int[] starts;
    private int[] lengths;
    private boolean[] binary;
    /** Tags of each entry (null: none); null until a tagged publication is kept. */
    private Map<String, String>[] tags;
    private final long ttlMillis;
    /** The payloads of the retained entries, oldest first, each at its {@link #starts start}; then free space. */
    private byte[] arena = EMPTY;
    /** Where the next payload goes in {@link #arena}. */
    private int end;
    private int head;
    private int count;
    /** The offset of the entry at {@code head}, when {@code count > 0}. */
    private long first;

    TopicHistory(int size, long ttlMillis) {
        this.size = size;
        int slots = Math.min(size, MIN_SLOTS);
        this.times = new long[slots];
        this.starts = new int[slots];
        this.lengths = new int[slots];
        this.binary = new boolean[slots];
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
        expire(now);
        if (count == size) {
            drop();
        } else if (count == times.length) {
            grow();
        }
        if (count == 0) {
            first = e.offset();
            end = 0;
        }
        byte[] data = e.data().bytes();
        int i = slot(count);
        starts[i] = reserve(data.length);
        lengths[i] = data.length;
        System.arraycopy(data, 0, arena, starts[i], data.length);
        times[i] = e.timeMillis();
        binary[i] = e.data().isBinary();
        if (!e.tags().isEmpty()) {
            tags()[i] = e.tags();
        } else if (tags != null) {
            tags[i] = null;
        }
        count++;
    }

    /** Doubles the ring (at most to {@code size}), the retained entries moved to its start in order. */
    private void grow() {
        int slots = (int) Math.min(size, 2L * times.length);
        long[] t = new long[slots];
        int[] st = new int[slots];
        int[] len = new int[slots];
        boolean[] bin = new boolean[slots];
        @SuppressWarnings("unchecked")
        Map<String, String>[] tg = tags == null ? null : new Map[slots];
        for (int k = 0; k < count; k++) {
            int i = slot(k);
            t[k] = times[i];
            st[k] = starts[i];
            len[k] = lengths[i];
            bin[k] = binary[i];
            if (tg != null) {
                tg[k] = tags[i];
            }
        }
        times = t;
        starts = st;
        lengths = len;
        binary = bin;
        tags = tg;
        head = 0;
    }

    /** Ring slots allocated now (for tests: the ring grows with use). */
    int capacity() {
        return times.length;
    }

    private int slot(int i) {
        return (head + i) % times.length;
    }

    /** Room for {@code length} bytes at the arena's end, the live payloads moved to its front first if need be. */
    private int reserve(int length) {
        if (arena.length - end < length) {
            compact(length);
        }
        int at = end;
        end += length;
        return at;
    }

    private void compact(int extra) {
        long live = 0;
        for (int k = 0; k < count; k++) {
            live += lengths[slot(k)];
        }
        long needed = live + extra;
        byte[] to = arena;
        if (needed * 2 > arena.length || needed * 8 < arena.length) {
            long size = Math.max(MIN_ARENA, needed * 2);
            if (size > Integer.MAX_VALUE - 8) {
                throw new IllegalStateException("a topic's history would exceed 2 GiB");
            }
            to = new byte[(int) size];
        }
        int at = 0;
        for (int k = 0; k < count; k++) { // oldest first, so moving within one array only ever moves left
            int i = slot(k);
            System.arraycopy(arena, starts[i], to, at, lengths[i]);
            starts[i] = at;
            at += lengths[i];
        }
        arena = to;
        end = at;
    }

    @SuppressWarnings("unchecked")
    private Map<String, String>[] tags() {
        if (tags == null) {
            tags = new Map[times.length];
        }
        return tags;
    }

    /** Drops the oldest entry (its bytes stay in the arena until it is compacted). */
    private void drop() {
        if (tags != null) {
            tags[head] = null;
        }
        head = (head + 1) % times.length;
        first++;
        count--;
    }

    /**
     * Drops entries older than the ttl; a topic with nothing left lets its arena go. Returns whether anything is
     * still retained.
     */
    boolean expire(long now) {
        if (count == 0) {
            return false;
        }
        while (count > 0 && now - times[head] > ttlMillis) {
            drop();
        }
        if (count == 0) {
            arena = EMPTY;
            end = 0;
            return false;
        }
        return true;
    }

    /** The oldest retained offset, or {@code next} (the offset the next publication will get) when empty. */
    long firstOffset(long next) {
        return count == 0 ? next : first;
    }

    int size() {
        return count;
    }

    /** Whether this keeps at most {@code size} publications for {@code ttlMillis}. */
    boolean hasLimits(int size, long ttlMillis) {
        return this.size == size && this.ttlMillis == ttlMillis;
    }

    /** Appends every retained entry, oldest first, to {@code into}, which keeps what its own limits allow. */
    void copyTo(TopicHistory into, long now) {
        if (count > 0) {
            for (Entry e : after(first - 1, count)) {
                into.append(e, now);
            }
        }
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
        int at = slot(i);
        byte[] bytes = Arrays.copyOfRange(arena, starts[at], starts[at] + lengths[at]);
        Payload data = binary[at] ? Payload.binary(bytes) : Payload.json(bytes);
        Map<String, String> t = tags == null || tags[at] == null ? Map.of() : tags[at];
        return new Entry(first + i, times[at], data, t);
    }
}
