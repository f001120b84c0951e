package dev.ferry.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * A payload exactly as it travels: either the UTF-8 bytes of one JSON value (never re-encoded by the server),
 * or opaque bytes carried by a binary message.
 */
public final class Payload {
    /** The JSON value {@code null}. */
    public static final Payload NULL = new Payload("null".getBytes(StandardCharsets.UTF_8), false);

    private final byte[] bytes;
    private final boolean binary;

    private Payload(byte[] bytes, boolean binary) {
        this.bytes = Objects.requireNonNull(bytes, "bytes");
        this.binary = binary;
    }

    /** A JSON payload from the UTF-8 encoding of one JSON value; the caller vouches that it is valid JSON. */
    public static Payload json(byte[] utf8Json) {
        return new Payload(utf8Json, false);
    }

    /** A JSON payload from the text of one JSON value; the caller vouches that it is valid JSON. */
    public static Payload json(String json) {
        return new Payload(json.getBytes(StandardCharsets.UTF_8), false);
    }

    /** An opaque binary payload. */
    public static Payload binary(byte[] bytes) {
        return new Payload(bytes, true);
    }

    /** The raw bytes (JSON text in UTF-8, or the opaque bytes). Not copied: do not modify. */
    public byte[] bytes() {
        return bytes;
    }

    public boolean isBinary() {
        return binary;
    }

    public int length() {
        return bytes.length;
    }

    /** The JSON text of a JSON payload. */
    public String jsonText() {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Payload p && p.binary == binary && Arrays.equals(p.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(bytes) + (binary ? 1 : 0);
    }

    @Override
    public String toString() {
        return binary ? "binary[" + bytes.length + " bytes]" : jsonText();
    }
}
