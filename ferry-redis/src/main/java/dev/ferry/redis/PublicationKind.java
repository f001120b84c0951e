package dev.ferry.redis;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.Payload;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code kind} of a publication in Redis: what its data is and, when it has tags, the tags. It is the stream
 * entry's {@code k} field and, on a topic channel, the bytes between the offset line and the data:
 * <ul>
 *   <li>{@code j} / {@code b}: JSON / binary data, no tags (one byte);</li>
 *   <li>{@code J} / {@code B}: the same with tags, followed by the tags as a compact JSON object of strings and a
 *       line feed ({@code J{"region":"east"}\n}). Compact JSON escapes every control character, so the first
 *       line feed ends the tags.</li>
 * </ul>
 * The Lua scripts treat the kind as opaque bytes, so tags need no change on the Redis side, and entries written
 * before tags existed read unchanged.
 */
final class PublicationKind {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, String>> TAGS = new TypeReference<>() {
    };
    private static final byte[] JSON_KIND = {'j'};
    private static final byte[] BINARY_KIND = {'b'};

    private PublicationKind() {
    }

    static byte[] encode(Payload data, Map<String, String> tags) {
        if (tags.isEmpty()) {
            return data.isBinary() ? BINARY_KIND : JSON_KIND;
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(new TreeMap<>(tags));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] kind = new byte[json.length + 2];
        kind[0] = (byte) (data.isBinary() ? 'B' : 'J');
        System.arraycopy(json, 0, kind, 1, json.length);
        kind[kind.length - 1] = '\n';
        return kind;
    }

    /**
     * The publication whose kind is {@code kind} and data {@code bytes} from {@code start} (a stream entry), or,
     * when {@code kind} is null, whose kind starts at {@code bytes[start]} and is followed by the data (a channel
     * message). IllegalArgumentException when malformed.
     */
    static Frame.Msg msg(String topic, long offset, String epoch, byte[] kind, byte[] bytes, int start) {
        byte[] k = kind;
        int dataStart = start;
        if (k == null) {
            if (start >= bytes.length) {
                throw new IllegalArgumentException("no kind");
            }
            int end = start + 1;
            if (Character.isUpperCase(bytes[start])) {
                while (end < bytes.length && bytes[end - 1] != '\n') {
                    end++;
                }
                if (bytes[end - 1] != '\n') {
                    throw new IllegalArgumentException("unterminated tags");
                }
            }
            k = Arrays.copyOfRange(bytes, start, end);
            dataStart = end;
        }
        if (k.length == 0) {
            throw new IllegalArgumentException("no kind");
        }
        byte[] data = dataStart == 0 ? bytes : Arrays.copyOfRange(bytes, dataStart, bytes.length);
        Payload payload = switch (k[0]) {
            case 'j', 'J' -> Payload.json(data);
            case 'b', 'B' -> Payload.binary(data);
            default -> throw new IllegalArgumentException("unknown kind " + (char) k[0]);
        };
        Map<String, String> tags = null;
        if (k[0] == 'J' || k[0] == 'B') {
            try {
                tags = JSON.readValue(k, 1, k.length - 2, TAGS);
            } catch (IOException e) {
                throw new IllegalArgumentException("malformed tags: " + e.getMessage(), e);
            }
        }
        return new Frame.Msg(topic, offset, epoch, payload, tags);
    }
}
