package dev.ferry.client.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.BinaryNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.ferry.protocol.Payload;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Conversions between application values and ferry.v1 payloads. */
public final class Json {
    /** Shared, never reconfigured after construction (ObjectMapper is thread-safe once configured). */
    public static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    /**
     * The payload for an application value: {@code byte[]} and {@link BinaryNode} travel as binary, a
     * {@link JsonNode} as its JSON text, anything else as Jackson serializes it.
     */
    public static Payload toPayload(Object value) {
        if (value instanceof byte[] b) {
            return Payload.binary(b);
        }
        if (value instanceof BinaryNode b) {
            return Payload.binary(b.binaryValue());
        }
        if (value == null || value instanceof NullNode) {
            return Payload.NULL;
        }
        try {
            return Payload.json(MAPPER.writeValueAsBytes(value));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot encode " + value.getClass().getName() + " as JSON: "
                    + e.getOriginalMessage(), e);
        }
    }

    /** The payload as a tree: a {@link BinaryNode} for binary payloads, {@code null} for none. */
    public static JsonNode toNode(Payload payload) {
        if (payload == null) {
            return null;
        }
        if (payload.isBinary()) {
            return BinaryNode.valueOf(payload.bytes());
        }
        try {
            return MAPPER.readTree(payload.bytes());
        } catch (IOException e) {
            throw new UncheckedIOException("server sent a payload that is not JSON", e);
        }
    }
}
