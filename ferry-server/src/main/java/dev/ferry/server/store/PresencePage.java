package dev.ferry.server.store;

import dev.ferry.protocol.FrameCodec;
import dev.ferry.protocol.Payload;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One page of a topic's presence, in connection id order: {@code count} entries in all, these {@code entries}
 * (each the JSON of a {@link PresenceEntry}), and the cursor of the next page ({@code null} on the last).
 */
public record PresencePage(String topic, int count, List<byte[]> entries, String next) {
    public PresencePage {
        entries = List.copyOf(entries);
    }

    /** {@code {"topic","count","entries":[...],"next"}}: the result of {@code presence} and of the HTTP endpoint. */
    public Payload toJson() {
        ByteArrayOutputStream b = new ByteArrayOutputStream(64 + entries.size() * 96);
        b.writeBytes("{\"topic\":".getBytes(StandardCharsets.US_ASCII));
        b.writeBytes(FrameCodec.quote(topic));
        b.writeBytes((",\"count\":" + count + ",\"entries\":[").getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < entries.size(); i++) {
            if (i > 0) {
                b.write(',');
            }
            b.writeBytes(entries.get(i));
        }
        b.writeBytes("],\"next\":".getBytes(StandardCharsets.US_ASCII));
        b.writeBytes(next == null ? "null".getBytes(StandardCharsets.US_ASCII) : FrameCodec.quote(next));
        b.write('}');
        return Payload.json(b.toByteArray());
    }
}
