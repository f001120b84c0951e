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
 */
public record Message(String topic, long offset, JsonNode data, byte[] binary) {
    public Message {
        Objects.requireNonNull(topic, "topic");
        if ((data == null) == (binary == null)) {
            throw new IllegalArgumentException("exactly one of data and binary must be given");
        }
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
                + (binary != null ? "binary=" + binary.length + " bytes" : "data=" + data) + "]";
    }
}
