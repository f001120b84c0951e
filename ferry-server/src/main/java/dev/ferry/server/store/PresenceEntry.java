package dev.ferry.server.store;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.ferry.protocol.FrameCodec;
import dev.ferry.protocol.Payload;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * One connection present in a topic: its id, the user of its identity ({@code null} when anonymous), the info it
 * gave ({@code null} or a JSON object) and when it joined (Unix milliseconds). Its JSON,
 * {@code {"conn","user","info"?,"joined"}}, is what queries and pushes carry and what cluster stores keep.
 */
public record PresenceEntry(String conn, String user, Payload info, long joined) {
    private static final JsonFactory JSON = new JsonFactory();

    public PresenceEntry {
        Objects.requireNonNull(conn, "conn");
    }

    /** The entry as a compact JSON object. */
    public byte[] json() {
        ByteArrayOutputStream b = new ByteArrayOutputStream(64 + (info == null ? 0 : info.length()));
        b.writeBytes("{\"conn\":".getBytes(StandardCharsets.US_ASCII));
        b.writeBytes(FrameCodec.quote(conn));
        b.writeBytes(",\"user\":".getBytes(StandardCharsets.US_ASCII));
        b.writeBytes(user == null ? "null".getBytes(StandardCharsets.US_ASCII) : FrameCodec.quote(user));
        if (info != null) {
            b.writeBytes(",\"info\":".getBytes(StandardCharsets.US_ASCII));
            b.writeBytes(info.bytes());
        }
        b.writeBytes((",\"joined\":" + joined + "}").getBytes(StandardCharsets.US_ASCII));
        return b.toByteArray();
    }

    /** Reads an entry written by {@link #json()}; IllegalArgumentException when it is not one. */
    public static PresenceEntry parse(byte[] json) {
        String conn = null;
        String user = null;
        Payload info = null;
        long joined = 0;
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("a presence entry must be a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                switch (name) {
                    case "conn" -> conn = p.getText();
                    case "user" -> user = t == JsonToken.VALUE_NULL ? null : p.getText();
                    case "joined" -> joined = p.getLongValue();
                    case "info" -> {
                        int start = (int) p.currentTokenLocation().getByteOffset();
                        p.skipChildren();
                        int end = (int) p.currentLocation().getByteOffset();
                        info = Payload.json(Arrays.copyOfRange(json, start, end));
                    }
                    default -> p.skipChildren();
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("malformed presence entry: " + e.getMessage(), e);
        }
        if (conn == null) {
            throw new IllegalArgumentException("a presence entry needs \"conn\"");
        }
        return new PresenceEntry(conn, user, info, joined);
    }
}
