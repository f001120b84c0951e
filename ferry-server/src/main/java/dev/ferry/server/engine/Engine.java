package dev.ferry.server.engine;

import dev.ferry.server.config.HistoryConfig;

import dev.ferry.protocol.Payload;
import dev.ferry.server.config.PresenceConfig;
import dev.ferry.server.store.PresenceStore;
import dev.ferry.server.store.SessionStore;
import java.util.concurrent.CompletionStage;

/**
 * The backend of a node: assigns offsets, keeps history, and carries publications (and, for engines spanning
 * several nodes, calls) to every node with an interest in them.
 *
 * <p>Lifecycle: {@link #start} once, then any other method from any thread, then {@link #close()} (idempotent).
 *
 * <p>Threading: no method blocks. Work that needs a remote backend completes its {@link CompletionStage} later,
 * on a thread of the engine's choosing; callers hop back to their event loop.
 *
 * <p>Guarantees the hub relies on:
 * <ul>
 *   <li>Offsets of a topic are 1, 2, 3, ... within an epoch, unique across every node sharing the backend; the
 *       epoch changes whenever the topic's history is lost.</li>
 *   <li>Every publication of a topic matching an interest that is active (its {@link #addInterest} stage has
 *       completed) is handed to {@link Fanout#publication} of this node, in offset order per topic.</li>
 *   <li>{@link #read} is one consistent snapshot: a publication with an offset greater than the snapshot's is
 *       published after it, and so reaches the fanout of a node whose interest was active before the read.</li>
 * </ul>
 */
public interface Engine extends AutoCloseable {
    /**
     * Binds the engine to this node's fan-out sink and its procedure registry (for calls between nodes; an engine
     * of one node ignores it, and it may be null) and connects to the backend.
     */
    void start(Fanout fanout, NodeCalls calls);

    /** A short name for logs and health output ({@code memory}, {@code redis}). */
    String name();

    /** Publishes to a valid concrete topic; completes with the offset it was given. */
    default CompletionStage<Long> publish(String topic, Payload data) {
        return publish(topic, data, java.util.Map.of(), null).thenApply(Published::offset);
    }

    /** Publishes with tags (see {@link #publish(String, Payload, java.util.Map, String)}); completes with the offset. */
    default CompletionStage<Long> publish(String topic, Payload data, java.util.Map<String, String> tags) {
        return publish(topic, data, tags, null).thenApply(Published::offset);
    }

    /**
     * Publishes to a valid concrete topic, with tags (empty: none), which travel with the publication to subscribers
     * and into history; completes with the epoch and offset the publication was given.
     *
     * <p>{@code pubId} (null: none) is the client's publication id (valid as {@link dev.ferry.protocol.PubIds}
     * checks it): when a publication of {@code topic} with the same id was made within the dedup window, nothing is
     * published and the stage completes with that publication's epoch and offset.
     *
     * <p>Failures: {@link OutcomeUnknownException} when the publication went to the backend and no answer came (it
     * may have been made); {@link PubIdsFullException} when there is no room to remember one more id;
     * {@link StateTopicException} for a state channel; {@link UnsupportedOperationException} for tags the engine
     * cannot carry. Any other failure means nothing was published.
     */
    CompletionStage<Published> publish(String topic, Payload data, java.util.Map<String, String> tags, String pubId);

    /**
     * This node has local subscribers of {@code pattern} (called once per pattern, when the first appears).
     * Completes once publications matching it flow to the fanout.
     */
    CompletionStage<Void> addInterest(String pattern);

    /** The last local subscriber of {@code pattern} is gone. */
    void removeInterest(String pattern);

    /**
     * Reads a topic: retained publications with offset greater than {@code after}, oldest first, or, when
     * {@code reverse}, with offset less than {@code before} (0: the latest + 1), newest first; at most
     * {@code limit} (0 reads only the position).
     */
    CompletionStage<TopicSnapshot> read(String topic, long after, long before, int limit, boolean reverse);

    /**
     * Subscriber counts per pattern over the whole cluster, as last gathered (a few seconds old at most), or
     * {@code null} when this node is the whole cluster (the hub then answers from its own tree).
     */
    default java.util.Map<String, Integer> clusterPatternCounts() {
        return null;
    }

    /**
     * Where resumable sessions live when the engine shares them between nodes (docs/protocol.md §4.5), or null for
     * this node's memory. Asked once, after {@link #start}.
     */
    default SessionStore sessionStore() {
        return null;
    }

    /** RPC to callees on other nodes, or null for an engine of a single node. */
    default RemoteProcedures remoteProcedures() {
        return null;
    }

    /**
     * The presence store shared by the nodes of this engine's cluster, or null for an engine of a single node
     * (presence then lives in the node's memory). Called once, after {@link #start}.
     */
    default PresenceStore presenceStore(PresenceConfig config) {
        return null;
    }

    /** The engine's store of state channel documents (docs/protocol.md §4.6), or null when it keeps none. */
    default StateStore stateStore() {
        return null;
    }

    /**
     * Frees what has outlived its time: expired history, and topics nothing needs any more. Returns how many topics
     * were freed. Called about once a second by the server's housekeeping thread, never on an event loop; an engine
     * whose backend expires things itself does nothing.
     */
    default int expire() {
        return 0;
    }

    /**
     * Links this node, named {@code node} (the prefix of its connection ids), to the other nodes of the cluster:
     * {@code handler} answers their server API requests from then on. Null for an engine of a single node (the
     * server then answers itself). Called once, after {@link #start}.
     */
    default NodeLink nodeLink(String node, NodeLink.Handler handler) {
        return null;
    }

    /**
     * Whether this engine takes new history settings ({@code history.*}) on a configuration reload, through
     * {@link #reloadHistory}; the default does not, and a change of them needs a restart.
     */
    default boolean reloadsHistory() {
        return false;
    }

    /**
     * A configuration reload changed the history settings; called only when {@link #reloadsHistory()}. Called off
     * the event loops.
     */
    default void reloadHistory(HistoryConfig next) {
        throw new UnsupportedOperationException("engine " + name() + " does not reload history settings");
    }

    /**
     * Drops a topic's history and gives it a new epoch (docs/http-api.md, {@code DELETE /v1/admin/topics/{topic}/history}):
     * the next publication is offset 1 of the new epoch, and a subscriber recovering from the old epoch is answered
     * {@code recovered: false}. Completes with how many publications the history held, or fails with
     * {@link StateTopicException} for a state channel (its history is its document's).
     */
    default CompletionStage<Long> clearHistory(String topic) {
        return java.util.concurrent.CompletableFuture.failedFuture(
                new UnsupportedOperationException("engine " + name() + " cannot clear a topic's history"));
    }

    /** Whether the engine can serve now (for {@code /readyz}). */
    boolean ready();

    @Override
    void close();
}
