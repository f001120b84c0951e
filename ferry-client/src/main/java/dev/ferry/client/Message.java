package dev.ferry.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.client.internal.Json;
import java.util.Objects;

/**
 * One publication delivered to a subscription.
 *
 * @param topic the concrete topic it was published on
 * @param offset its offset on that topic (1, 2, 3, ...)
 * @param data the JSON payload, or {@code null} for a binary publication
 * @param binary the binary payload, or {@code null} for a JSON publication (not copied: do not modify)
 * @param tags the tags its publisher set (docs/protocol.md §4.4); empty when none
 */
public record Message(String topic, long offset, JsonNode data, byte[] binary, java.util.Map<String, String> tags) {
    public Message {
        Objects.requireNonNull(topic, "topic");
        tags = tags == null ? java.util.Map.of() : java.util.Map.copyOf(tags);
        if ((data == null) == (binary == null)) {
            throw new IllegalArgumentException("exactly one of data and binary must be given");
        }
    }

    /** A publication without tags. */
    public Message(String topic, long offset, JsonNode data, byte[] binary) {
        this(topic, offset, data, binary, null);
    }

    /** Whether the publication was binary ({@link #binary()}) rather than JSON ({@link #data()}). */
    public boolean isBinary() {
        return binary != null;
    }

    /** The JSON payload converted to {@code type} (e.g. a record); fails for a binary publication. */
    public <T> T dataAs(Class<T> type) {
        if (data == null) {
            throw new IllegalStateException("binary publication on " + topic + " has no JSON data");
        }
        try {
            return Json.MAPPER.treeToValue(data, type);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot convert the data on " + topic + " to " + type.getName(), e);
        }
    }

    @Override
    public String toString() {
        return "Message[topic=" + topic + ", offset=" + offset + ", "
                + (binary != null ? "binary=" + binary.length + " bytes" : "data=" + data)
                + (tags.isEmpty() ? "" : ", tags=" + tags) + "]";
    }
}
