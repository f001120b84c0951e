package dev.ferry.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The common {@code pub} frame read without a JSON parser: one pass over the bytes, no parser, no token or field
 * objects, only the topic string, the payload copy and the frame it makes. It takes exactly the frames of the form
 * {@code {"type":"pub","topic":"...","data":<any JSON>}} with optional {@code "id"} (an integer in [1, 2^53-1])
 * and {@code "ack"} ({@code true}/{@code false}), members in any order, JSON whitespace anywhere, no escape in the
 * member names, in {@code type} or in {@code topic}, each member at most once, no other member. For anything else
 * (another type, another member, a duplicate, an escape, a value of the wrong kind, malformed JSON of any kind) it
 * answers null and {@link FrameCodec} reads the frame with its full parser, which makes every answer and error.
 * What it returns equals what the full parser returns for the same bytes (FrameCodecTest and PubScannerFuzzTest
 * compare the two); the payload is the value's exact bytes, as the full parser keeps them.
 *
 * <p>Called after the frame has passed the well-formed Unicode check, as the full parser is. Stateless.
 */
final class PubScanner {
    /** Deeper payloads are left to the full parser (its limit is 256). */
    private static final int MAX_DEPTH = 200;
    /** Longer numbers are left to the full parser (it bounds them too). */
    private static final int MAX_NUMBER_CHARS = 100;
    /** Longer frames are left to the full parser (it bounds a string at 20,000,000 characters). */
    private static final int MAX_FRAME_BYTES = 16 << 20;

    private static final byte[] TYPE = {'t', 'y', 'p', 'e'};
    private static final byte[] TOPIC = {'t', 'o', 'p', 'i', 'c'};
    private static final byte[] DATA = {'d', 'a', 't', 'a'};
    private static final byte[] ID = {'i', 'd'};
    private static final byte[] ACK = {'a', 'c', 'k'};
    private static final byte[] PUB = {'p', 'u', 'b'};

    private PubScanner() {
    }

    /** The {@code pub} frame in {@code len} bytes of {@code buf} from {@code off}, or null: use the full parser. */
    static Frame.Pub scan(byte[] buf, int off, int len) {
        if (len > MAX_FRAME_BYTES) {
            return null;
        }
        int end = off + len;
        int i = ws(buf, off, end);
        if (i >= end || buf[i] != '{') {
            return null;
        }
        boolean typeSeen = false;
        String topic = null;
        int dataStart = -1;
        int dataEnd = -1;
        long id = 0;
        boolean idSeen = false;
        boolean ack = false;
        boolean ackSeen = false;
        i = ws(buf, i + 1, end);
        if (i < end && buf[i] == '}') {
            return null; // no type: the full parser's error
        }
        for (;;) {
            if (i >= end || buf[i] != '"') {
                return null;
            }
            int nameStart = i + 1;
            int nameEnd = plainStringEnd(buf, nameStart, end);
            if (nameEnd < 0) {
                return null;
            }
            i = ws(buf, nameEnd + 1, end);
            if (i >= end || buf[i] != ':') {
                return null;
            }
            i = ws(buf, i + 1, end);
            if (i >= end) {
                return null;
            }
            if (is(buf, nameStart, nameEnd, TYPE)) {
                if (typeSeen || buf[i] != '"') {
                    return null;
                }
                int e = plainStringEnd(buf, i + 1, end);
                if (e < 0 || !is(buf, i + 1, e, PUB)) {
                    return null;
                }
                typeSeen = true;
                i = e + 1;
            } else if (is(buf, nameStart, nameEnd, TOPIC)) {
                if (topic != null || buf[i] != '"') {
                    return null;
                }
                int e = plainStringEnd(buf, i + 1, end);
                if (e < 0) {
                    return null;
                }
                topic = new String(buf, i + 1, e - i - 1, StandardCharsets.UTF_8);
                i = e + 1;
            } else if (is(buf, nameStart, nameEnd, DATA)) {
                if (dataStart >= 0) {
                    return null;
                }
                dataStart = i;
                dataEnd = value(buf, i, end, 0);
                if (dataEnd < 0) {
                    return null;
                }
                i = dataEnd;
            } else if (is(buf, nameStart, nameEnd, ID)) {
                if (idSeen) {
                    return null;
                }
                int e = i;
                long v = 0;
                while (e < end && buf[e] >= '0' && buf[e] <= '9' && e - i < 17) {
                    v = v * 10 + (buf[e] - '0');
                    e++;
                }
                if (e == i || buf[i] == '0' || v > FrameCodec.MAX_ID
                        || (e < end && (buf[e] == '.' || buf[e] == 'e' || buf[e] == 'E' || (buf[e] >= '0' && buf[e] <= '9')))) {
                    return null; // 0, leading zeros, fractions, exponents, too large: the full parser's answer
                }
                id = v;
                idSeen = true;
                i = e;
            } else if (is(buf, nameStart, nameEnd, ACK)) {
                if (ackSeen) {
                    return null;
                }
                if (literal(buf, i, end, "true")) {
                    ack = true;
                    i += 4;
                } else if (literal(buf, i, end, "false")) {
                    i += 5;
                } else {
                    return null;
                }
                ackSeen = true;
            } else {
                return null;
            }
            i = ws(buf, i, end);
            if (i >= end) {
                return null;
            }
            if (buf[i] == ',') {
                i = ws(buf, i + 1, end);
                continue;
            }
            if (buf[i] != '}') {
                return null;
            }
            break;
        }
        if (ws(buf, i + 1, end) != end || !typeSeen || topic == null || dataStart < 0) {
            return null;
        }
        return new Frame.Pub(id, topic, Payload.json(Arrays.copyOfRange(buf, dataStart, dataEnd)), ack);
    }

