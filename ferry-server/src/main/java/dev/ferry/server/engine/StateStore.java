package dev.ferry.server.engine;

import dev.ferry.protocol.Payload;
import java.util.concurrent.CompletionStage;

/**
 * The state channel part of an engine (docs/protocol.md §4.6): one JSON document per topic, whose version is the
 * topic's offset. A change is stored together with its patch, published as the topic's next publication, in one
 * atomic step, so that every node serves the same document and every subscriber sees every change in order.
 *
 * <p>Threading: as {@link Engine}, no method blocks; stages complete on a thread of the engine's choosing.
 */
public interface StateStore {
    /**
     * A topic's document as stored: {@code json} is null when none is (never written), {@code epoch} null when
     * the topic has none yet; {@code version} is the topic's offset.
     */
    record Document(String topic, String epoch, long version, byte[] json) {
    }

    /** The outcome of {@link #commitState}: the new position when {@code committed}, else where the topic is now. */
    record Commit(boolean committed, String epoch, long version) {
    }

    /** Reads a topic's document and version, consistently. */
    CompletionStage<Document> readState(String topic);

    /**
     * Stores {@code json} as the document of {@code topic} and publishes {@code patch} as its next publication
     * (offset {@code version + 1}), both only if the topic is still at {@code version} in {@code epoch} (null: a
     * topic without an epoch yet); otherwise changes nothing and answers where it stands.
     */
    CompletionStage<Commit> commitState(String topic, String epoch, long version, byte[] json, Payload patch);
}
