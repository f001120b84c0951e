package dev.ferry.bench.fanout;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Encodes the publisher's frames: {@code {"type":"pub","topic":T,"data":{"t":<nanos>,"pad":"xx..."}}}, the pad
 * sized so that the {@code data} value is exactly {@code payloadBytes} long (or as short as it can be, when
 * {@code payloadBytes} is below {@code {"t":<nanos>,"pad":""}}).
 */
final class PubFrames {
    /** {@code {"t":} + {@code ,"pad":"} + {@code "}}: the data value without the digits and the pad. */
    static final int DATA_OVERHEAD = 5 + 8 + 2;

    private static final byte[] PAD_START = ",\"pad\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\"}}".getBytes(StandardCharsets.US_ASCII);

    private final byte[] head;
    private final byte[] pad;
    private final int payloadBytes;

    /** {@code topic} must be a valid ferry.v1 topic (which never needs JSON escaping). */
    PubFrames(String topic, int payloadBytes) {
        this.head = ("{\"type\":\"pub\",\"topic\":\"" + topic + "\",\"data\":{\"t\":").getBytes(StandardCharsets.UTF_8);
        this.pad = new byte[Math.max(0, payloadBytes - DATA_OVERHEAD)];
        Arrays.fill(pad, (byte) 'x');
        this.payloadBytes = payloadBytes;
    }

    /** One pub frame carrying {@code t}; the caller owns the buffer. */
    ByteBuf encode(ByteBufAllocator alloc, long t) {
        String digits = Long.toString(t);
        int padLength = Math.max(0, payloadBytes - DATA_OVERHEAD - digits.length());
        ByteBuf buf = alloc.buffer(head.length + digits.length() + PAD_START.length + padLength + END.length);
        buf.writeBytes(head);
        ByteBufUtil.writeAscii(buf, digits);
        buf.writeBytes(PAD_START);
        buf.writeBytes(pad, 0, padLength);
        buf.writeBytes(END);
        return buf;
    }
}
