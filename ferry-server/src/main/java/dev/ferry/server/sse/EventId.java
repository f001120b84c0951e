package dev.ferry.server.sse;

import dev.ferry.protocol.Frame;
import dev.ferry.protocol.Topics;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code id:} of {@code /v1/sse} events, which a reconnecting client sends back as {@code Last-Event-ID}: the
 * position of every topic the stream has seen, most recently delivered first (docs/web.md):
 * <pre>
 *   id    = entry *( "," entry )
 *   entry = topic "=" offset "@" epoch
 * </pre>
 * e.g. {@code chat.room1=42@9f2c0a1b7d3e,chat.room2=7@51aa07e3c2d9}. In the topic and the epoch, {@code %},
 * {@code ,}, {@code =} and every byte of the UTF-8 encoding outside printable ASCII are written {@code %XX}, so the
 * id is printable ASCII and safe in a header. An id is at most {@link #MAX_CHARS} characters: it keeps the most
 * recently delivered topics that fit.
 */
final class EventId {
    /** Longest id written or accepted; it fits in a request line and in a header. */
    static final int MAX_CHARS = 2048;

    private EventId() {
    }

    /** One entry; the caller adds entries, newest first, while {@code length() + entry.length() + 1 <= MAX_CHARS}. */
    static String entry(Frame.Position p) {
        StringBuilder b = new StringBuilder(p.topic().length() + 24);
        escape(b, p.topic());
        b.append('=').append(p.offset()).append('@');
        escape(b, p.epoch() == null ? "" : p.epoch());
        return b.toString();
    }

    /** Parses an id; IllegalArgumentException says what is wrong with it. */
    static List<Frame.Position> parse(String id) {
        if (id.length() > MAX_CHARS) {
            throw new IllegalArgumentException("longer than " + MAX_CHARS + " characters");
        }
        List<Frame.Position> out = new ArrayList<>();
        if (id.isEmpty()) {
            return out;
        }
        for (String entry : id.split(",", -1)) {
            int eq = entry.indexOf('=');
            int at = eq < 0 ? -1 : entry.indexOf('@', eq);
            if (eq <= 0 || at < 0) {
                throw new IllegalArgumentException("entry \"" + entry + "\" (expected: topic=offset@epoch)");
            }
            String topic = unescape(entry.substring(0, eq));
            String why = Topics.checkTopic(topic);
            if (why != null) {
                throw new IllegalArgumentException("entry \"" + entry + "\": " + why);
            }
            long offset;
            try {
                offset = Long.parseLong(entry.substring(eq + 1, at));
            } catch (NumberFormatException e) {
                offset = -1;
            }
            if (offset < 0 || !entry.substring(eq + 1, at).chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new IllegalArgumentException("entry \"" + entry + "\": offset is not a non-negative integer");
            }
            String epoch = unescape(entry.substring(at + 1));
            if (epoch.isEmpty() && offset != 0) {
                throw new IllegalArgumentException("entry \"" + entry + "\": missing epoch");
            }
            out.add(new Frame.Position(topic, offset, epoch.isEmpty() ? null : epoch));
        }
        return out;
    }

    private static void escape(StringBuilder b, String s) {
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if (c <= 0x20 || c >= 0x7f || c == '%' || c == ',' || c == '=') {
                b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            } else {
                b.append((char) c);
            }
        }
    }

    private static String unescape(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                int hi = i + 2 < s.length() ? Character.digit(s.charAt(i + 1), 16) : -1;
                int lo = hi < 0 ? -1 : Character.digit(s.charAt(i + 2), 16);
                if (lo < 0) {
                    throw new IllegalArgumentException("bad %-escape in \"" + s + "\"");
                }
                out.write(hi << 4 | lo);
                i += 2;
            } else if (c <= 0x20 || c >= 0x7f || c == ',' || c == '=') {
                throw new IllegalArgumentException("unexpected character in \"" + s + "\"");
            } else {
                out.write(c);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
