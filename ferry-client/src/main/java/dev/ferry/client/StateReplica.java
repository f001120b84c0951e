package dev.ferry.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.protocol.state.JsonPatch;
import dev.ferry.protocol.state.PatchException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A local copy of a state channel's document (docs/protocol.md §4.6), kept in sync by the client: it starts from
 * a snapshot, applies every patch in version order, and after a reconnect asks for the patches it missed (or a
 * fresh snapshot when the server no longer has them). Made by {@link FerryClient#followState}.
 *
 * <p>Threading: updated on the client's dispatch thread, where the {@link StateListener} is called; the getters
 * may be called from any thread and answer the latest applied version.
 */
public final class StateReplica {
    private final FerryClient client;
    private final String topic;
    private final StateListener listener;
    final CompletableFuture<StateReplica> ready = new CompletableFuture<>();
    final AtomicBoolean active = new AtomicBoolean(true);

    /** The applied state, replaced as a whole (never modified in place), so readers see one version. */
    private record Applied(String epoch, long version, JsonNode document) {
    }

    private volatile Applied applied;

    StateReplica(FerryClient client, String topic, StateListener listener) {
        this.client = client;
        this.topic = topic;
        this.listener = listener;
    }

    public String topic() {
        return topic;
    }

    /** A copy of the document at {@link #version()}, or null before the first snapshot. */
    public JsonNode document() {
        Applied a = applied;
        return a == null ? null : a.document.deepCopy();
    }

    /** The version of the document held (-1 before the first snapshot). */
    public long version() {
        Applied a = applied;
        return a == null ? -1 : a.version;
    }

    /** The epoch of {@link #version()} (null before the first snapshot, or before the channel's first write). */
    public String epoch() {
        Applied a = applied;
        return a == null ? null : a.epoch;
    }

    /** Completes once the replica holds its first document. */
    public CompletableFuture<StateReplica> ready() {
        return ready;
    }

    /** Stops following the channel (the server is told). Idempotent. */
    public CompletableFuture<Void> close() {
        return client.unfollow(this);
    }

    // ---- dispatch thread only

    void snapshot(String epoch, long version, JsonNode document) {
        applied = new Applied(epoch, version, document);
        notify(new StateChange(topic, epoch, version, document, null));
        ready.complete(this);
    }

    /** Applies one patch; false when it does not follow the version held (the replica must resynchronise). */
    boolean patch(String epoch, long version, JsonNode patch) {
        Applied a = applied;
        if (a == null) {
            return false;
        }
        boolean sameEpoch = a.epoch == null || a.epoch.equals(epoch);
        if (sameEpoch && version <= a.version) {
            return true; // had it already (a replay after a reconnect)
        }
        if (!sameEpoch || version != a.version + 1) {
            return false;
        }
        JsonNode next;
        try {
            next = JsonPatch.apply(a.document, patch);
        } catch (PatchException e) {
            return false;
        }
        applied = new Applied(epoch, version, next);
        notify(new StateChange(topic, epoch, version, next, patch));
        return true;
    }

    private void notify(StateChange change) {
        if (active.get() && listener != null) {
            listener.onChange(change);
        }
    }

    @Override
    public String toString() {
        return "StateReplica[" + topic + " v" + version() + "]";
    }
}
