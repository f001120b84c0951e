package dev.ferry.client;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One change of a {@link StateReplica}: the document after it, at {@code version} of {@code epoch}, and the
 * RFC 6902 {@code patch} that made it, or null when the replica took a whole snapshot (the first one, and after
 * the client could not catch up with patches).
 */
public record StateChange(String topic, String epoch, long version, JsonNode document, JsonNode patch) {
    public boolean isSnapshot() {
        return patch == null;
    }
}
