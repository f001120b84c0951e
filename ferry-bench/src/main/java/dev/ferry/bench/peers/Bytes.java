package dev.ferry.bench.peers;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.nio.charset.StandardCharsets;

/** Small framing helpers shared by the codecs: ASCII text in, frames out, prefixes compared byte for byte. */
final class Bytes {
    private Bytes() {
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    static TextWebSocketFrame text(ByteBufAllocator alloc, String s) {
        ByteBuf buf = alloc.buffer(s.length());
        ByteBufUtil.writeAscii(buf, s);
        return new TextWebSocketFrame(buf);
    }

    static BinaryWebSocketFrame binary(ByteBufAllocator alloc, byte[] b) {
        return new BinaryWebSocketFrame(alloc.buffer(b.length).writeBytes(b));
    }

    /** Head, then the payload stamped {@code nanos}, then tail, as one text frame. */
    static TextWebSocketFrame textAround(ByteBufAllocator alloc, byte[] head, long nanos, byte[] tail) {
        return new TextWebSocketFrame(around(alloc, head, nanos, tail));
    }

    /** Head, then the payload stamped {@code nanos}, then tail, as one binary frame. */
    static BinaryWebSocketFrame binaryAround(ByteBufAllocator alloc, byte[] head, long nanos, byte[] tail) {
        return new BinaryWebSocketFrame(around(alloc, head, nanos, tail));
    }

    private static ByteBuf around(ByteBufAllocator alloc, byte[] head, long nanos, byte[] tail) {
        ByteBuf buf = alloc.buffer(head.length + Payload.BYTES + tail.length);
        buf.writeBytes(head);
        Payload.write(buf, nanos);
        buf.writeBytes(tail);
        return buf;
    }

    /** Whether {@code buf} holds {@code prefix} at {@code from} (and before {@code to}). */
    static boolean startsWith(ByteBuf buf, int from, int to, byte[] prefix) {
        if (to - from < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (buf.getByte(from + i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    static String string(ByteBuf buf, int from, int to) {
        return buf.toString(from, Math.min(to - from, 300), StandardCharsets.UTF_8);
    }
}
