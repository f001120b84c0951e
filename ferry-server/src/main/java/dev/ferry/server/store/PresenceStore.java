package dev.ferry.server.store;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Where presence entries live: this node's memory ({@code presence.MemoryPresenceStore}) or a store shared by
 * the cluster (an engine's, {@code Engine.presenceStore}).
 *
 * <p>Lifecycle: {@link #start} once, then any other method from any thread; the engine that made the store closes
 * it. No method blocks: work on a remote store completes later, on a thread of the store's choosing.
 */
public interface PresenceStore {
    /** Hears of changes: this node's as they are made, other nodes' for the topics {@link #watch}ed. */
    interface Listener {
        /** Changes of one topic's presence, in the order they were made; called from any thread. */
        void changed(String topic, List<PresenceChange> changes);

        /** Changes of {@code topic} may have been missed (the way to the other nodes was cut): watchers must read again. */
        default void lost(String topic) {
        }
    }

    void start(Listener listener);

    /**
     * Lists {@code entry} in {@code topic} (replacing the connection's previous entry there, if any) unless the
     * topic already lists {@code maxEntries} others; completes with whether it is listed.
     */
    CompletionStage<Boolean> join(String topic, PresenceEntry entry, int maxEntries);

    /** Removes the connection's entry from {@code topic}, if listed. */
    CompletionStage<Void> leave(String topic, PresenceEntry entry);

    /** Up to {@code limit} entries of {@code topic} whose connection ids sort after {@code after} (null: all). */
    CompletionStage<PresencePage> read(String topic, String after, int limit);

    /** This node wants other nodes' changes of {@code topic} (counted: one call per {@link #unwatch}). */
    default void watch(String topic) {
    }

    default void unwatch(String topic) {
    }
}
