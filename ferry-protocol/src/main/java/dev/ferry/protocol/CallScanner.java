package dev.ferry.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The common {@code call} and {@code reply} frames read without a JSON parser, as {@link PubScanner} reads
 * {@code pub} (and with its JSON helpers): one pass over the bytes, no parser, no token or field objects, only the
 * procedure's string, the payload copy and the frame it makes. It takes exactly the frames of the forms
 * {@code {"type":"call","id":N,"proc":"...","args":<any JSON>}} with optional {@code "args"}, {@code "timeout"} (an
 * integer in [1, 10^17)) and {@code "progress"} ({@code true}/{@code false}), and
 * {@code {"type":"reply","id":N,"data":<any JSON>}} with optional {@code "progress"}; {@code id} an integer in
 * [1, 2^53-1], members in any order, JSON whitespace anywhere, no escape in the member names, in {@code type} or
 * in {@code proc}, each member at most once, no other member (a reply with {@code "error"} is the full parser's).
 * For anything else it answers null and {@link FrameCodec} reads the frame with its full parser, which makes every
 * answer and error. What it returns equals what the full parser returns for the same bytes (CallScannerTest and
 * CallScannerFuzzTest compare the two); a payload is the value's exact bytes, as the full parser keeps them.
 *
 * <p>Called after the frame has passed the well-formed Unicode check, as the full parser is. Stateless.
 */
final class CallScanner {
    /** Longer frames are left to the full parser, as {@link PubScanner} leaves them. */
    private static final int MAX_FRAME_BYTES = 16 << 20;
    /** Integers of more digits are left to the full parser. */
    private static final int MAX_DIGITS = 17;

    private static final byte[] TYPE = {'t', 'y', 'p', 'e'};
    private static final byte[] ID = {'i', 'd'};
    private static final byte[] PROC = {'p', 'r', 'o', 'c'};
    private static final byte[] ARGS = {'a', 'r', 'g', 's'};
    private static final byte[] DATA = {'d', 'a', 't', 'a'};
    private static final byte[] TIMEOUT = {'t', 'i', 'm', 'e', 'o', 'u', 't'};
    private static final byte[] PROGRESS = {'p', 'r', 'o', 'g', 'r', 'e', 's', 's'};
    private static final byte[] CALL = {'c', 'a', 'l', 'l'};
    private static final byte[] REPLY = {'r', 'e', 'p', 'l', 'y'};

    private static final int NONE = 0;
    private static final int IS_CALL = 1;
    private static final int IS_REPLY = 2;

    private CallScanner() {
    }

    /**
     * The {@code call} or {@code reply} frame in {@code len} bytes of {@code buf} from {@code off}, or null: use the
     * full parser.
     */
    static Frame scan(byte[] buf, int off, int len) {
        if (len > MAX_FRAME_BYTES) {
            return null;
        }
        int end = off + len;
        int i = PubScanner.ws(buf, off, end);
        if (i >= end || buf[i] != '{') {
            return null;
        }
        int type = NONE;
        long id = 0;
        String proc = null;
        int payloadStart = -1;
        int payloadEnd = -1;
        boolean argsSeen = false;
        boolean dataSeen = false;
        long timeout = 0;
        boolean progress = false;
        boolean progressSeen = false;
        i = PubScanner.ws(buf, i + 1, end);
        if (i < end && buf[i] == '}') {
            return null;
        }
        for (;;) {
            if (i >= end || buf[i] != '"') {
                return null;
            }
            int nameStart = i + 1;
            int nameEnd = PubScanner.plainStringEnd(buf, nameStart, end);
            if (nameEnd < 0) {
                return null;
            }
            i = PubScanner.ws(buf, nameEnd + 1, end);
            if (i >= end || buf[i] != ':') {
                return null;
            }
            i = PubScanner.ws(buf, i + 1, end);
            if (i >= end) {
                return null;
            }
            int nameLen = nameEnd - nameStart;
            if (nameLen == 4 && PubScanner.is(buf, nameStart, nameEnd, TYPE)) {
                if (type != NONE || buf[i] != '"') {
                    return null;
                }
                int e = PubScanner.plainStringEnd(buf, i + 1, end);
                if (e < 0) {
                    return null;
                }
                if (PubScanner.is(buf, i + 1, e, CALL)) {
                    type = IS_CALL;
                } else if (PubScanner.is(buf, i + 1, e, REPLY)) {
                    type = IS_REPLY;
                } else {
                    return null;
                }
                i = e + 1;
            } else if (nameLen == 2 && PubScanner.is(buf, nameStart, nameEnd, ID)) {
                if (id != 0) {
                    return null;
                }
                int e = integerEnd(buf, i, end);
                if (e < 0) {
                    return null;
                }
                id = digits(buf, i, e);
                if (id > FrameCodec.MAX_ID) {
                    return null;
                }
                i = e;
            } else if (nameLen == 4 && PubScanner.is(buf, nameStart, nameEnd, PROC)) {
                if (proc != null || buf[i] != '"') {
                    return null;
                }
                int e = PubScanner.plainStringEnd(buf, i + 1, end);
                if (e < 0) {
                    return null;
                }
                proc = new String(buf, i + 1, e - i - 1, StandardCharsets.UTF_8);
                i = e + 1;
            } else if (nameLen == 4 && (PubScanner.is(buf, nameStart, nameEnd, ARGS)
                    || PubScanner.is(buf, nameStart, nameEnd, DATA))) {
                if (argsSeen || dataSeen) {
                    return null; // a duplicate, or both members: the full parser's
                }
                if (buf[nameStart] == 'a') {
                    argsSeen = true;
                } else {
                    dataSeen = true;
                }
                payloadStart = i;
                payloadEnd = PubScanner.value(buf, i, end, 0);
                if (payloadEnd < 0) {
                    return null;
                }
                i = payloadEnd;
            } else if (nameLen == 7 && PubScanner.is(buf, nameStart, nameEnd, TIMEOUT)) {
                if (timeout != 0) {
                    return null;
                }
                int e = integerEnd(buf, i, end);
                if (e < 0) {
                    return null;
                }
                timeout = digits(buf, i, e);
                i = e;
            } else if (nameLen == 8 && PubScanner.is(buf, nameStart, nameEnd, PROGRESS)) {
                if (progressSeen) {
                    return null;
                }
                if (PubScanner.literal(buf, i, end, "true")) {
                    progress = true;
                    i += 4;
                } else if (PubScanner.literal(buf, i, end, "false")) {
                    i += 5;
                } else {
                    return null;
                }
                progressSeen = true;
            } else {
                return null;
            }
            i = PubScanner.ws(buf, i, end);
            if (i >= end) {
                return null;
            }
            if (buf[i] == ',') {
                i = PubScanner.ws(buf, i + 1, end);
                continue;
            }
            if (buf[i] != '}') {
                return null;
            }
            break;
        }
        if (PubScanner.ws(buf, i + 1, end) != end || id == 0) {
            return null;
        }
        if (type == IS_CALL) {
            if (proc == null || dataSeen) {
                return null;
            }
            Payload args = argsSeen ? Payload.json(Arrays.copyOfRange(buf, payloadStart, payloadEnd)) : Payload.NULL;
            return new Frame.Call(id, proc, args, timeout, progress);
        }
        if (type == IS_REPLY) {
            if (!dataSeen || proc != null || timeout != 0) {
                return null;
            }
            return new Frame.Reply(id, Payload.json(Arrays.copyOfRange(buf, payloadStart, payloadEnd)), null, progress);
        }
        return null;
    }

    /**
     * The index just past a JSON integer at {@code i} that is positive, has no leading zero, fraction or exponent
     * and at most {@link #MAX_DIGITS} digits; or -1 (the full parser decides what such a member means).
     */
    private static int integerEnd(byte[] b, int i, int end) {
        int e = i;
        while (e < end && b[e] >= '0' && b[e] <= '9') {
            e++;
        }
        if (e == i || b[i] == '0' || e - i > MAX_DIGITS
                || (e < end && (b[e] == '.' || b[e] == 'e' || b[e] == 'E'))) {
            return -1;
        }
        return e;
    }

    private static long digits(byte[] b, int from, int to) {
        long v = 0;
        for (int k = from; k < to; k++) {
            v = v * 10 + (b[k] - '0');
        }
        return v;
    }
}
