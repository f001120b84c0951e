package dev.ferry.server.presence;

import dev.ferry.server.store.PresenceStore;
import dev.ferry.server.store.PresenceEntry;
import dev.ferry.server.store.PresenceChange;
import dev.ferry.server.store.PresencePage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The presence of a single node, in memory: per topic, entries sorted by connection id. Every stage it returns is
 * already complete; the listener hears of each change under the store's lock, so in order. Thread-safe.
 */
public final class MemoryPresenceStore implements PresenceStore {
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    /** Guarded by itself. */
    private final Map<String, TreeMap<String, PresenceEntry>> topics = new HashMap<>();
    private volatile Listener listener = (topic, changes) -> { };

    @Override
    public void start(Listener listener) {
        this.listener = listener;
    }

    @Override
    public CompletionStage<Boolean> join(String topic, PresenceEntry entry, int maxEntries) {
        synchronized (topics) {
            TreeMap<String, PresenceEntry> entries = topics.computeIfAbsent(topic, t -> new TreeMap<>());
            PresenceEntry old = entries.get(entry.conn());
            if (old == null && entries.size() >= maxEntries) {
                if (entries.isEmpty()) {
                    topics.remove(topic);
                }
                return CompletableFuture.completedFuture(false);
            }
            entries.put(entry.conn(), entry);
            if (entry.equals(old)) {
                return CompletableFuture.completedFuture(true);
            }
            listener.changed(topic, old == null ? List.of(PresenceChange.join(entry))
                    : List.of(PresenceChange.leave(old), PresenceChange.join(entry)));
            return CompletableFuture.completedFuture(true);
        }
    }

    @Override
    public CompletionStage<Void> leave(String topic, PresenceEntry entry) {
        synchronized (topics) {
            TreeMap<String, PresenceEntry> entries = topics.get(topic);
            PresenceEntry old = entries == null ? null : entries.remove(entry.conn());
            if (old != null) {
                if (entries.isEmpty()) {
                    topics.remove(topic);
                }
                listener.changed(topic, List.of(PresenceChange.leave(old)));
            }
            return DONE;
        }
    }

    @Override
    public CompletionStage<PresencePage> read(String topic, String after, int limit) {
        synchronized (topics) {
            TreeMap<String, PresenceEntry> entries = topics.get(topic);
            if (entries == null) {
                return CompletableFuture.completedFuture(new PresencePage(topic, 0, List.of(), null));
            }
            Map<String, PresenceEntry> tail = after == null ? entries : entries.tailMap(after, false);
            List<byte[]> page = new ArrayList<>(Math.min(limit, tail.size()));
            String last = null;
            for (PresenceEntry e : tail.values()) {
                if (page.size() == limit) {
                    break;
                }
                page.add(e.json());
                last = e.conn();
            }
            String next = page.size() == limit && last != null && entries.higherKey(last) != null ? last : null;
            return CompletableFuture.completedFuture(new PresencePage(topic, entries.size(), page, next));
        }
    }
}
