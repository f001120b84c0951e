package dev.ferry.bench.fanout;

import io.netty.buffer.ByteBuf;

/**
 * Reads just enough of one ferry.v1 frame to tell what it is: its {@code type}, its {@code id}, and for a
 * {@code msg} the integer member {@code t} of its {@code data} object (the publisher's intended send time).
 *
 * <p>A lenient one-pass scanner, not a JSON parser: it walks the frame's top-level object and, when {@code data}
 * is an object, that object's members; every other value is skipped by its syntax alone (strings honouring
 * backslash escapes, nested objects and arrays by depth), nothing is copied or decoded. It stops as soon as it
 * knows the type and, for a {@code msg}, {@code t}. Member names are compared byte for byte, so a name written
 * with escape sequences is not recognised (the server and this tool's publisher never write one). Returns false
 * on a frame it cannot read.
 *
 * <p>Not thread-safe: one per connection (event loop only); the results are those of the last {@link #scan}.
 */
final class FrameScanner {
    enum Type { MSG, RESULT, ERROR, OTHER, UNKNOWN }

    private static final byte[] TYPE = bytes("type");
    private static final byte[] ID = bytes("id");
    private static final byte[] DATA = bytes("data");
    private static final byte[] T = bytes("t");
    private static final byte[] MSG = bytes("msg");
    private static final byte[] RESULT = bytes("result");
    private static final byte[] ERROR = bytes("error");

    private ByteBuf buf;
    private int pos;
    private int end;

    private Type type;
    private long id;
    private boolean hasT;
    private long t;

    Type type() {
        return type;
    }

    long id() {
        return id;
    }

    boolean hasT() {
        return hasT;
    }

    long t() {
        return t;
    }

    /** Scans the frame in {@code buf[from, to)}. */
    boolean scan(ByteBuf buf, int from, int to) {
        this.buf = buf;
        this.pos = from;
        this.end = to;
        type = Type.UNKNOWN;
        id = 0;
        hasT = false;
        t = 0;
        try {
            return object();
        } finally {
            this.buf = null;
        }
    }

    private boolean done() {
        return type == Type.MSG ? hasT : type != Type.UNKNOWN && id != 0;
    }

    private boolean object() {
        skipWs();
        if (!take('{')) {
            return false;
        }
        skipWs();
        if (take('}')) {
            return true;
        }
        while (true) {
            skipWs();
            int keyStart = pos + 1;
            if (!skipString()) {
                return false;
            }
            int keyEnd = pos - 1;
            skipWs();
            if (!take(':')) {
                return false;
            }
            skipWs();
            boolean ok;
            if (is(keyStart, keyEnd, TYPE)) {
                ok = typeValue();
            } else if (is(keyStart, keyEnd, ID)) {
                ok = peek() == '-' || isDigit(peek()) ? integer(false) : skipValue();
            } else if (is(keyStart, keyEnd, DATA) && peek() == '{') {
                ok = dataObject();
            } else {
                ok = skipValue();
            }
            if (!ok) {
                return false;
            }
            if (done()) {
                return true;
            }
            skipWs();
            if (take('}')) {
                return true;
            }
            if (!take(',')) {
                return false;
            }
        }
    }

    private boolean typeValue() {
        int start = pos + 1;
        if (peek() != '"' || !skipString()) {
            return false;
        }
        int stop = pos - 1;
        type = is(start, stop, MSG) ? Type.MSG : is(start, stop, RESULT) ? Type.RESULT
                : is(start, stop, ERROR) ? Type.ERROR : Type.OTHER;
        return true;
    }

    /** The members of {@code data}: finds {@code t}, skips the rest. */
    private boolean dataObject() {
        take('{');
        skipWs();
        if (take('}')) {
            return true;
        }
        while (true) {
            skipWs();
            int keyStart = pos + 1;
            if (!skipString()) {
                return false;
            }
            int keyEnd = pos - 1;
            skipWs();
            if (!take(':')) {
                return false;
            }
            skipWs();
            boolean ok = is(keyStart, keyEnd, T) && (peek() == '-' || isDigit(peek())) ? integer(true) : skipValue();
            if (!ok) {
                return false;
            }
            if (done()) {
                return true;
            }
            skipWs();
            if (take('}')) {
                return true;
            }
            if (!take(',')) {
                return false;
            }
        }
    }

    /** A JSON integer (no fraction or exponent) into {@code t} or {@code id}. */
    private boolean integer(boolean intoT) {
        boolean negative = take('-');
        long v = 0;
        int digits = 0;
        while (pos < end && isDigit(peek())) {
            int d = buf.getByte(pos++) - '0';
            if (v > (Long.MAX_VALUE - d) / 10) {
                return false;
            }
            v = v * 10 + d;
            digits++;
        }
        if (digits == 0 || pos < end && (peek() == '.' || peek() == 'e' || peek() == 'E')) {
            return false;
        }
        v = negative ? -v : v;
        if (intoT) {
            t = v;
            hasT = true;
        } else {
            id = v;
        }
        return true;
    }

    private boolean skipValue() {
        if (pos >= end) {
            return false;
        }
        byte c = peek();
        if (c == '"') {
            return skipString();
        }
        if (c == '{' || c == '[') {
            return skipNested();
        }
        int start = pos;
        while (pos < end) {
            c = peek();
            if (c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                break;
            }
            pos++;
        }
        return pos > start;
    }

    /** Skips an object or array, strings included, by bracket depth. */
    private boolean skipNested() {
        int depth = 0;
        while (pos < end) {
            byte c = peek();
            if (c == '"') {
                if (!skipString()) {
                    return false;
                }
                continue;
            }
            pos++;
            if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                if (--depth == 0) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Skips a string starting at {@code pos} (which must be its opening quote); leaves {@code pos} after it. */
    private boolean skipString() {
        if (pos >= end || buf.getByte(pos) != '"') {
            return false;
        }
        pos++;
        while (pos < end) {
            byte c = buf.getByte(pos++);
            if (c == '\\') {
                pos++;
            } else if (c == '"') {
                return true;
            }
        }
        return false;
    }

    private boolean is(int from, int to, byte[] name) {
        if (to - from != name.length) {
            return false;
        }
        for (int i = 0; i < name.length; i++) {
            if (buf.getByte(from + i) != name[i]) {
                return false;
            }
        }
        return true;
    }

    private void skipWs() {
        while (pos < end) {
            byte c = buf.getByte(pos);
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
                return;
            }
            pos++;
        }
    }

    private boolean take(char c) {
        if (pos < end && buf.getByte(pos) == c) {
            pos++;
            return true;
        }
        return false;
    }

    private byte peek() {
        return pos < end ? buf.getByte(pos) : 0;
    }

    private static boolean isDigit(byte c) {
        return c >= '0' && c <= '9';
    }

    private static byte[] bytes(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