    static int ws(byte[] b, int i, int end) {
        while (i < end && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r')) {
            i++;
        }
        return i;
    }

    static boolean is(byte[] b, int from, int to, byte[] word) {
        return Arrays.equals(b, from, to, word, 0, word.length);
    }

    static boolean literal(byte[] b, int i, int end, String word) {
        if (end - i < word.length()) {
            return false;
        }
        for (int k = 0; k < word.length(); k++) {
            if (b[i + k] != word.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    /** The index of the closing quote of a string without escapes or control characters from {@code i}, or -1. */
    static int plainStringEnd(byte[] b, int i, int end) {
        for (; i < end; i++) {
            int c = b[i] & 0xff;
            if (c == '"') {
                return i;
            }
            if (c == '\\' || c < 0x20) {
                return -1;
            }
        }
        return -1;
    }

    /** The index just past the JSON value starting at {@code i} (RFC 8259, strictly), or -1. */
    static int value(byte[] b, int i, int end, int depth) {
        if (i >= end) {
            return -1;
        }
        switch (b[i]) {
            case '"':
                return string(b, i + 1, end);
            case '{': {
                if (depth >= MAX_DEPTH) {
                    return -1;
                }
                i = ws(b, i + 1, end);
                if (i < end && b[i] == '}') {
                    return i + 1;
                }
                for (;;) {
                    if (i >= end || b[i] != '"') {
                        return -1;
                    }
                    i = string(b, i + 1, end);
                    if (i < 0) {
                        return -1;
                    }
                    i = ws(b, i, end);
                    if (i >= end || b[i] != ':') {
                        return -1;
                    }
                    i = value(b, ws(b, i + 1, end), end, depth + 1);
                    if (i < 0) {
                        return -1;
                    }
                    i = ws(b, i, end);
                    if (i >= end) {
                        return -1;
                    }
                    if (b[i] == '}') {
                        return i + 1;
                    }
                    if (b[i] != ',') {
                        return -1;
                    }
                    i = ws(b, i + 1, end);
                }
            }
            case '[': {
                if (depth >= MAX_DEPTH) {
                    return -1;
                }
                i = ws(b, i + 1, end);
                if (i < end && b[i] == ']') {
                    return i + 1;
                }
                for (;;) {
                    i = value(b, i, end, depth + 1);
                    if (i < 0) {
                        return -1;
                    }
                    i = ws(b, i, end);
                    if (i >= end) {
                        return -1;
                    }
                    if (b[i] == ']') {
                        return i + 1;
                    }
                    if (b[i] != ',') {
                        return -1;
                    }
                    i = ws(b, i + 1, end);
                }
            }
            case 't':
                return literal(b, i, end, "true") ? delimited(b, i + 4, end) : -1;
            case 'f':
                return literal(b, i, end, "false") ? delimited(b, i + 5, end) : -1;
            case 'n':
                return literal(b, i, end, "null") ? delimited(b, i + 4, end) : -1;
            default:
                return number(b, i, end);
        }
    }

    /** {@code i} when a value ending there is followed by a delimiter (or the end), else -1 ({@code truex}). */
    private static int delimited(byte[] b, int i, int end) {
        if (i == end) {
            return i;
        }
        byte c = b[i];
        return c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\n' || c == '\r' ? i : -1;
    }

    /** Past the closing quote of a string whose content starts at {@code i}, escapes checked; or -1. */
    private static int string(byte[] b, int i, int end) {
        for (; i < end; i++) {
            int c = b[i] & 0xff;
            if (c == '"') {
                return i + 1;
            }
            if (c < 0x20) {
                return -1;
            }
            if (c == '\\') {
                if (++i >= end) {
                    return -1;
                }
                switch (b[i]) {
                    case '"', '\\', '/', 'b', 'f', 'n', 'r', 't' -> {
                    }
                    case 'u' -> {
                        if (end - i < 5) {
                            return -1;
                        }
                        for (int k = 1; k <= 4; k++) {
                            if (Character.digit(b[i + k], 16) < 0) {
                                return -1;
                            }
                        }
                        i += 4;
                    }
                    default -> {
                        return -1;
                    }
                }
            }
        }
        return -1;
    }

    /** Past a number of RFC 8259's grammar starting at {@code i}, or -1. */
    private static int number(byte[] b, int i, int end) {
        int start = i;
        if (i < end && b[i] == '-') {
            i++;
        }
        if (i >= end) {
            return -1;
        }
        if (b[i] == '0') {
            i++;
        } else if (b[i] >= '1' && b[i] <= '9') {
            while (i < end && b[i] >= '0' && b[i] <= '9') {
                i++;
            }
        } else {
            return -1;
        }
        if (i < end && b[i] == '.') {
            int digits = ++i;
            while (i < end && b[i] >= '0' && b[i] <= '9') {
                i++;
            }
            if (i == digits) {
                return -1;
            }
        }
        if (i < end && (b[i] == 'e' || b[i] == 'E')) {
            i++;
            if (i < end && (b[i] == '+' || b[i] == '-')) {
                i++;
            }
            int digits = i;
            while (i < end && b[i] >= '0' && b[i] <= '9') {
                i++;
            }
            if (i == digits) {
                return -1;
            }
        }
        return i - start > MAX_NUMBER_CHARS ? -1 : delimited(b, i, end);
    }
}
