package dev.ferry.server.engine;

import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The publication ids of one node's recent publications, each with where its publication stands, so that a retry
 * of a publication (same topic, same id) within the window is answered with the original epoch and offset instead
 * of being published again (docs/protocol.md, "pub"). At most {@code max} ids are remembered; an id is forgotten
 * {@code window} after its publication. Ids are kept in the order they were added, which is the order they expire
 * in, so forgetting costs nothing per id kept. Time comes from {@code ticker} (nanoseconds), so that tests move it.
 * Thread-safe.
 */
public final class RecentPubIds {
    private final long windowNanos;
    private final int max;
    private final LongSupplier ticker;
    /** Guarded by this. */
    private final LinkedHashMap<Key, Entry> ids = new LinkedHashMap<>();

    private record Key(String topic, String id) {
    }

    private record Entry(Published published, long expiresAt) {
    }

    public RecentPubIds(Duration window, int max, LongSupplier ticker) {
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("window: " + window + " (expected: > 0)");
        }
        if (max <= 0) {
            throw new IllegalArgumentException("max: " + max + " (expected: > 0)");
        }
        this.windowNanos = window.toNanos();
        this.max = max;
        this.ticker = ticker;
    }

    public RecentPubIds(Duration window, int max) {
        this(window, max, System::nanoTime);
    }

    /** Where the publication {@code id} of {@code topic} stands, when it was made within the window; else null. */
    public synchronized Published get(String topic, String id) {
        forgetExpired();
        Entry e = ids.get(new Key(topic, id));
        return e == null ? null : e.published;
    }

    /**
     * Fails with {@link PubIdsFullException} when there is no room for one more id; callers check before publishing
     * and {@link #put} after, under the lock that orders the topic's publications.
     */
    public synchronized void checkRoom() {
        forgetExpired();
        if (ids.size() >= max) {
            throw new PubIdsFullException(max);
        }
    }

    /** Remembers that the publication {@code id} of {@code topic} was made and where it stands. */
    public synchronized void put(String topic, String id, Published published) {
        ids.put(new Key(topic, id), new Entry(published, ticker.getAsLong() + windowNanos));
    }

    /** Ids remembered now (some may have expired and not been forgotten yet). */
    public synchronized int size() {
        return ids.size();
    }

    private void forgetExpired() {
        long now = ticker.getAsLong();
        for (Iterator<Map.Entry<Key, Entry>> it = ids.entrySet().iterator(); it.hasNext(); ) {
            if (now - it.next().getValue().expiresAt < 0) {
                return;
            }
            it.remove();
        }
    }
}
