package dev.ferry.bench.peers;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * For protocols that run a byte stream over WebSocket messages (NATS, MQTT): a unit (operation, packet) may be
 * split across messages and one message may hold several. Feeds the bytes received so far to a parser, unit by
 * unit, and keeps an incomplete tail for the next message. One per connection; not thread-safe.
 */
final class StreamReassembly {
    /** Reads the unit starting at {@code at} (below {@code end}); returns its size, or 0 when it is not complete. */
    interface Parser {
        int take(ByteBuf buf, int at, int end);
    }

    private ByteBuf pending = Unpooled.EMPTY_BUFFER;

    /** Parses what {@code in} completes, and keeps the rest (copied: {@code in} stays the caller's). */
    void read(ByteBuf in, Parser parser) {
        ByteBuf buf;
        if (pending.isReadable()) {
            pending.writeBytes(in, in.readerIndex(), in.readableBytes());
            buf = pending;
        } else {
            buf = in;
        }
        int at = buf.readerIndex();
        int end = buf.writerIndex();
        while (at < end) {
            int used = parser.take(buf, at, end);
            if (used == 0) {
                break;
            }
            at += used;
        }
        if (at < end) {
            if (buf == pending) {
                pending.readerIndex(at);
                pending.discardReadBytes();
            } else {
                pending = Unpooled.buffer(Math.max(256, (end - at) * 2));
                pending.writeBytes(in, at, end - at);
            }
        } else if (buf == pending) {
            pending.clear();
        }
    }

    void release() {
        pending.release();
        pending = Unpooled.EMPTY_BUFFER;
    }
}
