package dev.ferry.bench.peers;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The payload every peer carries: 128 ASCII bytes, {@code @T}, the intended send time as 19 zero-padded decimal
 * digits ({@link System#nanoTime()}), then {@code x} padding. It needs no escaping in JSON, STOMP, NATS or MQTT,
 * so a codec finds it inside its peer's envelope by looking for the marker.
 */
public final class Payload {
    public static final int BYTES = 128;
    static final int DIGITS = 19;
    private static final byte M0 = '@';
    private static final byte M1 = 'T';
    private static final byte[] PAD = new byte[BYTES - 2 - DIGITS];

    static {
        Arrays.fill(PAD, (byte) 'x');
    }

    private Payload() {
    }

    /** Writes the payload for {@code nanos} (clamped to 0 and above) at the buffer's writer index. */
    public static void write(ByteBuf buf, long nanos) {
        buf.writeByte(M0).writeByte(M1);
        long v = Math.max(0, nanos);
        int at = buf.writerIndex();
        buf.writerIndex(at + DIGITS);
        for (int i = DIGITS - 1; i >= 0; i--) {
            buf.setByte(at + i, (byte) ('0' + (v % 10)));
            v /= 10;
        }
        buf.writeBytes(PAD);
    }

    /** The payload for {@code nanos} as a string. */
    public static String string(long nanos) {
        ByteBuf buf = Unpooled.buffer(BYTES);
        try {
            write(buf, nanos);
            return buf.toString(StandardCharsets.US_ASCII);
        } finally {
            buf.release();
        }
    }

    /** The time in a payload starting at {@code i}, or -1 when none starts there (within {@code to}). */
    static long timeAt(ByteBuf buf, int i, int to) {
        if (i + 2 + DIGITS > to || buf.getByte(i) != M0 || buf.getByte(i + 1) != M1) {
            return -1;
        }
        long v = 0;
        for (int k = i + 2, end = i + 2 + DIGITS; k < end; k++) {
            int d = buf.getByte(k) - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            v = v * 10 + d;
        }
        return v;
    }

    /** Receives the times found by {@link #scan}. */
    @FunctionalInterface
    public interface Found {
        void time(long nanos);
    }

    /** Calls {@code found} for every payload in {@code [from, to)} of {@code buf}; returns how many there were. */
    public static int scan(ByteBuf buf, int from, int to, Found found) {
        int n = 0;
        int i = from;
        while (i < to) {
            int at = buf.indexOf(i, to, M0);
            if (at < 0) {
                break;
            }
            long t = timeAt(buf, at, to);
            if (t >= 0) {
                found.time(t);
                n++;
                i = at + 2 + DIGITS;
            } else {
                i = at + 1;
            }
        }
        return n;
    }
}
