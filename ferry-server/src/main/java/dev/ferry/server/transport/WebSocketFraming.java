package dev.ferry.server.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;

/**
 * RFC 6455 framing of a server's message: one unfragmented, unmasked frame (a server never masks), the same bytes
 * for every connection. Fan-out frames a publication once per event loop and writes these bytes to every
 * connection, past Netty's frame encoder (which passes plain buffers through), instead of building and encoding a
 * frame per connection.
 */
public final class WebSocketFraming {
    /** The key of this encoding in a delivery ({@link SharedEncodings}). */
    public static final Object TEXT_OR_BINARY = "websocket-frame";

    /** Frames a text / binary payload, for the hub's delivery. */
    public static final java.util.function.UnaryOperator<ByteBuf> TEXT = p -> frame(p, false);
    public static final java.util.function.UnaryOperator<ByteBuf> BINARY = p -> frame(p, true);

    private WebSocketFraming() {
    }

    /** A new (pooled) buffer holding {@code payload}'s readable bytes as one text or binary frame. */
    public static ByteBuf frame(ByteBuf payload, boolean binary) {
        int n = payload.readableBytes();
        ByteBuf out = header(PooledByteBufAllocator.DEFAULT, n, binary);
        out.writeBytes(payload, payload.readerIndex(), n);
        return out;
    }

    /** How many bytes of {@code framed} (a frame written by this class, from its reader index) are header. */
    public static int headerLength(ByteBuf framed) {
        int len7 = framed.getByte(framed.readerIndex() + 1) & 0x7F;
        return len7 < 126 ? 2 : len7 == 126 ? 4 : 10;
    }

    /**
     * A new buffer from {@code alloc} holding the header of a text or binary frame of {@code n} payload bytes, with
     * room for the payload, which the caller writes next.
     */
    public static ByteBuf header(io.netty.buffer.ByteBufAllocator alloc, int n, boolean binary) {
        int header = n < 126 ? 2 : n <= 0xFFFF ? 4 : 10; // see headerLength
        ByteBuf out = alloc.directBuffer(header + n);
        out.writeByte(0x80 | (binary ? 0x2 : 0x1)); // FIN, opcode
        if (n < 126) {
            out.writeByte(n);
        } else if (n <= 0xFFFF) {
            out.writeByte(126);
            out.writeShort(n);
        } else {
            out.writeByte(127);
            out.writeLong(n);
        }
        return out;
    }
}
